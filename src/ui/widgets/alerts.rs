//! The rule groups with their health, plus where KPI thresholds and rules disagree, and
//! Alertmanager's groups and silences. (The active alerts: `alert_list`.)

use super::PanelWidget;
use super::alert_list::state_status;
use super::columns::{Column, fitted, widths};
use crate::config::Theme;
use crate::model::duration::Form;
use crate::prom::alertmanager::{AlertGroup, RoutedState, Silence, SilenceState};
use crate::prom::{AlertState, RuleHealth, RuleStatus};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Widget, Wrap};

/// A rule's cells and the style of its state or health.
fn rule_cells(data: &PanelWidget, group: &str, rule: &RuleStatus) -> (Vec<String>, Style) {
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
        |t| format!("{} ago", Form::Age.seconds(data.ctx.now - t)),
    );
    let kind = match rule.kind {
        crate::prom::RuleKind::Alerting => "alert",
        crate::prom::RuleKind::Recording => "record",
    };
    let cells = vec![
        group.to_string(),
        rule.name.clone(),
        kind.to_string(),
        state.to_string(),
        health.to_string(),
        last,
        rule.last_error
            .clone()
            .unwrap_or_else(|| crate::model::query::normalize(&rule.query)),
    ];
    (cells, style)
}

const RULE_COLUMNS: [Column; 7] = [
    Column::Content,
    Column::Name,
    Column::Content,
    Column::Content,
    Column::Content,
    Column::Content,
    Column::Fill(1),
];

/// What the rules table calls the rules of `--rules` files, evaluated here.
const LOCAL: &str = "--rules (local)";

/// The rules that pass the filter, each with its style: Prometheus' groups, then the
/// local rules, then the local recording rules with how many series each makes.
fn rule_rows(data: &PanelWidget) -> Vec<(Vec<String>, Style)> {
    let board = &data.store.alerts;
    let passes = |group: &str, rule: &RuleStatus| {
        data.alerts
            .filter
            .as_ref()
            .is_none_or(|f| f.matches_rule(group, &rule.name, &rule.labels, &rule.query))
    };
    let mut rows: Vec<(Vec<String>, Style)> = Vec::new();
    if let Some(Ok(groups)) = &board.groups {
        for group in groups {
            for rule in group.rules.iter().filter(|r| passes(&group.name, r)) {
                rows.push(rule_cells(data, &group.name, rule));
            }
        }
    }
    let local = board.local.rule_statuses();
    for rule in local.iter().filter(|r| passes(LOCAL, r)) {
        rows.push(rule_cells(data, LOCAL, rule));
    }
    for (rule, id) in &board.recording {
        if data
            .alerts
            .filter
            .as_ref()
            .is_some_and(|f| !f.matches_rule(LOCAL, &rule.name, &rule.labels, &rule.expr))
        {
            continue;
        }
        let series = data.store.query(*id).map_or(0, |q| q.current().count());
        rows.push((
            vec![
                LOCAL.to_string(),
                rule.name.clone(),
                "record".into(),
                format!("{series} series"),
                "–".into(),
                "–".into(),
                crate::model::query::normalize(&rule.expr),
            ],
            data.theme.text,
        ));
    }
    rows
}

/// Under the table: why the rules could not be read, and where thresholds and rules differ.
fn rule_notes(data: &PanelWidget) -> Vec<Line<'static>> {
    let theme = data.theme;
    let board = &data.store.alerts;
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
    notes
}

pub fn render_rules(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let board = &data.store.alerts;
    let rows = rule_rows(data);
    let notes = rule_notes(data);
    if rows.is_empty() && notes.is_empty() {
        let text = if data.alerts.filter.is_some() && board.groups.is_some() {
            "No rule matches the filter (Esc clears it)."
        } else if board.groups.is_none() {
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
    let header: Vec<String> = [
        "Group",
        "Rule",
        "Kind",
        "State",
        "Health",
        "Evaluated",
        "Error / expression",
    ]
    .map(String::from)
    .to_vec();
    let (cells, styles): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
    let all: Vec<Vec<String>> = std::iter::once(header).chain(cells).collect();
    let widths = widths(&RULE_COLUMNS, &all, table_area.width, 1);
    let mut rows = all.into_iter().map(|c| fitted(&RULE_COLUMNS, &widths, c));
    let header = rows.next().unwrap_or_default().style(theme.muted);
    let rows: Vec<Row> = rows.zip(styles).map(|(r, s)| r.style(s)).collect();
    Widget::render(
        Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
            .header(header)
            .column_spacing(1),
        table_area,
        buf,
    );
    Paragraph::new(notes)
        .wrap(Wrap { trim: true })
        .render(note_area, buf);
}

/// "  → team-a  alertname=X  3 alerts, 1 suppressed": one notification group, muted when
/// all its alerts are suppressed.
fn group_line(group: &AlertGroup, theme: &Theme) -> Line<'static> {
    let suppressed = group
        .alerts
        .iter()
        .filter(|a| a.state == RoutedState::Suppressed)
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
    Line::styled(
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
    )
}

/// One silence: its state, matchers, when it ends (or starts), who made it and why;
/// `selected` marks the one the keyboard is on (`S` expires it).
fn silence_line(data: &PanelWidget, silence: &Silence, selected: bool) -> Line<'static> {
    let theme = data.theme;
    let marker = if selected { "▸" } else { " " };
    let until = if silence.state == SilenceState::Active {
        format!(
            "ends in {}",
            Form::Age.seconds(silence.ends_at - data.ctx.now)
        )
    } else {
        format!(
            "starts in {}",
            Form::Age.seconds(silence.starts_at - data.ctx.now)
        )
    };
    Line::from(vec![
        Span::styled(format!(" {marker}{} ", silence.state.word()), theme.warn),
        Span::styled(silence.matchers.join(", "), theme.text),
        Span::styled(
            format!("  {until} · {}: {}", silence.created_by, silence.comment),
            theme.muted,
        ),
    ])
}

/// Alertmanager's view: where notifications go, and what is silenced until when.
pub fn render_alertmanager(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
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
    lines.extend(state.groups.iter().map(|group| group_line(group, theme)));
    let silences = state.current_silences();
    lines.push(Line::styled(
        format!("Silences ({})", silences.len()),
        theme.title,
    ));
    for (i, silence) in silences.into_iter().enumerate() {
        // The keyboard selects silences here.
        lines.push(silence_line(data, silence, data.focus == Some(i)));
    }
    Paragraph::new(lines).render(area, buf);
}
