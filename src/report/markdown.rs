//! The report as Markdown that renders on any code host: GitHub-flavoured tables (a
//! header row and a delimiter row, `|` escaped inside cells), no HTML, times in UTC —
//! `HH:MM:SS` in tables, the full date in the header.

use super::rows::who;
use super::time::{self, ClockStyle};
use super::{AlertRow, KpiSummary, Moment, MomentKind, Report, alert_groups, shown_labels};
use crate::model::duration::Form;
use crate::prom::{AlertSource, AlertState};
use std::fmt::Write;

impl Report {
    /// The report as Markdown, for a postmortem; control characters in what the recording
    /// holds (server text, its header, notes) are dropped as the screen drops them.
    pub fn to_markdown(&self) -> String {
        let clock = match (&self.start, &self.end) {
            (Some(start), Some(end)) => ClockStyle::for_span(start.unix, end.unix),
            _ => ClockStyle { with_date: false },
        };
        let mut out = String::new();
        self.header(&mut out, clock);
        self.alerts_section(&mut out, clock);
        self.kpi_section(&mut out, clock);
        super::slo::markdown(&mut out, &self.slos, clock, cell);
        self.moments_section(&mut out, clock);
        self.annotations_section(&mut out, clock);
        self.notes_section(&mut out, clock);
        crate::model::text::printable(&out).into_owned()
    }

