//! The SLO rows of a snapshot: each SLO's budget left and burn state, read as the SLO tab
//! reads them ([`crate::view::slo::row`]). A ticket is WARN, a page ALERT.

use crate::config::layout::Slo;
use crate::model::Status;
use crate::model::slo::{Window, prometheus_duration};
use crate::store::Store;
use serde::Serialize;
use serde::ser::SerializeMap as _;

/// One SLO at the moment judged.
#[derive(Clone, Debug, Serialize)]
pub struct SloRow {
    pub name: String,
    /// The backend read, when several show side by side: a row per SLO and backend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// The share of good requests promised, in percent.
    pub objective: f64,
    /// The SLO window, e.g. `30d`.
    pub window: String,
    /// The share of good requests over the fastest burn window, in percent.
    pub sli: Option<f64>,
    /// The error budget left over the window, in percent (negative once overspent).
    pub budget_left: Option<f64>,
    /// The burn rate over each of the workbook's windows, keyed by its name.
    pub burn_rates: Burns,
    /// What each window of `burn_rates` spans when the SLO window is short and they are
    /// scaled to it; else each is its name.
    pub burn_windows: Spans,
    /// `page`, `ticket`, or none.
    pub state: Option<&'static str>,
    /// The burn-rate alerts that would fire now (`page 1h/5m`).
    pub firing: Vec<String>,
    /// `ALERT` for a page, `WARN` for a ticket, `NO DATA` when nothing was read.
    #[serde(serialize_with = "status_word")]
    pub status: Status,
}

/// Values by the workbook's window names, in its order, as a JSON object.
#[derive(Clone, Debug)]
pub struct ByWindow<T>(pub Vec<(&'static str, T)>);

/// Burn rates by window.
pub type Burns = ByWindow<Option<f64>>;

/// What each window spans.
pub type Spans = ByWindow<String>;

impl<T: Serialize> Serialize for ByWindow<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (window, value) in &self.0 {
            map.serialize_entry(window, value)?;
        }
        map.end()
    }
}

fn status_word<S: serde::Serializer>(status: &Status, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(status.label())
}

impl SloRow {
    /// The SLO's name, with its backend's when several show side by side.
    pub fn who(&self) -> String {
        crate::report::rows::who(&self.name, self.backend.as_deref())
    }
}

/// `slo` at `now`, as `backend` (named when several show) reads it.
pub fn row(slo: &Slo, backend: Option<&str>, store: &Store, now: f64) -> SloRow {
    let row = crate::view::slo::row(slo, store, now);
    SloRow {
        name: slo.name.clone(),
        backend: backend.map(str::to_string),
        objective: slo.objective,
        window: prometheus_duration(slo.window),
        sli: row.sli,
        budget_left: row.budget_left.map(|l| l * 100.0),
        burn_rates: ByWindow(
            Window::SHOWN
                .iter()
                .map(|w| (w.label(), row.burns[w.index()]))
                .collect(),
        ),
        burn_windows: ByWindow(
            Window::SHOWN
                .iter()
                .map(|w| (w.label(), prometheus_duration(slo.burn_window(*w))))
                .collect(),
        ),
        state: row.state.map(|s| s.label()),
        firing: row.firing.iter().map(|a| a.name()).collect(),
        status: row.status,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Verdict, verdict};
    use super::*;

    fn judged(status: Status, state: Option<&'static str>) -> SloRow {
        SloRow {
            name: "API availability".to_string(),
            backend: None,
            objective: 99.0,
            window: "30d".to_string(),
            sli: Some(98.0),
            budget_left: Some(75.0),
            burn_rates: ByWindow(Vec::new()),
            burn_windows: ByWindow(Vec::new()),
            state,
            firing: Vec::new(),
            status,
        }
    }

    #[test]
    fn a_ticket_is_a_warning_a_page_critical_and_a_quiet_slo_ok() {
        let verdict_of = |row: SloRow| verdict(&[], &[row], &[], false, false);
        assert_eq!(verdict_of(judged(Status::Ok, None)), Verdict::Ok);
        assert_eq!(
            verdict_of(judged(Status::Warn, Some("ticket"))),
            Verdict::Warning
        );
        assert_eq!(
            verdict_of(judged(Status::Alert, Some("page"))),
            Verdict::Critical
        );
        // Nothing read: the check cannot say OK.
        assert_eq!(verdict_of(judged(Status::NoData, None)), Verdict::Unknown);
    }
}
