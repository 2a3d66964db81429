//! Prometheus' scrape targets, down first: health, last scrape, scrape duration against
//! the timeout, samples and the last error; the server's facts above them.

use super::PanelWidget;
use crate::model::Status;
use crate::model::duration::Form;
use crate::prom::status::{Target, TargetHealth};
use crate::view::server::facts_lines;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let server = &data.store.server;
    let facts = facts_lines(data.store).join(" · ");
    let mut notes: Vec<Line> = Vec::new();
    if !facts.is_empty() {
        notes.push(Line::styled(facts, theme.muted));
    }
    match &server.targets {
        None => notes.push(Line::styled(
            "waiting for Prometheus' targets…",
            theme.stale,
        )),
        Some(answer) => {
            if let Err(e) = &answer.result {
                notes.push(Line::styled(format!("⚠ /api/v1/targets: {e}"), theme.error));
            }
        }
    }
    let targets = server.targets();
    let [note_area, table_area] =
        Layout::vertical([Constraint::Length(notes.len() as u16), Constraint::Fill(1)]).areas(area);
    Paragraph::new(notes)
        .wrap(Wrap { trim: true })
        .render(note_area, buf);
    if targets.is_empty() {
        return;
    }
    let header = Row::new([
        "Health", "Pool", "Instance", "Scraped", "Duration", "Samples", "Error",
    ])
    .style(theme.muted);
    let rows = targets.iter().enumerate().map(|(i, t)| {
        let marker = if data.focus == Some(i) { "▸" } else { " " };
        let status = match t.health {
            TargetHealth::Down => Status::Alert,
            TargetHealth::Unknown => Status::Stale,
            TargetHealth::Up => Status::Ok,
        };
        Row::new(vec![
            Cell::from(format!("{marker}{}", t.health.as_str().to_uppercase())),
            Cell::from(t.pool.clone()),
            Cell::from(t.instance().to_string()),
            Cell::from(t.last_scrape.map_or_else(
                || "never".to_string(),
                |at| format!("{} ago", Form::Age.seconds(data.ctx.now - at)),
            )),
            Cell::from(duration(t)),
            Cell::from(t.samples.map_or_else(|| "–".to_string(), |n| n.to_string())),
            Cell::from(match (t.error_cause(), &t.last_error) {
                (Some(cause), Some(full)) if cause != full => format!("{cause} — {full}"),
                _ => t.last_error.clone().unwrap_or_default(),
            }),
        ])
        .style(theme.status(status))
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Length(22),
        Constraint::Length(9),
        Constraint::Length(14),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selection);
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
