//! The alert board as tables: active alerts (Prometheus' and the local rules'), and rule
//! groups with their health, plus where KPI thresholds and rules disagree.

use super::PanelData;
use crate::model::Status;
use crate::prom::{Alert, AlertSource, AlertState, RuleHealth, RuleStatus};
use crate::ui::status_bar::age;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

fn state_status(state: AlertState) -> Status {
    match state {
        AlertState::Firing => Status::Alert,
        AlertState::Pending => Status::Warn,
        AlertState::Inactive => Status::Ok,
    }
}

/// Labels worth reading: not the name or severity, which have their own columns, and the
/// scrape target's `instance`/`job` last, as they say least about what is wrong.
fn other_labels(alert: &Alert) -> String {
    let (mut specific, generic): (Vec<_>, Vec<_>) = alert
        .labels
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "alertname" | "severity"))
        .partition(|(k, _)| !matches!(k.as_str(), "instance" | "job"));
    specific.extend(generic);
    specific
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn render_alerts(data: &PanelData, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let board = &data.store.alerts;
    let alerts = board.all();
    let mut notes: Vec<Line> = Vec::new();
    if let Some(Err(e)) = &board.server {
        notes.push(Line::styled(format!("⚠ /api/v1/alerts: {e}"), theme.error));
    }
    if alerts.is_empty() {
        let text = if board.server.is_none() && board.local.is_empty() {
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
    let header = Row::new([
        "State",
        "Severity",
        "Alert",
        "Value",
        "Since",
        "Labels",
        "Description — summary",
        "From",
    ])
    .style(theme.muted);
    let rows = alerts.iter().enumerate().map(|(i, a)| {
        let status = state_status(a.state);
        let marker = if data.selected_kpi == Some(i) {
            "▸"
        } else {
            " "
        };
        // The description first: it usually carries the value; the summary repeats the name.
        let summary = match (
            a.annotations.get("summary"),
            a.annotations.get("description"),
        ) {
            (Some(s), Some(d)) => format!("{d} — {s}"),
            (Some(text), None) | (None, Some(text)) => text.clone(),
            (None, None) => String::new(),
        };
        // Alertmanager holds back a server alert's notifications: it still fires, quietly.
        let source = match (a.source, data.store.alerts.is_suppressed(a)) {
            (AlertSource::Server, false) => "server",
            (AlertSource::Server, true) => "silenced",
            (AlertSource::Local, _) => "local",
        };
        Row::new(vec![
            Cell::from(format!("{marker}{}", a.state.as_str().to_uppercase())),
            Cell::from(a.severity().unwrap_or("–").to_string()),
            Cell::from(a.name.clone()),
            Cell::from(crate::alerts::gofmt::format_g(a.value, Some(4))),
            Cell::from(age(data.ctx.now - a.active_at)),
            Cell::from(other_labels(a)),
            Cell::from(summary),
            Cell::from(source),
        ])
        .style(theme.status(status))
    });
    let widths = [
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(24),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Length(8),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selection);
    let mut state = TableState::default().with_selected(data.selected_kpi);
    StatefulWidget::render(table, table_area, buf, &mut state);
    Paragraph::new(notes).render(note_area, buf);
}

fn rule_row<'a>(data: &PanelData, group: &str, rule: &'a RuleStatus) -> Row<'a> {
    let theme = data.theme;
    let (health, style) = match rule.health {
        RuleHealth::Ok => ("ok", theme.text),
        RuleHealth::Unknown => ("unknown", theme.muted),
        RuleHealth::Error => ("err", theme.error),
    };
    let state = rule.state.map_or("–", AlertState::as_str);
    let style = match rule.state {
        Some(s @ (AlertState::Firing | AlertState::Pending)) => theme.status(state_status(s)),
        _ => style,
    };
    let last = rule.last_evaluation.map_or_else(
        || "never".to_string(),
        |t| format!("{} ago", age(data.ctx.now - t)),
    );
    let kind = match rule.kind {
        crate::prom::RuleKind::Alerting => "alert",
        crate::prom::RuleKind::Recording => "record",
    };
    Row::new(vec![
        Cell::from(group.to_string()),
        Cell::from(rule.name.clone()),
        Cell::from(kind),
        Cell::from(state),
        Cell::from(health),
        Cell::from(last),
        Cell::from(
            rule.last_error
                .clone()
                .unwrap_or_else(|| rule.query.clone()),
        ),
    ])
    .style(style)
}

