//! The snapshot for people: a headline (the verdict, what could not be measured, the
//! counts), then each tab's KPI tables as the screen lays them
//! out (KPI, value, target, alert, status), then the firing alerts. Status words are
//! coloured with the theme's colours only when asked (standard output is a terminal).

use super::{Snapshot, SnapshotRow};
use crate::config::Theme;
use crate::config::layout::SnapshotKind;
use crate::report::time::iso_seconds;
use ratatui::style::Color;
use std::fmt::Write as _;

const HEADERS: [&str; 5] = ["KPI", "Value", "Target", "Alert", "Status"];

pub fn render(snapshot: &Snapshot, theme: Option<&Theme>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} at {} — {}",
        snapshot.verdict.word(),
        snapshot.prometheus,
        iso_seconds(snapshot.at),
        headline(snapshot)
    );
    // Each tab: its KPI tables under their titles, then its stat and gauge panels together.
    let mut tabs: Vec<&str> = Vec::new();
    for row in &snapshot.rows {
        if !tabs.contains(&row.tab.as_str()) {
            tabs.push(&row.tab);
        }
    }
    for tab in tabs {
        let _ = writeln!(out, "\n{tab}");
        let of_tab = snapshot.rows.iter().filter(|r| r.tab == tab);
        let mut tables: Vec<(&str, Vec<&SnapshotRow>)> = Vec::new();
        for row in of_tab.clone().filter(|r| r.kind == SnapshotKind::Kpi) {
            match tables.last_mut() {
                Some((panel, rows)) if *panel == row.panel => rows.push(row),
                _ => tables.push((&row.panel, vec![row])),
            }
        }
        let panels: Vec<&SnapshotRow> = of_tab.filter(|r| r.kind != SnapshotKind::Kpi).collect();
        if !panels.is_empty() {
            tables.push(("Panels", panels));
        }
        for (title, rows) in tables {
            let _ = writeln!(out, "  {title}");
            table(&mut out, &rows, theme);
        }
    }
    slos(&mut out, snapshot);
    errors(&mut out, snapshot);
    why_empty(&mut out, snapshot);
    if !snapshot.alerts.is_empty() {
        let _ = writeln!(out, "\nFiring alerts");
        for alert in &snapshot.alerts {
            let severity = alert.severity.as_deref().unwrap_or("-");
            let backend = alert
                .backend
                .as_deref()
                .map(|b| format!(" · {b}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{backend} {severity}: {}",
                alert.name, alert.summary
            );
        }
    }
    if let Some(error) = &snapshot.alerts_error {
        let _ = writeln!(out, "\nalerts not read: {error}");
    }
    out
}

/// One line per SLO: objective, budget left, burn rates, the alerts that would fire.
fn slos(out: &mut String, snapshot: &Snapshot) {
    if snapshot.slos.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nSLOs");
    let width = snapshot.slos.iter().map(|s| s.who().chars().count()).max();
    for slo in &snapshot.slos {
        let left = slo
            .budget_left
            .map_or("–".to_string(), |l| format!("{l:.0}%"));
        let burns: Vec<String> = slo
            .burn_rates
            .0
            .iter()
            .map(|(w, b)| match b {
                Some(b) => format!("{w} {b:.1}×"),
                None => format!("{w} –"),
            })
            .collect();
        let firing = if slo.firing.is_empty() {
            String::new()
        } else {
            format!(" ({})", slo.firing.join(", "))
        };
        let _ = writeln!(
            out,
            "  {:<w$}  {}% over {}  budget left {left:>5}  burn {}  {}{firing}",
            slo.who(),
            slo.objective,
            slo.window,
            burns.join(" "),
            slo.status.label(),
            w = width.unwrap_or(0),
        );
    }
}

/// Each distinct query error once, with the rows it left without a value.
fn errors(out: &mut String, snapshot: &Snapshot) {
    let mut distinct: Vec<(&str, Vec<String>)> = Vec::new();
    for row in &snapshot.rows {
        let Some(error) = &row.error else { continue };
        match distinct.iter_mut().find(|(e, _)| e == error) {
            Some((_, names)) => names.push(row.who()),
            None => distinct.push((error, vec![row.who()])),
        }
    }
    if distinct.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nQuery errors");
    for (error, names) in distinct {
        let _ = writeln!(
            out,
            "  {error}: {} rows ({})",
            names.len(),
            names.join(", ")
        );
    }
}