    fn header(&self, out: &mut String, clock: ClockStyle) {
        let when = match (&self.start, &self.end) {
            (Some(start), Some(end)) if clock.with_date => format!(
                "{} – {} UTC",
                ClockStyle { with_date: true }.format(start.unix),
                ClockStyle { with_date: true }.format(end.unix)
            ),
            (Some(start), Some(end)) => format!(
                "{} {}–{} UTC",
                time::date(start.unix),
                clock.format(start.unix),
                clock.format(end.unix)
            ),
            _ => format!("recorded {}", time::iso_seconds(self.created.unix)),
        };
        let _ = writeln!(out, "# Incident report: {}, {when}\n", inline(&self.title));
        match (&self.start, &self.end) {
            (Some(start), Some(end)) => {
                let _ = writeln!(
                    out,
                    "- **Recorded:** {} → {} ({})",
                    time::iso_seconds(start.unix),
                    time::iso_seconds(end.unix),
                    Form::Report.seconds(self.duration_seconds)
                );
            }
            _ => {
                let _ = writeln!(out, "- **Recorded:** nothing (the recording holds no data)");
            }
        }
        let _ = writeln!(
            out,
            "- **Refresh:** every {}, {} refresh {}",
            refresh(self.refresh_seconds),
            self.cycles,
            plural(self.cycles, "cycle", "cycles")
        );
        let _ = writeln!(out, "- **Source:** `{}`", code(&self.source));
        let _ = writeln!(out, "- **Layout:** `{}`", code(&self.layout));
        let _ = writeln!(
            out,
            "- **Recorded by:** spheroseg-top {}{}",
            inline(&self.app_version),
            if self.complete {
                ""
            } else {
                "; the file was not closed"
            }
        );
        out.push('\n');
        if !self.warnings.is_empty() {
            let _ = writeln!(
                out,
                "> **Warning:** the recording is incomplete or damaged; this report covers only what could be read."
            );
            for w in &self.warnings {
                let _ = writeln!(
                    out,
                    "> - {} at byte {}: {}",
                    w.kind,
                    w.offset,
                    inline(&w.detail)
                );
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{}\n", self.summary_line(clock));
    }

    /// One paragraph: what paged, what left its target, when it was worst.
    fn summary_line(&self, clock: ClockStyle) -> String {
        let mut parts = self.alerts_summary();
        parts.push(self.kpis_summary());
        if let Some(worst) = self.moments.iter().find(|m| m.kind == MomentKind::Worst) {
            parts.push(format!(
                "Worst moment {}: {}.",
                clock.format(worst.at.unix),
                counts(worst)
            ));
        }
        format!("**Summary.** {}", parts.join(" "))
    }

    /// What fired, counted by severity, and what only went pending.
    fn alerts_summary(&self) -> Vec<String> {
        let mut parts = Vec::new();
        let fired: Vec<&AlertRow> = self
            .alerts
            .iter()
            .filter(|a| a.fired_at.is_some())
            .collect();
        let pending_only = self.alerts.len() - fired.len();
        if fired.is_empty() {
            parts.push("No alert fired.".to_string());
        } else {
            let mut by_severity: Vec<(String, usize)> = Vec::new();
            for a in &fired {
                let severity = a.severity.clone().unwrap_or_else(|| "no severity".into());
                match by_severity.iter_mut().find(|(s, _)| *s == severity) {
                    Some((_, n)) => *n += 1,
                    None => by_severity.push((severity, 1)),
                }
            }
            by_severity.sort_by_key(|(s, _)| crate::alerts::board::severity_rank(Some(s)));
            let severities: Vec<String> = by_severity
                .iter()
                .map(|(s, n)| format!("{n} {}", inline(s)))
                .collect();
            parts.push(format!(
                "{} {} fired ({}).",
                fired.len(),
                plural(fired.len(), "alert", "alerts"),
                severities.join(", ")
            ));
        }
        if pending_only > 0 {
            parts.push(format!("{pending_only} more went pending without firing."));
        }
        parts
    }

    /// Which KPIs left their target, and for how long beyond it or their alert.
    fn kpis_summary(&self) -> String {
        let out: Vec<&KpiSummary> = self.kpis.iter().filter(|k| k.left_target).collect();
        let with_data = self
            .kpis
            .iter()
            .filter(|k| k.left_target || k.with_value_seconds > 0.0)
            .count();
        if out.is_empty() && with_data == 0 {
            return "No KPI had a current value.".to_string();
        }
        if out.is_empty() && with_data == self.kpis.len() {
            return format!("All {with_data} KPIs stayed within target.");
        }
        if out.is_empty() {
            return format!("All {with_data} KPIs with data stayed within target.");
        }
        let names: Vec<String> = out
            .iter()
            .map(|k| {
                let how = if k.beyond_alert_seconds > 0.0 {
                    format!(
                        "{} beyond alert",
                        Form::Report.seconds(k.beyond_alert_seconds)
                    )
                } else {
                    format!(
                        "{} beyond target",
                        Form::Report.seconds(k.beyond_target_seconds)
                    )
                };
                format!("{} ({how})", inline(&who(&k.name, k.backend.as_deref())))
            })
            .collect();
        format!(
            "{} of {} KPIs left their target: {}.",
            out.len(),
            self.kpis.len(),
            names.join(", ")
        )
    }

    fn alerts_section(&self, out: &mut String, clock: ClockStyle) {
        out.push_str("## Alerts\n\n");
        if self.alerts.is_empty() {
            out.push_str("No alert was pending or firing.\n\n");
            return;
        }
        // A rule firing over many series is one row, as on the Alerts tab.
        let groups = alert_groups::group_rows(&self.alerts);
        let rows = groups.iter().map(|g| match g.members.as_slice() {
            [a] => alert_cells(a, clock),
            _ => alert_groups::group_cells(g, clock),
        });
        table(
            out,
            &[
                "Alert", "Labels", "Severity", "Pending", "Firing", "Resolved", "Peak", "Source",
                "Summary",
            ],
            rows,
        );
        out.push('\n');
    }

    fn kpi_section(&self, out: &mut String, clock: ClockStyle) {
        out.push_str("## KPIs that left their target\n\n");
        self.left_target_table(out, clock);
        self.kpi_lists(out);
    }

    /// A row per KPI that left its target: how long beyond it, when, and its worst.
    fn left_target_table(&self, out: &mut String, clock: ClockStyle) {
        let left: Vec<&KpiSummary> = self.kpis.iter().filter(|k| k.left_target).collect();
        if left.is_empty() {
            out.push_str("None.\n\n");
        } else {
            let rows = left.iter().map(|k| {
                let first = k
                    .first_left_at
                    .as_ref()
                    .map_or_else(|| "—".into(), |t| clock.format(t.unix));
                let first = if k.excursions > 1 {
                    format!("{first} (first of {})", k.excursions)
                } else {
                    first
                };
                let back = match &k.back_within_at {
                    _ if k.out_at_end => "still out at end".to_string(),
                    Some(t) => clock.format(t.unix),
                    None => "—".to_string(),
                };
                let worst = k.worst.as_ref().map_or_else(
                    || "—".to_string(),
                    |w| {
                        let series = w
                            .series
                            .as_ref()
                            .map(|s| format!(" ({s})"))
                            .unwrap_or_default();
                        format!("{} at {}{series}", w.text, clock.format(w.at.unix))
                    },
                );
                vec![
                    who(&k.name, k.backend.as_deref()),
                    k.target_text.clone(),
                    k.alert_text.clone(),
                    Form::Report.seconds(k.beyond_target_seconds),
                    Form::Report.seconds(k.beyond_alert_seconds),
                    first,
                    back,
                    worst,
                ]
            });
            table(
                out,
                &[
                    "KPI",
                    "Target",
                    "Alert",
                    "Beyond target",
                    "Beyond alert",
                    "Left target",
                    "Back within",
                    "Worst",
                ],
                rows,
            );
            out.push('\n');
        }
    }

    /// The KPIs that stayed within target, never had a value, or went blind for a while.
    fn kpi_lists(&self, out: &mut String) {
        let within: Vec<String> = self
            .kpis
            .iter()
            .filter(|k| !k.left_target && k.with_value_seconds > 0.0)
            .map(|k| inline(&who(&k.name, k.backend.as_deref())))
            .collect();
        if !within.is_empty() {
            let _ = writeln!(out, "Within target throughout: {}.\n", within.join(", "));
        }
        let never: Vec<String> = self
            .kpis
            .iter()
            .filter(|k| !k.left_target && k.with_value_seconds <= 0.0)
            .map(|k| inline(&who(&k.name, k.backend.as_deref())))
            .collect();
        if !never.is_empty() {
            let _ = writeln!(out, "Never had a current value: {}.\n", never.join(", "));
        }
        // Where the dashboard was blind for a while: failing, stale or empty rows.
        let gaps: Vec<String> = self
            .kpis
            .iter()
            .filter(|k| k.with_value_seconds > 0.0)
            .filter_map(|k| {
                let blind: Vec<String> = ["ERROR", "STALE", "NO DATA"]
                    .iter()
                    .filter_map(|s| {
                        let secs = k.seconds_by_status.get(s).copied().unwrap_or(0.0);
                        (secs >= 0.5).then(|| format!("{s} {}", Form::Report.seconds(secs)))
                    })
                    .collect();
                let name = who(&k.name, k.backend.as_deref());
                (!blind.is_empty()).then(|| format!("{} ({})", inline(&name), blind.join(", ")))
            })
            .collect();
        if !gaps.is_empty() {
            let _ = writeln!(
                out,
                "Without a current value for a while: {}.\n",
                gaps.join("; ")
            );
        }
    }

    fn moments_section(&self, out: &mut String, clock: ClockStyle) {
        if self.moments.is_empty() {
            return;
        }
        out.push_str("## KPI tables\n\n");
        for m in &self.moments {
            let what = match m.kind {
                MomentKind::Marker => {
                    format!("marker “{}”", inline(m.note.as_deref().unwrap_or_default()))
                }
                MomentKind::Worst => format!("worst moment, {}", counts(m)),
            };
            let _ = writeln!(out, "### {} — {what}\n", clock.format(m.at.unix));
            if m.alerts.is_empty() {
                out.push_str("Active alerts: none.\n\n");
            } else {
                let alerts: Vec<String> = m.alerts.iter().map(|a| inline(a)).collect();
                let _ = writeln!(out, "Active alerts: {}.\n", alerts.join(", "));
            }
            let rows = m.rows.iter().map(|r| {
                let value = match &r.series {
                    Some(series) => format!("{} ({series})", r.value_text),
                    None => r.value_text.clone(),
                };
                vec![
                    who(&r.kpi, r.backend.as_deref()),
                    value,
                    r.target_text.clone(),
                    r.alert_text.clone(),
                    r.status.clone(),
                ]
            });
            table(out, &["KPI", "Value", "Target", "Alert", "Status"], rows);
            out.push('\n');
        }
    }

    fn notes_section(&self, out: &mut String, clock: ClockStyle) {
        out.push_str("## Notes\n\n");
        if self.notes.is_empty() {
            out.push_str("No markers were placed.\n");
            return;
        }
        let rows = self
            .notes
            .iter()
            .map(|n| vec![clock.format(n.at.unix), n.note.clone()]);
        table(out, &["Time", "Note"], rows);
    }
}

/// `2 KPIs at ALERT, 1 at WARN`.
fn counts(m: &Moment) -> String {
    format!(
        "{} {} at ALERT, {} at WARN",
        m.kpis_at_alert,
        plural(m.kpis_at_alert, "KPI", "KPIs"),
        m.kpis_at_warn
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `5s`, `500ms`, `1m`: the refresh as the command line writes it.
fn refresh(seconds: f64) -> String {
    if seconds > 0.0 && seconds < 1.0 {
        format!("{}ms", (seconds * 1000.0).round())
    } else if seconds >= 60.0 && seconds % 60.0 == 0.0 {
        format!("{}m", seconds / 60.0)
    } else {
        format!("{}s", number(seconds))
    }
}

/// A bare number, as short as it can be without losing what matters: `9`, `8.723`,
/// `0.000123`, `1.25e+09`.
pub(super) fn number(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-6..1e9).contains(&abs) {
        return format!("{v:.3e}");
    }
    // Four significant digits, then no trailing zeros.
    let magnitude = if abs == 0.0 {
        0
    } else {
        abs.log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 9) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Text inside a table cell: a `|` would end the cell and a line break the row.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

/// Text on one line: line breaks would end a list item or a heading.
fn inline(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

/// Text inside a code span: a backtick would end it.
fn code(text: &str) -> String {
    inline(text).replace('`', "'")
}

pub(super) fn table(out: &mut String, headers: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&line(headers.iter().map(|h| cell(h)).collect()));
    out.push_str(&line(headers.iter().map(|_| "---".to_string()).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(|c| cell(c)).collect()));
    }
}

/// One alert instance as a row of the alert table.
fn alert_cells(a: &AlertRow, clock: ClockStyle) -> Vec<String> {
    let labels = shown_labels(&a.labels);
    let fired = match &a.fired_at {
        Some(t) if a.firing_at_start => {
            format!("already firing at {}", clock.format(t.unix))
        }
        Some(t) => clock.format(t.unix),
        None => "did not fire".to_string(),
    };
    let resolved = match (&a.resolved_at, a.state_at_end) {
        (Some(t), _) => clock.format(t.unix),
        (None, Some(AlertState::Pending)) => "still pending at end".to_string(),
        (None, _) => "still firing at end".to_string(),
    };
    let sources: Vec<&str> = a
        .sources
        .iter()
        .map(|s| match s {
            AlertSource::Server => "server",
            AlertSource::Local => "local",
        })
        .collect();
    vec![
        a.name.clone(),
        if labels.is_empty() {
            "—".into()
        } else {
            labels
        },
        a.severity.clone().unwrap_or_else(|| "—".into()),
        clock.format(a.pending_at.unix),
        fired,
        resolved,
        a.peak_value.map_or_else(|| "—".into(), number),
        sources.join(", "),
        a.summary.clone().unwrap_or_else(|| "—".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        let mut out = String::new();
        table(
            &mut out,
            &["A", "B"],
            [vec!["x | y".to_string(), "two\nlines".to_string()]].into_iter(),
        );
        assert_eq!(out, "| A | B |\n| --- | --- |\n| x \\| y | two lines |\n");
    }

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(number(9.0), "9");
        assert_eq!(number(8.72345), "8.723");
        assert_eq!(number(164.0), "164");
        assert_eq!(number(0.000_123_4), "0.0001234");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(12_345.6), "12346");
        assert_eq!(number(2.5e10), "2.500e10");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(refresh(5.0), "5s");
        assert_eq!(refresh(0.5), "500ms");
        assert_eq!(refresh(120.0), "2m");
    }
}
