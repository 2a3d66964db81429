//! The error budgets over a recording: each SLO's budget left at its start and end, the
//! budget spent over it and during each alert's span. The spend is the fastest burn
//! window's burn rate (5m, or its scaled span) integrated over time: a burn of b for a
//! time d spends b·d/window of the budget, as Sloth's period rule averages the 5m rule.

use super::time::{ClockStyle, Time};
use crate::config::layout::{QueryId, Slo};
use crate::model::Labels;
use crate::model::duration::Form;
use crate::model::slo::{Window, prometheus_duration};
use crate::store::Store;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write as _;

/// One SLO over the recording (side by side, on one backend).
#[derive(Clone, Debug, Serialize)]
pub struct SloSpend {
    pub name: String,
    /// The backend, when several were recorded side by side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// Percent of good requests promised.
    pub objective: f64,
    /// The SLO window, e.g. `30d`.
    pub window: String,
    /// The budget left over the window (percent of the budget) at the first and last
    /// moment it was read.
    pub budget_left_start: Option<f64>,
    pub budget_left_end: Option<f64>,
    /// Percent of the budget spent between the first and the last recorded event.
    pub spent: f64,
    /// The highest burn rate over the fastest window.
    pub peak_burn: Option<f64>,
    /// The budget spent during each alert's span (pending to resolved, or the end).
    pub during_alerts: Vec<AlertSpend>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AlertSpend {
    pub alert: String,
    pub labels: Labels,
    pub from: Time,
    pub to: Time,
    /// Percent of the budget.
    pub spent: f64,
}

/// An alert's span as the report has it.
pub struct Span<'a> {
    pub name: &'a str,
    pub labels: &'a Labels,
    pub from: f64,
    pub to: Option<f64>,
}

/// The SLOs followed through a replay, each once per backend.
#[derive(Default)]
pub struct SloLog {
    slos: Vec<Slo>,
    reads: HashSet<QueryId>,
    /// Side by side, each SLO once per backend, next to each other.
    tracks: Vec<SloTrack>,
}

/// One SLO as one backend's store reads it.
struct SloTrack {
    slo: usize,
    backend: usize,
    backend_name: Option<String>,
    /// (time, fastest burn rate) whenever it was read.
    burns: Vec<(f64, Option<f64>)>,
    /// The budget left when first and last read.
    left: (Option<f64>, Option<f64>),
}

impl SloLog {
    /// `backends` are the names of the backends recorded, `None` for a run that names none.
    pub fn new(slos: &[Slo], backends: &[Option<String>]) -> SloLog {
        let tracks = (0..slos.len())
            .flat_map(|slo| {
                backends
                    .iter()
                    .enumerate()
                    .map(move |(backend, name)| SloTrack {
                        slo,
                        backend,
                        backend_name: name.clone(),
                        burns: Vec::new(),
                        left: (None, None),
                    })
            })
            .collect();
        SloLog {
            reads: slos
                .iter()
                .flat_map(|s| s.queries.raw.iter().chain(&s.queries.recorded))
                .copied()
                .collect(),
            tracks,
            slos: slos.to_vec(),
        }
    }

    /// Whether query `id` feeds an SLO.
    pub fn reads(&self, id: QueryId) -> bool {
        self.reads.contains(&id)
    }

    /// Reads every SLO of backend `backend` as the SLO tab would at `time`.
    pub fn observe(&mut self, backend: usize, store: &Store, time: f64) {
        for track in self.tracks.iter_mut().filter(|t| t.backend == backend) {
            let row = crate::view::slo::row(&self.slos[track.slo], store, time);
            let burn = row.burns[Window::M5.index()];
            match track.burns.last_mut() {
                Some(last) if last.0.to_bits() == time.to_bits() => last.1 = burn,
                _ => track.burns.push((time, burn)),
            }
            if let Some(left) = row.budget_left.map(|l| l * 100.0) {
                let (first, last) = &mut track.left;
                first.get_or_insert(left);
                *last = Some(left);
            }
        }
    }

