//! Several backends side by side. The first backend is the app's own `store`,
//! `connection` and `replica` (a run with one backend is only that); the others are kept
//! here, each with a store of its own, so no answer is ever mixed with another backend's
//! and each one's errors, staleness and link stay its own. Alerts are the exception: the
//! on-call engineer wants one list, so every backend's alerts, rule groups and
//! Alertmanager meet in the first store's alert board, each tagged with its backend.

use crate::event::{Connection, DataEvent, Replica};
use crate::model::Labels;
use crate::model::labels::BACKEND_LABEL;
use crate::prom::alertmanager::AlertmanagerState;
use crate::prom::{Alert, PromError, RuleGroupStatus};
use crate::store::Store;
use crate::store::range_cache::RangeCache;

/// A backend after the first.
pub(crate) struct Other {
    pub(super) store: Store,
    /// Its answers to the drill views' range requests.
    pub(super) ranges: RangeCache,
    pub(super) connection: Connection,
    pub(super) replica: Option<Replica>,
}

/// What one backend's own answers change: the first backend's fields of the app, or an
/// [`Other`]'s.
pub(super) struct OwnParts<'a> {
    pub(super) store: &'a mut Store,
    pub(super) ranges: &'a mut RangeCache,
    pub(super) connection: &'a mut Connection,
    pub(super) replica: &'a mut Option<Replica>,
}

impl OwnParts<'_> {
    /// Takes `event` when it is the backend's own data (an answer moves the clock `now`
    /// on, never back); gives back what the app shares between backends.
    pub(super) fn take(self, event: DataEvent, now: &mut f64) -> Option<DataEvent> {
        match event {
            DataEvent::Instant {
                id,
                at,
                result,
                latency,
            } => {
                *now = now.max(at);
                self.store.ingest_instant(id, at, result, latency);
            }
            DataEvent::SeriesOmitted { id, at, count } => self.store.ingest_omitted(id, at, count),
            DataEvent::Warnings { id, at, warnings } => {
                self.store.ingest_warnings(id, at, warnings);
            }
            DataEvent::Range { id, result, .. } => self.store.ingest_range(id, result),
            // What the server says about itself: each backend's Prometheus is its own.
            DataEvent::Server {
                at,
                request,
                result,
            } => {
                // Like any answer, it tells the time: its marks are never in the future.
                *now = now.max(at);
                self.store.server.ingest(at, request, result);
            }
            DataEvent::Connection(connection) => *self.connection = connection,
            DataEvent::Replica(replica) => *self.replica = Some(replica),
            DataEvent::RangeAnswer {
                request, result, ..
            } => self.ranges.answer(request, result, *now),
            shared => return Some(shared),
        }
        None
    }
}

impl Other {
    pub(super) fn own_parts(&mut self) -> OwnParts<'_> {
        OwnParts {
            store: &mut self.store,
            ranges: &mut self.ranges,
            connection: &mut self.connection,
            replica: &mut self.replica,
        }
    }
}

/// One backend, as the views read it.
#[derive(Clone, Copy)]
pub struct Backend<'a> {
    /// Empty for the one backend of a run that names none.
    pub name: &'a str,
    pub store: &'a Store,
    pub connection: &'a Connection,
    pub replica: Option<&'a Replica>,
}

/// What a backend said of its alerts: Prometheus' list, its rule groups, its Alertmanager.
#[derive(Clone, Default)]
pub(crate) struct AlertSources {
    pub(super) alerts: Option<Result<Vec<Alert>, PromError>>,
    pub(super) rules: Option<Result<Vec<RuleGroupStatus>, PromError>>,
    pub(super) alertmanager: Option<Result<AlertmanagerState, PromError>>,
}

/// `labels` with the backend's name; a label of that name the server already sets is
/// kept, renamed as Prometheus renames a scraped label the target also sets.
fn tagged(labels: &mut Labels, name: &str) {
    if let Some(own) = labels.insert(BACKEND_LABEL.to_string(), name.to_string()) {
        labels.insert(format!("exported_{BACKEND_LABEL}"), own);
    }
}

/// A backend's latest answer of a list: none yet, a failure, or the list.
pub(super) type Answer<T> = Option<Result<Vec<T>, PromError>>;

/// Every backend's answers in one, each item tagged with its backend's name: a failure
/// only when no backend answered (the first failure), else what did answer.
fn merged<T: Clone>(answers: &[(&str, &Answer<T>)], tag: impl Fn(&mut T, &str)) -> Answer<T> {
    let mut merged: Option<Vec<T>> = None;
    let mut failure = None;
    for (name, answer) in answers {
        match answer {
            Some(Ok(items)) => {
                merged
                    .get_or_insert_with(Vec::new)
                    .extend(items.iter().map(|item| {
                        let mut item = item.clone();
                        tag(&mut item, name);
                        item
                    }))
            }
            Some(Err(e)) => {
                failure.get_or_insert_with(|| e.clone());
            }
            None => {}
        }
    }
    match (merged, failure) {
        (Some(items), _) => Some(Ok(items)),
        (None, Some(e)) => Some(Err(e)),
        (None, None) => None,
    }
}

/// Every backend's alerts in one list, each with its `backend` label.
pub(super) fn merged_alerts(sources: &[(&str, &AlertSources)]) -> Answer<Alert> {
    let answers: Vec<_> = sources.iter().map(|(n, s)| (*n, &s.alerts)).collect();
    merged(&answers, |alert: &mut Alert, name| {
        tagged(&mut alert.labels, name)
    })
}

/// Every backend's rule groups, each named after its backend first (`us · spheroseg`).
pub(super) fn merged_rules(sources: &[(&str, &AlertSources)]) -> Answer<RuleGroupStatus> {
    let answers: Vec<_> = sources.iter().map(|(n, s)| (*n, &s.rules)).collect();
    merged(&answers, |group: &mut RuleGroupStatus, name| {
        group.name = format!("{name} · {}", group.name);
    })
}

/// Every backend's Alertmanager in one: its groups' alerts tagged like Prometheus' (so an
/// alert is held back only by its own backend's Alertmanager), its silences as they are.
pub(super) fn merged_alertmanager(
    sources: &[(&str, &AlertSources)],
) -> Option<Result<AlertmanagerState, PromError>> {
    let states: Vec<Answer<AlertmanagerState>> = sources
        .iter()
        .map(|(_, s)| s.alertmanager.clone().map(|r| r.map(|state| vec![state])))
        .collect();
    let answers: Vec<_> = sources.iter().map(|(n, _)| *n).zip(&states).collect();
    let states = merged(&answers, |state: &mut AlertmanagerState, name| {
        for alert in state.groups.iter_mut().flat_map(|g| &mut g.alerts) {
            tagged(&mut alert.labels, name);
        }
    })?;
    Some(states.map(|states| AlertmanagerState {
        groups: states.iter().flat_map(|s| s.groups.clone()).collect(),
        silences: states.iter().flat_map(|s| s.silences.clone()).collect(),
    }))
}

/// A template variable's options over every backend that answered: each backend's in
/// turn, the first backend's first (the caller drops repeats); a failure only when none
/// answered with options.
pub(super) fn options_union(answers: &[Answer<String>]) -> Answer<String> {
    let answers: Vec<(&str, &Answer<String>)> = answers.iter().map(|a| ("", a)).collect();
    merged(&answers, |_, _| {})
}