pub fn render_rules(data: &PanelData, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let board = &data.store.alerts;
    let mut rows: Vec<Row> = Vec::new();
    if let Some(Ok(groups)) = &board.groups {
        for group in groups {
            for rule in &group.rules {
                rows.push(rule_row(data, &group.name, rule));
            }
        }
    }
    let local = board.local.rule_statuses();
    for rule in &local {
        rows.push(rule_row(data, "--rules (local)", rule));
    }
    for (rule, id) in &board.recording {
        let series = data.store.query(*id).map_or(0, |q| q.current().count());
        rows.push(
            Row::new(vec![
                "--rules (local)".to_string(),
                rule.name.clone(),
                "record".into(),
                format!("{series} series"),
                "–".into(),
                "–".into(),
                crate::model::query::normalize(&rule.expr),
            ])
            .style(theme.text),
        );
    }
    let mut notes: Vec<Line> = Vec::new();
    if let Some(Err(e)) = &board.groups {
        notes.push(Line::styled(format!("⚠ /api/v1/rules: {e}"), theme.error));
    }
    for mismatch in &board.mismatches {
        notes.push(Line::from(vec![
            Span::styled("≠ ", theme.warn),
            Span::styled(mismatch.to_string(), theme.warn),
        ]));
    }
    if rows.is_empty() && notes.is_empty() {
        let text = if board.groups.is_none() {
            "waiting for Prometheus' rules…"
        } else {
            "Prometheus has no rules loaded; --rules FILE evaluates rule files here."
        };
        Paragraph::new(text).style(theme.muted).render(area, buf);
        return;
    }
    let note_height = (notes.len() as u16).min(area.height / 2);
    let [table_area, note_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(note_height)]).areas(area);
    let header = Row::new([
        "Group",
        "Rule",
        "Kind",
        "State",
        "Health",
        "Evaluated",
        "Error / expression",
    ])
    .style(theme.muted);
    let widths = [
        Constraint::Length(16),
        Constraint::Length(24),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    Widget::render(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
        buf,
    );
    Paragraph::new(notes)
        .wrap(Wrap { trim: true })
        .render(note_area, buf);
}

/// Alertmanager's view: where notifications go, and what is silenced until when.
pub fn render_alertmanager(data: &PanelData, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let state = match &data.store.alerts.alertmanager {
        None => {
            Paragraph::new(
                "No Alertmanager given: --alertmanager URL shows its groups and silences here.",
            )
            .style(theme.muted)
            .wrap(Wrap { trim: true })
            .render(area, buf);
            return;
        }
        Some(Err(e)) => {
            Paragraph::new(format!("⚠ Alertmanager: {e}"))
                .style(theme.error)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        Some(Ok(state)) => state,
    };
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::styled(
        format!("Notification groups ({})", state.groups.len()),
        theme.title,
    ));
    for group in &state.groups {
        let suppressed = group
            .alerts
            .iter()
            .filter(|a| a.state == "suppressed")
            .count();
        let labels: Vec<String> = group
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let style = if suppressed == group.alerts.len() {
            theme.muted
        } else {
            theme.text
        };
        lines.push(Line::styled(
            format!(
                "  → {}  {}  {} alerts{}",
                group.receiver,
                labels.join(" "),
                group.alerts.len(),
                if suppressed > 0 {
                    format!(", {suppressed} suppressed")
                } else {
                    String::new()
                }
            ),
            style,
        ));
    }
    let silences = state.current_silences();
    lines.push(Line::styled(
        format!("Silences ({})", silences.len()),
        theme.title,
    ));
    for silence in silences {
        let until = if silence.state == "active" {
            format!("ends in {}", age(silence.ends_at - data.ctx.now))
        } else {
            format!("starts in {}", age(silence.starts_at - data.ctx.now))
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", silence.state), theme.warn),
            Span::styled(silence.matchers.join(", "), theme.text),
            Span::styled(
                format!("  {until} · {}: {}", silence.created_by, silence.comment),
                theme.muted,
            ),
        ]));
    }
    Paragraph::new(lines).render(area, buf);
}
