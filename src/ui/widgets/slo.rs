//! SLO panels: one row per objective with its SLI now, the error budget left (a bar and a
//! percentage), burn rates over 5m … 3d coloured against the workbook's thresholds, the
//! alerts that would fire and when the budget runs out; below, where the long windows
//! came from and how old they are.

use crate::config::Theme;
use crate::model::Status;
use crate::model::duration::Form;
use crate::model::slo::{self, Severity, Window};
use crate::view::slo::SloRow;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// Width of the budget bar, in cells.
const BAR: usize = 10;

pub fn render(
    rows: Vec<SloRow>,
    theme: &Theme,
    focus: Option<usize>,
    area: Rect,
    buf: &mut Buffer,
) {
    let name_width = rows
        .iter()
        // The name, the selection mark and a space.
        .map(|r| r.slo.name.chars().count() + 2)
        .max()
        .unwrap_or(4)
        .max(4);
    // Columns, most important first, while they fit: name, budget, state, SLI, burn rates,
    // runs out.
    let width = usize::from(area.width);
    if usize::from(area.height) <= rows.len() || width < name_width + 28 {
        return compact(theme, rows, area, buf);
    }
    let alerts_width = rows
        .iter()
        .map(|r| alerts_text(r).chars().count() + 2)
        .max()
        .unwrap_or(8)
        .max(8);
    let columns = Columns {
        name_width,
        alerts_width,
        wide: width >= name_width + 79 + alerts_width,
        medium: width >= name_width + 60,
    };
    let mut lines = Vec::with_capacity(rows.len() + 2);
    lines.push(header(&rows, theme, columns));
    for (i, row) in rows.iter().enumerate() {
        lines.push(row_line(row, focus == Some(i), theme, columns));
    }
    if let Some(note) = cost_note(&rows) {
        lines.push(Line::from(Span::styled(note, theme.muted)));
    }
    Paragraph::new(lines).render(area, buf);
}

/// Which columns fit, and how wide the name and alerts ones are.
#[derive(Clone, Copy)]
struct Columns {
    name_width: usize,
    alerts_width: usize,
    /// Room for the burn rates and the SLI.
    medium: bool,
    /// Room for when the budget runs out too.
    wide: bool,
}

fn level_style(theme: &Theme, level: Option<Severity>) -> Style {
    match level {
        Some(Severity::Page) => theme.status(Status::Alert),
        Some(Severity::Ticket) => theme.status(Status::Warn),
        None => theme.text,
    }
}

fn header(rows: &[SloRow], theme: &Theme, columns: Columns) -> Line<'static> {
    let Columns {
        name_width,
        alerts_width,
        ..
    } = columns;
    let mut header = vec![Span::styled(format!("{:<name_width$}", "SLO"), theme.muted)];
    header.push(Span::styled(
        format!("{:<8}{:<width$}", "goal", "budget left", width = BAR + 10),
        theme.muted,
    ));
    if columns.medium {
        header.push(Span::styled(format!("{:<8}", "SLI"), theme.muted));
        for w in Window::SHOWN {
            let actual = rows.first().map_or(w.reference(), |r| r.slo.burn_window(w));
            // Scaled windows (a short SLO window) say what they really span.
            let label = if actual == w.reference() {
                w.label().to_string()
            } else {
                slo::prometheus_duration(actual)
            };
            header.push(Span::styled(format!("{label:>7}"), theme.muted));
        }
        header.push(Span::styled("  ", theme.muted));
    }
    header.push(Span::styled(
        format!("{:<alerts_width$}", "alerts"),
        theme.muted,
    ));
    if columns.wide {
        header.push(Span::styled("runs out", theme.muted));
    }
    Line::from(header)
}