    pub fn finish(self, alerts: &[Span], end: Option<f64>) -> Vec<SloSpend> {
        let end = end.unwrap_or(0.0);
        self.tracks
            .into_iter()
            .map(|track| {
                let slo = &self.slos[track.slo];
                let burns = track.burns;
                let window = slo.window.as_secs_f64();
                let spent = |from: f64, to: f64| 100.0 * burned(&burns, from, to, end) / window;
                SloSpend {
                    name: slo.name.clone(),
                    backend: track.backend_name,
                    objective: slo.objective,
                    window: prometheus_duration(slo.window),
                    budget_left_start: track.left.0,
                    budget_left_end: track.left.1,
                    spent: spent(f64::NEG_INFINITY, f64::INFINITY),
                    peak_burn: burns.iter().filter_map(|(_, b)| *b).reduce(f64::max),
                    during_alerts: alerts
                        .iter()
                        .map(|a| {
                            let to = a.to.unwrap_or(end);
                            AlertSpend {
                                alert: a.name.to_string(),
                                labels: a.labels.clone(),
                                from: Time::at(a.from),
                                to: Time::at(to),
                                spent: spent(a.from, to),
                            }
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

/// Burn rate × seconds between `from` and `to`: each reading holds until the next, the
/// last until `end`.
fn burned(burns: &[(f64, Option<f64>)], from: f64, to: f64, end: f64) -> f64 {
    burns
        .iter()
        .enumerate()
        .filter_map(|(i, (t, burn))| {
            let next = burns.get(i + 1).map_or(end, |(n, _)| *n);
            let overlap = next.min(to) - t.max(from);
            burn.filter(|_| overlap > 0.0).map(|b| b * overlap)
        })
        .fold(0.0, |sum, spent| sum + spent)
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), spent)
}

/// A share of the budget: a short recording against a 30-day SLO spends hundredths of it.
fn spent(value: f64) -> String {
    if value.abs() < 0.1 && value != 0.0 {
        format!("{value:.3} %")
    } else {
        format!("{value:.1} %")
    }
}

impl SloSpend {
    /// The SLO's name, with its backend's when several were recorded side by side.
    fn who(&self) -> String {
        super::rows::who(&self.name, self.backend.as_deref())
    }

    /// Whether anything of it was read: an SLO whose queries the recording never answered
    /// has nothing to say.
    fn read(&self) -> bool {
        self.peak_burn.is_some() || self.budget_left_start.is_some()
    }
}

/// The `## Error budgets` section: a row per SLO read, then the spend during each alert.
pub fn markdown(out: &mut String, slos: &[SloSpend], clock: ClockStyle, cell: fn(&str) -> String) {
    let slos: Vec<&SloSpend> = slos.iter().filter(|s| s.read()).collect();
    if slos.is_empty() {
        return;
    }
    out.push_str("## Error budgets\n\n");
    out.push_str("| SLO | Objective | Budget left at start | at end | Spent over the recording | Peak burn |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for slo in &slos {
        let _ = writeln!(
            out,
            "| {} | {} % over {} | {} | {} | {} | {} |",
            cell(&slo.who()),
            slo.objective,
            slo.window,
            percent(slo.budget_left_start),
            percent(slo.budget_left_end),
            spent(slo.spent),
            slo.peak_burn
                .map_or_else(|| "—".to_string(), |b| format!("{b:.1}×"))
        );
    }
    out.push('\n');
    let Some(first) = slos.first().filter(|s| !s.during_alerts.is_empty()) else {
        return;
    };
    out.push_str("Budget spent while each alert was active:\n\n| Alert | From | To |");
    for slo in &slos {
        let _ = write!(out, " {} |", cell(&slo.who()));
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"---|".repeat(slos.len()));
    out.push('\n');
    for (i, alert) in first.during_alerts.iter().enumerate() {
        let labels = super::rows::shown_labels(&alert.labels);
        let name = if labels.is_empty() {
            alert.alert.clone()
        } else {
            format!("{} ({labels})", alert.alert)
        };
        let _ = write!(
            out,
            "| {} | {} | {} ({}) |",
            cell(&name),
            clock.format(alert.from.unix),
            clock.format(alert.to.unix),
            Form::Report.seconds(alert.to.unix - alert.from.unix)
        );
        for slo in &slos {
            let during = slo.during_alerts.get(i).map_or(0.0, |a| a.spent);
            let _ = write!(out, " {} |", spent(during));
        }
        out.push('\n');
    }
    out.push('\n');
}
