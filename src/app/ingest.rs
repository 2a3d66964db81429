//! Data into the state: answers, the clock, alerts (and the bell), each backend's own when
//! several show side by side; and the state back out as data events, for a recording
//! started mid-session.

use super::App;
use super::backends::{
    AlertSources, Backend, Other, OwnParts, merged_alertmanager, merged_alerts, merged_rules,
};
use super::replay::ReplayState;
use crate::event::{Connection, DataEvent};
use crate::prom::{Sample, Series};
use crate::store::Store;
use crate::store::range_cache::RangeCache;
use crate::view::Context;
use std::time::Duration;

/// Resolved alert instances the live timeline remembers.
pub(super) const RESOLVED_ALERTS_KEPT: usize = 256;

/// Several backends side by side (the first one is the app's own store, link and replica).
impl App {
    pub(super) fn tick(&mut self, now: f64) {
        self.now = now;
        self.store.prune(now);
        for store in self.other_stores() {
            store.prune(now);
        }
    }

    /// A replay jumped in time: everything is forgotten, the history up to there follows.
    fn reset(&mut self) {
        self.store.reset();
        for store in self.other_stores() {
            store.reset();
        }
        self.connection = Connection::Connecting;
    }

    pub(super) fn ingest(&mut self, event: DataEvent) {
        if self.answers_old_text(&event) {
            return;
        }
        let own = OwnParts {
            store: &mut self.store,
            ranges: &mut self.ranges,
            connection: &mut self.connection,
            replica: &mut self.replica,
        };
        let Some(event) = own.take(event, &mut self.now) else {
            return;
        };
        match event {
            DataEvent::Clock(now) => self.tick(now),
            DataEvent::Backend { backend, event } => self.ingest_other(backend, *event),
            DataEvent::Reset => self.reset(),
            DataEvent::ReplayStatus(status) => {
                self.paused = !status.playing;
                match &mut self.replay {
                    Some(state) => {
                        state.start = status.start;
                        state.end = status.end;
                        state.position = status.position;
                        state.speed = status.speed;
                        state.playing = status.playing;
                    }
                    None => self.replay = Some(ReplayState::new(&status)),
                }
                self.follow_recorded_choice(status.position);
            }
            DataEvent::ReplayIndex(index) => {
                if let Some(state) = &mut self.replay {
                    state.transitions = index.transitions;
                    state.alert_spans = index.alert_spans;
                    state.lost_spans = index.lost_spans;
                }
                self.keep_recorded_choices(index.choices);
                if let Some(first) = index.damage.first() {
                    self.notice = Some(format!(
                        "recording damaged ({} spots; first at {first}): lost stretches are marked ╳ on the timeline",
                        index.damage.len()
                    ));
                }
            }
            // The backend's own data, taken above.
            DataEvent::Instant { .. }
            | DataEvent::SeriesOmitted { .. }
            | DataEvent::Warnings { .. }
            | DataEvent::Range { .. }
            | DataEvent::Connection(_)
            | DataEvent::Replica(_)
            | DataEvent::RangeAnswer { .. }
            | DataEvent::Server { .. } => {}
            event @ (DataEvent::Alerts { .. }
            | DataEvent::Rules { .. }
            | DataEvent::Alertmanager { .. }) => self.ingest_alerts(event),
            DataEvent::VariableOptions { name, result } => self.options_arrived(0, &name, result),
            DataEvent::Variables(pairs) => self.selections_arrived(pairs),
            DataEvent::Schedule(schedule) => self.schedule = Some(schedule),
        }
    }

    /// Prometheus' alerts or rules, or Alertmanager's state: the alert board's, or side by
    /// side the first backend's part of it.
    fn ingest_alerts(&mut self, event: DataEvent) {
        if self.side_by_side() {
            return self.backend_alerts(0, event);
        }
        match event {
            DataEvent::Alerts { result, .. } => {
                self.store.alerts.set_server_alerts(result);
                self.store.mark_alerted();
            }
            DataEvent::Rules { result, .. } => {
                self.store.alerts.set_groups(result);
                self.store.mark_alerted();
            }
            DataEvent::Alertmanager { result, .. } => self.store.alerts.set_alertmanager(result),
            _ => {}
        }
    }