fn row_line(row: &SloRow, selected: bool, theme: &Theme, columns: Columns) -> Line<'static> {
    let Columns {
        name_width,
        alerts_width,
        ..
    } = columns;
    let mark = if selected { "▸" } else { "" };
    let style = match row.status {
        Status::Ok | Status::NoData => theme.text,
        s => theme.status(s),
    };
    let style = if selected {
        style.patch(theme.selection)
    } else {
        style
    };
    let mut spans = vec![Span::styled(
        format!("{:<name_width$}", format!("{mark}{}", row.slo.name)),
        style,
    )];
    spans.push(Span::styled(
        format!("{:<8}", format!("{}%", row.slo.objective)),
        theme.text,
    ));
    spans.extend(budget(row, theme.text, theme.status(row.status)));
    if columns.medium {
        let sli = row.sli.map_or("–".to_string(), |v| format!("{v:.2}%"));
        spans.push(Span::styled(format!("{sli:<8}"), theme.text));
        for w in Window::SHOWN {
            let burn = row.burns[w.index()];
            let text = burn.map_or("–".to_string(), |b| format!("{b:.1}×"));
            let level = burn.and_then(|b| slo::window_level(w, b));
            spans.push(Span::styled(
                format!("{text:>7}"),
                level_style(theme, level),
            ));
        }
        spans.push(Span::raw("  "));
    }
    spans.push(Span::styled(
        format!("{:<alerts_width$}", alerts_text(row)),
        level_style(theme, row.state),
    ));
    if columns.wide {
        let runs_out = match (row.exhaustion, row.budget_left) {
            (_, Some(left)) if left <= 0.0 => "spent".to_string(),
            (Some(d), _) => format!("in {}", Form::Setting.duration(d)),
            _ => "–".to_string(),
        };
        spans.push(Span::styled(runs_out, theme.text));
    }
    Line::from(spans)
}

/// The alerts that would fire now, by name (`page 1h/5m`), or `none`.
fn alerts_text(row: &SloRow) -> String {
    if row.firing.is_empty() {
        return "none".to_string();
    }
    row.firing
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Short of room (the Overview): the budget left and the name, worst first, a line each.
fn compact(theme: &Theme, mut rows: Vec<SloRow>, area: Rect, buf: &mut Buffer) {
    rows.sort_by(|a, b| {
        b.status.cmp(&a.status).then(
            a.budget_left
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.budget_left.unwrap_or(f64::INFINITY)),
        )
    });
    let lines: Vec<Line> = rows
        .iter()
        .map(|row| {
            let left = row
                .budget_left
                .map_or("–".to_string(), |l| format!("{:.0}%", l * 100.0));
            let state = row
                .state
                .map_or(String::new(), |s| format!(" {}", s.label()));
            let style = match row.status {
                Status::Ok | Status::NoData => theme.text,
                s => theme.status(s),
            };
            Line::from(Span::styled(
                format!("{left:>5} {}{state}", row.slo.name),
                style,
            ))
        })
        .collect();
    Paragraph::new(lines).render(area, buf);
}

/// The budget left: a bar of [`BAR`] cells and the percentage.
fn budget<'a>(row: &SloRow, text: Style, status: Style) -> Vec<Span<'a>> {
    let Some(left) = row.budget_left else {
        return vec![Span::styled(format!("{:<BAR$} {:>7}  ", "–", ""), text)];
    };
    let filled = (left.clamp(0.0, 1.0) * BAR as f64).round() as usize;
    let bar_style = if row.status == Status::Ok {
        text
    } else {
        status
    };
    vec![
        Span::styled("█".repeat(filled), bar_style),
        Span::styled("░".repeat(BAR - filled), text),
        Span::styled(format!(" {:>6.1}%  ", left * 100.0), bar_style),
    ]
}

/// Where the long windows came from: the recording rules, or raw queries asked once a
/// minute (how old, and which rules would make them cheap); and how old the windows get
/// between asks, each paced to a sixtieth of its length.
fn cost_note(rows: &[SloRow]) -> Option<String> {
    let oldest = rows.iter().filter_map(|r| r.raw_long_age).reduce(f64::max);
    let paced = rows
        .iter()
        .filter_map(|r| r.oldest_age)
        .reduce(f64::max)
        .map(|age| {
            format!(
                "each window asked every sixtieth of its length, the oldest {} ago",
                Form::Age.seconds(age)
            )
        });
    match oldest {
        Some(oldest) => {
            let rule = rows
                .iter()
                .find(|r| r.raw_long_age.is_some())
                .map(|r| crate::alerts::slo_rules::ratio_rule(r.slo.window))
                .unwrap_or_default();
            Some(format!(
                "long windows asked raw once a minute, {} old; `spheroseg-top slo rules` writes the recording rules ({rule} …) that make them cheap",
                Form::Age.seconds(oldest)
            ))
        }
        None if rows
            .iter()
            .any(|r| r.ratios.iter().flatten().any(|x| x.recorded)) =>
        {
            let read = "long windows read from the recording rules".to_string();
            Some(paced.map_or_else(|| read.clone(), |paced| format!("{read}; {paced}")))
        }
        None => paced,
    }
}
