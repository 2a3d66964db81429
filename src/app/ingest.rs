//! Data into the state: answers, the clock, alerts (and the bell); and the state back out
//! as data events, for a recording started mid-session.

use super::App;
use super::replay::ReplayState;
use crate::event::{Connection, DataEvent};
use crate::prom::{Sample, Series};
use crate::view::Context;
use std::time::Duration;

/// Resolved alert instances the live timeline remembers.
pub(super) const RESOLVED_ALERTS_KEPT: usize = 256;

impl App {
    pub(super) fn tick(&mut self, now: f64) {
        self.now = now;
        self.store.prune(now);
    }

    pub(super) fn ingest(&mut self, event: DataEvent) {
        if self.answers_old_text(&event) {
            return;
        }
        match event {
            DataEvent::Clock(now) => self.tick(now),
            DataEvent::Reset => {
                self.store.reset();
                self.connection = Connection::Connecting;
            }
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
            DataEvent::Instant {
                id,
                at,
                result,
                latency,
            } => {
                self.now = self.now.max(at);
                self.store.ingest_instant(id, at, result, latency);
            }
            DataEvent::SeriesOmitted { id, at, count } => self.store.ingest_omitted(id, at, count),
            DataEvent::Warnings { id, at, warnings } => {
                self.store.ingest_warnings(id, at, warnings);
            }
            DataEvent::Range { id, result, .. } => self.store.ingest_range(id, result),
            DataEvent::Connection(connection) => self.connection = connection,
            DataEvent::Replica(replica) => self.replica = Some(replica),
            DataEvent::RangeAnswer {
                request, result, ..
            } => self.ranges.answer(request, result, self.now),
            DataEvent::Alerts { result, .. } => {
                self.store.alerts.set_server_alerts(result);
                self.store.mark_alerted();
            }
            DataEvent::Rules { result, .. } => {
                self.store.alerts.set_groups(result);
                self.store.mark_alerted();
            }
            DataEvent::Alertmanager { result, .. } => self.store.alerts.set_alertmanager(result),
            DataEvent::VariableOptions { name, result } => self.options_arrived(&name, result),
            DataEvent::Variables(pairs) => self.selections_arrived(pairs),
            DataEvent::Server {
                at,
                request,
                result,
            } => {
                // Like any answer, it tells the time: its marks are never in the future.
                self.now = self.now.max(at);
                self.store.server.ingest(at, request, result);
            }
            DataEvent::Schedule(schedule) => self.schedule = Some(schedule),
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
        for (id, query) in self.store.queries().iter().enumerate() {
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
                    at: self.now,
                    result: Err(error.clone()),
                    latency,
                });
            }
        }
        events.push(DataEvent::Connection(self.connection.clone()));
        events.extend(self.replica.clone().map(DataEvent::Replica));
        events.extend(self.schedule.map(DataEvent::Schedule));
        if let Some(result) = &self.store.alerts.server {
            events.push(DataEvent::Alerts {
                at: self.now,
                result: result.clone(),
            });
        }
        if let Some(result) = &self.store.alerts.groups {
            events.push(DataEvent::Rules {
                at: self.now,
                result: result.clone(),
            });
        }
        if let Some(result) = &self.store.alerts.alertmanager {
            events.push(DataEvent::Alertmanager {
                at: self.now,
                result: result.clone(),
            });
        }
        events.extend(self.server_events());
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