/// Each reason a query answered nothing once, with the rows it explains.
fn why_empty(out: &mut String, snapshot: &Snapshot) {
    let mut distinct: Vec<(&str, Vec<String>)> = Vec::new();
    for row in &snapshot.rows {
        let Some(why) = &row.why_empty else { continue };
        match distinct.iter_mut().find(|(text, _)| *text == why.text) {
            Some((_, names)) => names.push(row.who()),
            None => distinct.push((&why.text, vec![row.who()])),
        }
    }
    if distinct.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nWhy no data");
    for (text, names) in distinct {
        let _ = writeln!(out, "  {}: {text}", names.join(", "));
    }
}

/// What could not be measured, then the counts: `alerts not read: HTTP 500: …; 3 OK`.
pub(super) fn headline(snapshot: &Snapshot) -> String {
    snapshot
        .reasons
        .iter()
        .cloned()
        .chain([summary(snapshot)])
        .collect::<Vec<_>>()
        .join("; ")
}

/// `3 OK, 1 WARN, 1 firing alert`: counts of the statuses present, worst last.
fn summary(snapshot: &Snapshot) -> String {
    let mut counts: std::collections::BTreeMap<_, usize> = std::collections::BTreeMap::new();
    for row in &snapshot.rows {
        *counts.entry(row.status.0).or_default() += 1;
    }
    let mut parts: Vec<String> = counts
        .iter()
        .map(|(status, n)| format!("{n} {}", status.label()))
        .collect();
    match snapshot.alerts.len() {
        0 => {}
        1 => parts.push("1 firing alert".into()),
        n => parts.push(format!("{n} firing alerts")),
    }
    if parts.is_empty() {
        "nothing to judge".into()
    } else {
        parts.join(", ")
    }
}

fn table(out: &mut String, rows: &[&SnapshotRow], theme: Option<&Theme>) {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let status = r.status.0.label().to_string();
            [
                r.who(),
                r.shown.clone(),
                r.target_text.clone(),
                r.alert_text.clone(),
                status,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|col| {
            cells
                .iter()
                .map(|c| c[col].chars().count())
                .chain([HEADERS[col].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut String, texts: [&str; 5], status: String| {
        let _ = write!(out, "    ");
        for (text, width) in texts.iter().zip(&widths) {
            let pad = width.saturating_sub(text.chars().count());
            let _ = write!(out, "{text}{} ", " ".repeat(pad));
        }
        let _ = writeln!(out, "{status}");
    };
    line(out, HEADERS, HEADERS[4].to_string());
    for (row, c) in rows.iter().zip(&cells) {
        let status = row.status.0;
        let word = format!("{} {}", status.glyph(), c[4]);
        let word = match theme.and_then(|t| t.status(status).fg).and_then(sgr) {
            Some(code) => format!("\x1b[{code}m{word}\x1b[0m"),
            None => word,
        };
        line(out, [&c[0], &c[1], &c[2], &c[3], ""], word);
    }
}

/// The SGR parameters that set `colour` as the foreground; `None` for the default.
fn sgr(colour: Color) -> Option<String> {
    let basic = |n: u8| Some(n.to_string());
    match colour {
        Color::Reset => None,
        Color::Black => basic(30),
        Color::Red => basic(31),
        Color::Green => basic(32),
        Color::Yellow => basic(33),
        Color::Blue => basic(34),
        Color::Magenta => basic(35),
        Color::Cyan => basic(36),
        Color::Gray => basic(37),
        Color::DarkGray => basic(90),
        Color::LightRed => basic(91),
        Color::LightGreen => basic(92),
        Color::LightYellow => basic(93),
        Color::LightBlue => basic(94),
        Color::LightMagenta => basic(95),
        Color::LightCyan => basic(96),
        Color::White => basic(97),
        Color::Indexed(i) => Some(format!("38;5;{i}")),
        Color::Rgb(r, g, b) => Some(format!("38;2;{r};{g};{b}")),
    }
}