    /// Follows the alert instances; rings for critical ones that started firing.
    pub(super) fn watch_alerts(&mut self, at: f64) {
        let fired = self.alert_timeline.observe(at, &self.store.alerts.all());
        let critical = fired
            .iter()
            .any(|e| e.severity.as_deref() == Some("critical"));
        self.ring_bell |= self.bell && critical;
        self.alert_timeline.forget_resolved(RESOLVED_ALERTS_KEPT);
    }

    /// What the dashboard knows, as data events: a recording started mid-session (`R`)
    /// begins with them, so its replay has the history and values the screen showed.
    pub fn state_events(&self) -> Vec<DataEvent> {
        let mut events = vec![DataEvent::Clock(self.now)];
        if !self.layout.variables.is_empty() {
            events.push(DataEvent::Variables(self.variables.pairs()));
        }
        let backends = self.backends();
        for (index, backend) in backends.iter().enumerate() {
            let mut own = store_events(backend.store, self.now);
            own.extend(self.server_events(backend.store));
            own.push(DataEvent::Connection(backend.connection.clone()));
            own.extend(backend.replica.cloned().map(DataEvent::Replica));
            if let Some(sources) = self.alert_sources.get(index) {
                own.extend(alert_events(sources, self.now));
            }
            events.extend(own.into_iter().map(|event| match index {
                0 => event,
                backend => DataEvent::Backend {
                    backend,
                    event: Box::new(event),
                },
            }));
        }
        events.extend(self.schedule.map(DataEvent::Schedule));
        if !self.side_by_side() {
            let board = &self.store.alerts;
            let sources = AlertSources {
                alerts: board.server.clone(),
                rules: board.groups.clone(),
                alertmanager: board.alertmanager.clone(),
            };
            events.extend(alert_events(&sources, self.now));
        }
        events
    }

    /// What rendering needs to judge ages: the clock and when data counts as stale.
    pub fn context(&self) -> Context {
        // Two missed polls (plus slack for a slow answer) make data stale; while
        // paused, old data is expected and not flagged.
        let stale_after = (!self.paused).then(|| self.stale_after());
        Context {
            now: self.now,
            stale_after,
        }
    }

    /// Seconds since the newest successful answer, if any arrived.
    pub fn last_refresh_age(&self) -> Option<f64> {
        let newest = self
            .store
            .queries()
            .iter()
            .filter_map(|q| q.last_eval)
            .reduce(f64::max)?;
        Some((self.now - newest).max(0.0))
    }
}

impl App {
    /// Shows the backends named so, side by side (the first one's data comes as plain
    /// events, the others' as [`DataEvent::Backend`]).
    pub fn with_backends(mut self, names: Vec<String>) -> Self {
        self.others = names
            .iter()
            .skip(1)
            .map(|_| Other {
                store: self.new_store(),
                ranges: RangeCache::default(),
                connection: Connection::Connecting,
                replica: None,
            })
            .collect();
        self.alert_sources = match self.others.len() {
            0 => Vec::new(),
            n => vec![AlertSources::default(); n + 1],
        };
        self.backend_names = names;
        self
    }

