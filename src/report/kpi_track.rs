//! One KPI row followed through a recording's replay, on one backend: what it is fed
//! after each event, and what the report says of it at the end.

use super::rows::series_name;
use super::track::{Crossings, Dwell, Worst};
use crate::app::App;
use crate::config::layout::Kpi;
use crate::model::Status;
use crate::prom::AlertState;
use crate::view::{self, reading};

/// One KPI row followed through the replay, on one backend.
pub(super) struct KpiTrack {
    pub(super) kpi: Kpi,
    /// Which backend's store it reads (0 for a recording of one), and its name if several.
    pub(super) backend: usize,
    pub(super) backend_name: Option<String>,
    /// What its value said against its thresholds; nothing while there is no current value.
    pub(super) value: Dwell,
    /// The status the dashboard showed (alerts on its metrics included).
    pub(super) shown: Dwell,
    pub(super) crossings: Crossings,
    pub(super) worst: Option<Worst<Option<String>>>,
    /// Whether its query has answered yet: time before the first answer is not counted.
    pub(super) started: bool,
    /// What its status depends on, as of the last reading: when a clock tick or an alert
    /// poll leaves it unchanged, the row need not be read again.
    inputs: Option<Inputs>,
}

/// Everything besides new answers that can change a row's status: its query's last
/// evaluation, its health (failing, stale, empty) and the alerts on its metrics.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Inputs {
    last_eval: Option<u64>,
    health: Option<Status>,
    alert: Option<AlertState>,
}

impl KpiTrack {
    /// `kpi` on backend `backend` (named when several are side by side), before any answer.
    pub(super) fn new(kpi: Kpi, backend: usize, backend_name: Option<String>) -> Self {
        Self {
            kpi,
            backend,
            backend_name,
            value: Dwell::default(),
            shown: Dwell::default(),
            crossings: Crossings::default(),
            worst: None,
            started: false,
            inputs: None,
        }
    }
}

/// Reads one KPI row now and feeds the bookkeeping. Unless `answered` (its query just
/// answered), the row is read only when something its status depends on changed.
pub(super) fn observe(track: &mut KpiTrack, app: &App, t: f64, answered: bool) {
    let kpi = &track.kpi;
    let store = app.backend_store(track.backend);
    let Some(query) = store.and_then(|s| s.query(kpi.query.id)) else {
        return;
    };
    let ctx = app.context();
    let inputs = Inputs {
        last_eval: query.last_eval.map(f64::to_bits),
        health: view::health(query, ctx),
        alert: query.alert,
    };
    if !answered && track.inputs == Some(inputs) {
        return;
    }
    track.inputs = Some(inputs);
    let r = reading(query, kpi.reduce, &kpi.thresholds, ctx);
    if !track.started {
        if r.status == Status::NoData {
            return;
        }
        track.started = true;
    }
    // Only a current value is judged: a stale or failing row says nothing about it.
    let current = inputs.health.is_none();
    let value = r.value.filter(|v| current && !v.is_nan());
    let level = value.map(|v| kpi.thresholds.classify(v));
    track.value.observe(t, level);
    track.shown.observe(t, Some(r.status));
    track.crossings.observe(t, level);
    if let Some(v) = value
        && Worst::beats(track.worst.as_ref(), v, kpi.thresholds.direction)
    {
        track.worst = Some(Worst {
            value: v,
            at: t,
            detail: series_name(kpi, query, r.series),
        });
    }
}
