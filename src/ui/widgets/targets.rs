//! Prometheus' scrape targets, down first: health, last scrape, scrape duration against
//! the timeout, samples and the last error; the server's facts above them.

use super::PanelWidget;
use super::columns::{Column, fitted, widths};
use crate::model::Status;
use crate::model::duration::Form;
use crate::prom::status::{Target, TargetHealth};
use crate::store::Store;
use crate::view::server::facts_lines;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, StatefulWidget, Table, TableState, Widget, Wrap};

/// The columns: the job and instance are names, never cut; the error takes what is left.
const COLUMNS: [Column; 7] = [
    Column::Content,
    Column::Name,
    Column::Name,
    Column::Content,
    Column::Content,
    Column::Content,
    Column::Fill(1),
];
const HEADER: [&str; 7] = [
    "Health", "Job", "Instance", "Scraped", "Duration", "Samples", "Error",
];

/// What a line above the table is, for its style.
enum Note {
    Facts,
    Waiting,
    Failed,
}

/// The lines above the table: the server's facts, and why there are no targets yet.
fn notes(store: &Store) -> Vec<(String, Note)> {
    let mut notes = Vec::new();
    let facts = facts_lines(store).join(" · ");
    if !facts.is_empty() {
        notes.push((facts, Note::Facts));
    }
    match &store.server.targets {
        None => notes.push((
            "waiting for Prometheus' targets…".to_string(),
            Note::Waiting,
        )),
        Some(answer) => {
            if let Err(e) = &answer.result {
                notes.push((format!("⚠ /api/v1/targets: {e}"), Note::Failed));
            }
        }
    }
    notes
}

/// Lines the panel's content takes at `width` columns: the notes as wrapped, the header
/// and a line per target. The grid gives the panel no more than that.
pub fn height(store: &Store, width: u16) -> u16 {
    let notes: usize = notes(store)
        .iter()
        .map(|(text, _)| wrapped_lines(text, width))
        .sum();
    let targets = store.server.targets().len();
    let table = if targets == 0 { 0 } else { targets + 1 };
    u16::try_from(notes + table).unwrap_or(u16::MAX)
}

/// How many lines `text` takes wrapped at word boundaries in `width` columns.
fn wrapped_lines(text: &str, width: u16) -> usize {
    let width = usize::from(width.max(1));
    let mut lines = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = Line::raw(word).width();
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
        } else {
            lines += 1;
            // A word longer than the line is broken over several.
            lines += w.saturating_sub(1) / width;
            used = w % width;
        }
    }
    lines
}

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let notes: Vec<Line> = notes(data.store)
        .into_iter()
        .map(|(text, note)| {
            let style = match note {
                Note::Facts => theme.muted,
                Note::Waiting => theme.stale,
                Note::Failed => theme.error,
            };
            Line::styled(text, style)
        })
        .collect();
    let targets = data.store.server.targets();
    let [note_area, table_area] =
        Layout::vertical([Constraint::Length(notes.len() as u16), Constraint::Fill(1)]).areas(area);
    Paragraph::new(notes)
        .wrap(Wrap { trim: true })
        .render(note_area, buf);
    if targets.is_empty() {
        return;
    }
    let cells: Vec<Vec<String>> = std::iter::once(HEADER.map(String::from).to_vec())
        .chain(targets.iter().enumerate().map(|(i, t)| {
            let marker = if data.focus == Some(i) { "▸" } else { " " };
            vec![
                format!("{marker}{}", t.health.as_str().to_uppercase()),
                t.job().to_string(),
                t.instance().to_string(),
                t.last_scrape.map_or_else(
                    || "never".to_string(),
                    |at| format!("{} ago", Form::Age.seconds(data.ctx.now - at)),
                ),
                duration(t),
                t.samples.map_or_else(|| "–".to_string(), |n| n.to_string()),
                match (t.error_cause(), &t.last_error) {
                    (Some(cause), Some(full)) if cause != full => format!("{cause} — {full}"),
                    _ => t.last_error.clone().unwrap_or_default(),
                },
            ]
        }))
        .collect();
    let widths = widths(&COLUMNS, &cells, table_area.width, 1);
    let mut rows = cells.into_iter().map(|c| fitted(&COLUMNS, &widths, c));
    let header = rows.next().map(|r| r.style(theme.muted));
    let rows = rows.zip(targets).map(|(row, t)| {
        let status = match t.health {
            TargetHealth::Down => Status::Alert,
            TargetHealth::Unknown => Status::Stale,
            TargetHealth::Up => Status::Ok,
        };
        row.style(theme.status(status))
    });
    let mut table = Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .column_spacing(1)
        .row_highlight_style(theme.selection);
    if let Some(header) = header {
        table = table.header(header);
    }
    let mut state = TableState::default().with_selected(data.focus);
    StatefulWidget::render(table, table_area, buf, &mut state);
}

/// `12ms / 10s`: the last scrape's duration against the timeout it must stay under.
fn duration(target: &Target) -> String {
    let took = format!("{:.0}ms", target.last_scrape_duration * 1000.0);
    match target.scrape_timeout {
        Some(timeout) => format!("{took} / {}", Form::Setting.duration(timeout)),
        None => took,
    }
}
