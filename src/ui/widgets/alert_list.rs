//! The active alerts as a table of groups: a rule firing over many series is one line
//! (worst state, counts, oldest since, shared labels, the differing ones counted), opened
//! with Enter or →; a lone alert is its own line. Names are never cut.

use super::PanelWidget;
use super::columns::{Column, fitted, widths};
use crate::model::duration::Form;
use crate::model::{Labels, Status};
use crate::prom::{Alert, AlertSource, AlertState};
use crate::view::alert_groups::{AlertGroup, AlertLine};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, StatefulWidget, Table, TableState, Widget, Wrap};

pub fn state_status(state: AlertState) -> Status {
    match state {
        AlertState::Firing => Status::Alert,
        AlertState::Pending => Status::Warn,
        AlertState::Inactive => Status::Ok,
    }
}

/// Labels worth reading: not the name or severity, which have their own columns, and the
/// scrape target's `instance`/`job` last, as they say least about what is wrong.
fn other_labels<'a>(labels: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    let (mut specific, generic): (Vec<_>, Vec<_>) = labels
        .filter(|(k, _)| !matches!(k.as_str(), "alertname" | "severity"))
        .partition(|(k, _)| !matches!(k.as_str(), "instance" | "job"));
    specific.extend(generic);
    specific
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The description first: it usually carries the value; the summary repeats the name.
fn summary(alert: &Alert) -> String {
    match (
        alert.annotations.get("summary"),
        alert.annotations.get("description"),
    ) {
        (Some(s), Some(d)) => format!("{d} — {s}"),
        (Some(text), None) | (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    }
}

const COLUMNS: [Column; 8] = [
    Column::Content,
    Column::Content,
    Column::Name,
    Column::Content,
    Column::Content,
    Column::Fill(1),
    Column::Fill(1),
    Column::Content,
];

/// An alert's row; inside an open group (`shared`: the group's common labels) it is
/// indented and lists only what sets it apart.
fn alert_cells(data: &PanelWidget, alert: &Alert, shared: Option<&Labels>) -> Vec<String> {
    // Alertmanager holds back a server alert's notifications: it still fires, quietly.
    let source = match (alert.source, data.store.alerts.is_suppressed(alert)) {
        (AlertSource::Server, false) => "server",
        (AlertSource::Server, true) => "silenced",
        (AlertSource::Local, _) => "local",
    };
    vec![
        alert.state.as_str().to_uppercase(),
        alert.severity().unwrap_or("–").to_string(),
        format!("{}{}", if shared.is_some() { "  " } else { "" }, alert.name),
        crate::alerts::gofmt::format_g(alert.value, Some(4)),
        Form::Age.seconds(data.ctx.now - alert.active_at),
        other_labels(
            alert
                .labels
                .iter()
                .filter(|(k, _)| shared.is_none_or(|s| !s.contains_key(*k))),
        ),
        summary(alert),
        source.to_string(),
    ]
}

fn group_cells(data: &PanelWidget, group: &AlertGroup, expanded: bool) -> Vec<String> {
    let silenced = group
        .members
        .iter()
        .filter(|a| data.store.alerts.is_suppressed(a))
        .count();
    let source = match silenced {
        0 => group.key.source.clone(),
        n if n == group.members.len() => "silenced".to_string(),
        n => format!("{} · {n} silenced", group.key.source),
    };
    // What tells the members apart before the scrape target, which says least.
    let (target, specific): (Vec<_>, Vec<_>) = group
        .shared
        .iter()
        .partition(|(k, _)| matches!(k.as_str(), "instance" | "job"));
    let labels = [
        other_labels(specific.into_iter()),
        group.differing_text(),
        other_labels(target.into_iter()),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    let about = group
        .members
        .first()
        .and_then(|a| a.annotations.get("summary"))
        .map(|s| format!(" — {s}"))
        .unwrap_or_default();
    vec![
        group.worst_state().as_str().to_uppercase(),
        group.severity().unwrap_or("–").to_string(),
        format!(
            "{} {} ×{}{}",
            if expanded { "▼" } else { "▶" },
            group.key.name,
            group.members.len(),
            group.per_backend()
        ),
        "–".to_string(),
        Form::Age.seconds(data.ctx.now - group.oldest()),
        labels,
        format!("{}{about}", group.counts()),
        source,
    ]
}

pub fn render_alerts(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let board = &data.store.alerts;
    let groups = data.alerts.groups(board);
    let lines = data.alerts.lines(&groups);
    let mut notes: Vec<Line> = Vec::new();
    if let Some(Err(e)) = &board.server {
        notes.push(Line::styled(format!("⚠ /api/v1/alerts: {e}"), theme.error));
    }
    if lines.is_empty() {
        let text = if data.alerts.filter.is_some() && !board.all().is_empty() {
            "No active alert matches the filter (Esc clears it).".to_string()
        } else if board.server.is_none() && board.local.is_empty() {
            "waiting for Prometheus' alerts…".to_string()
        } else {
            "No active alerts.".to_string()
        };
        notes.insert(0, Line::styled(text, theme.ok));
        Paragraph::new(notes)
            .wrap(Wrap { trim: true })
            .render(area, buf);
        return;
    }
    let [table_area, note_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(notes.len() as u16)]).areas(area);
    let header: Vec<String> = [
        "State",
        "Severity",
        "Alert",
        "Value",
        "Since",
        "Labels",
        "Description — summary",
        "From",
    ]
    .map(String::from)
    .to_vec();
    let mut cells = vec![header];
    let mut styles = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (mut row, state) = match *line {
            AlertLine::Group { group, expanded } => {
                let g = &groups[group];
                (group_cells(data, g, expanded), g.worst_state())
            }
            AlertLine::Alert {
                group,
                member,
                nested,
            } => {
                let alert = groups[group].members[member];
                let shared = nested.then_some(&groups[group].shared);
                (alert_cells(data, alert, shared), alert.state)
            }
        };
        let marker = if data.focus == Some(i) { "▸" } else { " " };
        row[0].insert_str(0, marker);
        cells.push(row);
        styles.push(theme.status(state_status(state)));
    }
    let widths = widths(&COLUMNS, &cells, table_area.width, 1);
    let mut rows = cells.into_iter().map(|c| fitted(&COLUMNS, &widths, c));
    let header = rows.next().unwrap_or_default().style(theme.muted);
    let rows: Vec<_> = rows.zip(styles).map(|(r, s)| r.style(s)).collect();
    let table = Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selection);
    let mut state = TableState::default().with_selected(data.focus);
    StatefulWidget::render(table, table_area, buf, &mut state);
    Paragraph::new(notes).render(note_area, buf);
}