    /// Every backend, the first one first.
    pub fn backends(&self) -> Vec<Backend<'_>> {
        let name = |i: usize| self.backend_names.get(i).map_or("", String::as_str);
        let first = Backend {
            name: name(0),
            store: &self.store,
            connection: &self.connection,
            replica: self.replica.as_ref(),
        };
        let others = self.others.iter().enumerate().map(|(i, other)| Backend {
            name: name(i + 1),
            store: &other.store,
            connection: &other.connection,
            replica: other.replica.as_ref(),
        });
        std::iter::once(first).chain(others).collect()
    }

    /// Backend `index`'s store (0: the first backend's, the app's own).
    pub fn backend_store(&self, index: usize) -> Option<&Store> {
        match index {
            0 => Some(&self.store),
            i => self.others.get(i - 1).map(|other| &other.store),
        }
    }

    /// Whether several backends show side by side.
    pub fn side_by_side(&self) -> bool {
        !self.others.is_empty()
    }

    /// An event of backend `index` (from 1). What the views read per backend is kept;
    /// variables' options join the others' (their union is offered), alerts and rules
    /// join the one alert board; the server facts are the first backend's only.
    pub(super) fn ingest_other(&mut self, index: usize, event: DataEvent) {
        if self.answers_old_text(&event) {
            return;
        }
        let Some(other) = index.checked_sub(1).and_then(|i| self.others.get_mut(i)) else {
            return;
        };
        let Some(event) = other.own_parts().take(event, &mut self.now) else {
            return;
        };
        match event {
            event @ (DataEvent::Alerts { .. }
            | DataEvent::Rules { .. }
            | DataEvent::Alertmanager { .. }) => self.backend_alerts(index, event),
            DataEvent::VariableOptions { name, result } => {
                self.options_arrived(index, &name, result)
            }
            _ => {}
        }
    }

    /// Whose Alertmanager holds silence `id` (the first backend's when none says).
    pub(super) fn silence_backend(&self, id: &str) -> usize {
        self.alert_sources
            .iter()
            .position(|sources| {
                matches!(&sources.alertmanager, Some(Ok(state))
                    if state.silences.iter().any(|s| s.id == id))
            })
            .unwrap_or(0)
    }

    /// Backend `index`'s alerts, rules or Alertmanager: every backend's, merged and tagged,
    /// become the alert board's.
    fn backend_alerts(&mut self, index: usize, event: DataEvent) {
        let Some(sources) = self.alert_sources.get_mut(index) else {
            return;
        };
        match event {
            DataEvent::Alerts { result, .. } => sources.alerts = Some(result),
            DataEvent::Rules { result, .. } => sources.rules = Some(result),
            DataEvent::Alertmanager { result, .. } => sources.alertmanager = Some(result),
            _ => return,
        }
        let names = self.backend_names.iter().map(String::as_str);
        let sources: Vec<(&str, &AlertSources)> = names.zip(&self.alert_sources).collect();
        let (alerts, rules, alertmanager) = (
            merged_alerts(&sources),
            merged_rules(&sources),
            merged_alertmanager(&sources),
        );
        if let Some(alerts) = alerts {
            self.store.alerts.set_server_alerts(alerts);
        }
        if let Some(rules) = rules {
            self.store.alerts.set_groups(rules);
        }
        if let Some(alertmanager) = alertmanager {
            self.store.alerts.set_alertmanager(alertmanager);
        }
        self.store.mark_alerted();
    }

    fn new_store(&self) -> Store {
        Store::new(&self.layout.queries)
    }

    /// The other backends' stores, for what is done to every store alike.
    pub(super) fn other_stores(&mut self) -> impl Iterator<Item = &mut Store> {
        self.others.iter_mut().map(|other| &mut other.store)
    }
}

/// A store's history, latest values and errors, as the events that would rebuild them.
fn store_events(store: &Store, now: f64) -> Vec<DataEvent> {
    let mut events = Vec::new();
    for (id, query) in store.queries().iter().enumerate() {
        let history: Vec<Series> = query
            .series
            .iter()
            .map(|s| Series {
                labels: s.labels.clone(),
                points: s.points().collect(),
            })
            .collect();
        if !history.is_empty() {
            events.push(DataEvent::Range {
                id,
                result: Ok(history),
                latency: Duration::ZERO,
            });
        }
        let latency = query.latency.unwrap_or_default();
        if let Some(at) = query.last_eval {
            let samples = query
                .current()
                .map(|(s, value)| Sample {
                    labels: s.labels.clone(),
                    time: at,
                    value,
                })
                .collect();
            events.push(DataEvent::Instant {
                id,
                at,
                result: Ok(samples),
                latency,
            });
        }
        if let Some(error) = &query.error {
            events.push(DataEvent::Instant {
                id,
                at: now,
                result: Err(error.clone()),
                latency,
            });
        }
    }
    events
}

/// What a backend said of its alerts, as the events that said it.
fn alert_events(sources: &AlertSources, now: f64) -> Vec<DataEvent> {
    let mut events = Vec::new();
    if let Some(result) = &sources.alerts {
        events.push(DataEvent::Alerts {
            at: now,
            result: result.clone(),
        });
    }
    if let Some(result) = &sources.rules {
        events.push(DataEvent::Rules {
            at: now,
            result: result.clone(),
        });
    }
    if let Some(result) = &sources.alertmanager {
        events.push(DataEvent::Alertmanager {
            at: now,
            result: result.clone(),
        });
    }
    events
}
