//! The bookkeeping of a replay: how long something spent in each status, when it crossed
//! its target, and the life of every alert instance. Plain state machines fed with
//! observations in time order, so they are tested without a recording.
//!
//! Every observation holds until the next one: a KPI seen at ALERT at 08:03:00 and OK at
//! 08:08:00 spent five minutes beyond its alert threshold.

use crate::alerts::{Alert, AlertSource, AlertState};
use crate::model::{Labels, Status};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Time spent in each status. An observation of `None` (nothing known) stops the clock
/// until the next status.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dwell {
    current: Option<(Status, f64)>,
    totals: BTreeMap<Status, f64>,
}

impl Dwell {
    pub fn observe(&mut self, t: f64, status: Option<Status>) {
        self.close(t);
        self.current = status.map(|s| (s, t));
    }

    /// Counts the current status up to `end` (the end of the recording).
    pub fn finish(&mut self, end: f64) {
        if let Some((status, _)) = self.current {
            self.close(end);
            self.current = Some((status, end));
        }
    }

    fn close(&mut self, t: f64) {
        if let Some((status, since)) = self.current {
            *self.totals.entry(status).or_default() += (t - since).max(0.0);
        }
    }

    /// Seconds spent in `status` so far (up to the last observation or `finish`).
    pub fn time_in(&self, status: Status) -> f64 {
        self.totals.get(&status).copied().unwrap_or(0.0)
    }

    /// Seconds spent in any of the statuses at or past `status` (`Warn`: WARN and ALERT).
    pub fn time_from(&self, status: Status) -> f64 {
        self.totals.range(status..).map(|(_, s)| s).sum()
    }

    pub fn totals(&self) -> &BTreeMap<Status, f64> {
        &self.totals
    }

    pub fn current(&self) -> Option<Status> {
        self.current.map(|(s, _)| s)
    }
}

/// When a value left its target and came back. An unknown value (no data, an error)
/// neither leaves nor returns: out, unknown, out again is one excursion.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Crossings {
    /// Whether the last known value was past its target.
    pub out: bool,
    pub first_left: Option<f64>,
    /// The last return within target.
    pub back_at: Option<f64>,
    /// How many times it left its target.
    pub count: usize,
}

impl Crossings {
    pub fn observe(&mut self, t: f64, status: Option<Status>) {
        let Some(status) = status else {
            return;
        };
        let out = matches!(status, Status::Warn | Status::Alert);
        if out && !self.out {
            self.count += 1;
            self.first_left.get_or_insert(t);
        }
        if !out && self.out {
            self.back_at = Some(t);
        }
        self.out = out;
    }
}

/// The worst value seen, by the thresholds' direction, and when: the first time it was
/// reached wins ties.
#[derive(Clone, Debug, PartialEq)]
pub struct Worst<T> {
    pub value: f64,
    pub at: f64,
    pub detail: T,
}

impl<T> Worst<T> {
    /// Whether `value` would replace `current` (`higher_is_worse` per the direction).
    pub fn beats(current: Option<&Worst<T>>, value: f64, higher_is_worse: bool) -> bool {
        if value.is_nan() {
            return false;
        }
        match current {
            None => true,
            Some(w) if higher_is_worse => value > w.value,
            Some(w) => value < w.value,
        }
    }
}

/// One alert instance (rule name and labels) from the first time it was seen active to
/// the first time it was not.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    pub name: String,
    pub labels: Labels,
    pub severity: Option<String>,
    /// Who reported it, server first.
    pub sources: Vec<AlertSource>,
    /// The earliest `activeAt` reported: when it went pending.
    pub pending_at: f64,
    /// When it was first seen at all.
    pub first_seen: f64,
    /// When it was first seen firing.
    pub fired_at: Option<f64>,
    /// Already firing in the recording's first look at the alerts.
    pub firing_at_start: bool,
    /// When it was first seen gone; `None` while still active at the end.
    pub resolved_at: Option<f64>,
    /// Its state in the last look.
    pub last_state: AlertState,
    /// The highest value its expression had.
    pub peak: Option<f64>,
    /// The `summary` annotation, as first seen firing (or pending, if it never fired).
    pub summary: Option<String>,
    /// The latest `activeAt` each source gave, to notice a resolve and a new start
    /// between two looks.
    /// Indexed by [`source_index`].
    active_at: [Option<f64>; 2],
}

fn source_index(source: AlertSource) -> usize {
    match source {
        AlertSource::Server => 0,
        AlertSource::Local => 1,
    }
}

/// Every alert instance of a recording, in the order they started.
#[derive(Clone, Debug, Default)]
pub struct AlertLog {
    pub episodes: Vec<Episode>,
    /// Episodes still active, by identity.
    open: HashMap<(String, Labels), usize>,
    looks: usize,
}

/// An `activeAt` this much later than the one seen before means the alert resolved and
/// started again between two looks.
const RESTART_SLACK: f64 = 0.5;

impl AlertLog {
    /// A look at the active alerts (server's and local) at `t`.
    pub fn observe(&mut self, t: f64, alerts: &[&Alert]) {
        self.looks += 1;
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        for alert in alerts {
            if alert.state == AlertState::Inactive {
                continue;
            }
            let key = (alert.name.clone(), alert.labels.clone());
            let restarted = self.open.get(&key).is_some_and(|&i| {
                !seen.contains(&i)
                    && self.episodes[i].active_at[source_index(alert.source)]
                        .is_some_and(|before| alert.active_at > before + RESTART_SLACK)
            });
            if restarted && let Some(i) = self.open.remove(&key) {
                self.episodes[i].resolved_at = Some(t);
            }
            let i = match self.open.get(&key) {
                Some(&i) => i,
                None => {
                    self.episodes.push(Episode {
                        name: alert.name.clone(),
                        labels: alert.labels.clone(),
                        severity: alert.severity().map(str::to_string),
                        sources: Vec::new(),
                        pending_at: alert.active_at,
                        first_seen: t,
                        fired_at: None,
                        firing_at_start: false,
                        resolved_at: None,
                        last_state: alert.state,
                        peak: None,
                        summary: None,
                        active_at: [None; 2],
                    });
                    let i = self.episodes.len() - 1;
                    self.open.insert(key, i);
                    i
                }
            };
            let episode = &mut self.episodes[i];
            let last_state = if seen.insert(i) {
                alert.state
            } else {
                // Reported by both the server and the local rules: the worse state counts.
                alert.state.max(episode.last_state)
            };
            episode.last_state = last_state;
            if !episode.sources.contains(&alert.source) {
                episode.sources.push(alert.source);
                episode.sources.sort_by_key(|s| source_index(*s));
            }
            episode.active_at[source_index(alert.source)] = Some(alert.active_at);
            episode.pending_at = episode.pending_at.min(alert.active_at);
            if alert.state == AlertState::Firing && episode.fired_at.is_none() {
                episode.fired_at = Some(t);
                episode.firing_at_start = self.looks == 1;
                if let Some(summary) = alert.annotations.get("summary") {
                    episode.summary = Some(summary.clone());
                }
            }
            if episode.summary.is_none() {
                episode.summary = alert.annotations.get("summary").cloned();
            }
            if !alert.value.is_nan() && episode.peak.is_none_or(|p| alert.value > p) {
                episode.peak = Some(alert.value);
            }
        }
        let gone: Vec<(String, Labels)> = self
            .open
            .iter()
            .filter(|(_, i)| !seen.contains(i))
            .map(|(k, _)| k.clone())
            .collect();
        for key in gone {
            if let Some(i) = self.open.remove(&key) {
                self.episodes[i].resolved_at = Some(t);
            }
        }
    }

    /// Episodes in the order they went pending (then by name).
    pub fn into_episodes(mut self) -> Vec<Episode> {
        self.episodes.sort_by(|a, b| {
            a.pending_at
                .total_cmp(&b.pending_at)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.labels.cmp(&b.labels))
        });
        self.episodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_counted_until_the_next_observation() {
        let mut d = Dwell::default();
        d.observe(100.0, Some(Status::Ok));
        d.observe(110.0, Some(Status::Warn));
        d.observe(115.0, Some(Status::Alert));
        d.observe(145.0, Some(Status::Warn));
        d.observe(150.0, Some(Status::Ok));
        d.finish(200.0);
        assert_eq!(d.time_in(Status::Ok), 60.0);
        assert_eq!(d.time_in(Status::Warn), 10.0);
        assert_eq!(d.time_in(Status::Alert), 30.0);
        assert_eq!(d.time_from(Status::Warn), 40.0);
        assert_eq!(d.time_from(Status::Alert), 30.0);
        // Finishing twice counts nothing twice.
        d.finish(200.0);
        assert_eq!(d.time_in(Status::Ok), 60.0);
    }

    #[test]
    fn unknown_stops_the_clock() {
        let mut d = Dwell::default();
        d.observe(0.0, Some(Status::Alert));
        d.observe(10.0, None);
        d.observe(40.0, Some(Status::Alert));
        d.finish(45.0);
        assert_eq!(d.time_in(Status::Alert), 15.0);
        assert_eq!(d.current(), Some(Status::Alert));
        let mut never = Dwell::default();
        never.finish(100.0);
        assert!(never.totals().is_empty());
    }

    #[test]
    fn repeated_observations_of_one_status_add_up() {
        let mut d = Dwell::default();
        for i in 0..=12 {
            d.observe(f64::from(i) * 5.0, Some(Status::Warn));
        }
        d.finish(60.0);
        assert_eq!(d.time_in(Status::Warn), 60.0);
    }

    #[test]
    fn crossings_count_excursions_and_the_last_return() {
        let mut c = Crossings::default();
        for (t, s) in [
            (0.0, Some(Status::Ok)),
            (5.0, Some(Status::Warn)),
            (10.0, Some(Status::Alert)),
            (15.0, None),
            (20.0, Some(Status::Alert)),
            (25.0, Some(Status::Ok)),
            (30.0, Some(Status::Ok)),
            (35.0, Some(Status::Warn)),
            (40.0, Some(Status::Ok)),
        ] {
            c.observe(t, s);
        }
        assert_eq!(c.count, 2);
        assert_eq!(c.first_left, Some(5.0));
        assert_eq!(c.back_at, Some(40.0));
        assert!(!c.out);
        c.observe(45.0, Some(Status::Alert));
        assert!(c.out);
        assert_eq!(c.count, 3);
    }

    #[test]
    fn a_value_out_from_the_start_left_at_the_start() {
        let mut c = Crossings::default();
        c.observe(7.0, Some(Status::Alert));
        assert_eq!((c.count, c.first_left, c.back_at), (1, Some(7.0), None));
        // Stale or no data after it does not bring it back.
        c.observe(9.0, None);
        assert!(c.out);
        assert_eq!(c.back_at, None);
    }

    #[test]
    fn the_worst_value_follows_the_direction_and_the_first_wins_ties() {
        let mut worst: Option<Worst<()>> = None;
        for (t, v) in [
            (0.0, 1.0),
            (1.0, 5.0),
            (2.0, f64::NAN),
            (3.0, 5.0),
            (4.0, 2.0),
        ] {
            if Worst::beats(worst.as_ref(), v, true) {
                worst = Some(Worst {
                    value: v,
                    at: t,
                    detail: (),
                });
            }
        }
        assert_eq!(worst.as_ref().map(|w| (w.value, w.at)), Some((5.0, 1.0)));
        assert!(Worst::beats(worst.as_ref(), 0.5, false));
        assert!(!Worst::beats(worst.as_ref(), 6.0, false));
    }

    fn alert(state: AlertState, active_at: f64, value: f64, source: AlertSource) -> Alert {
        Alert {
            name: "DatabaseReplicationLag".into(),
            labels: [
                ("alertname", "DatabaseReplicationLag"),
                ("replica", "replica-2"),
                ("severity", "critical"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            annotations: [("summary".to_string(), format!("lag is {value}"))].into(),
            state,
            active_at,
            value,
            source,
        }
    }

    #[test]
    fn an_alert_goes_pending_fires_and_resolves() {
        let mut log = AlertLog::default();
        log.observe(170.0, &[]);
        let pending = alert(AlertState::Pending, 180.0, 6.0, AlertSource::Server);
        log.observe(182.0, &[&pending]);
        let firing = alert(AlertState::Firing, 180.0, 9.0, AlertSource::Server);
        log.observe(212.0, &[&firing]);
        let calmer = alert(AlertState::Firing, 180.0, 7.0, AlertSource::Server);
        log.observe(217.0, &[&calmer]);
        log.observe(480.0, &[]);
        let episodes = log.into_episodes();
        assert_eq!(episodes.len(), 1);
        let e = &episodes[0];
        assert_eq!(e.pending_at, 180.0);
        assert_eq!(e.first_seen, 182.0);
        assert_eq!(e.fired_at, Some(212.0));
        assert_eq!(e.resolved_at, Some(480.0));
        assert_eq!(e.peak, Some(9.0));
        assert_eq!(e.severity.as_deref(), Some("critical"));
        // The summary as it read when the alert fired.
        assert_eq!(e.summary.as_deref(), Some("lag is 9"));
        assert!(!e.firing_at_start);
        assert_eq!(e.last_state, AlertState::Firing);
    }

    #[test]
    fn a_second_firing_is_a_second_instance() {
        let mut log = AlertLog::default();
        let first = alert(AlertState::Firing, 100.0, 6.0, AlertSource::Server);
        log.observe(100.0, &[&first]);
        log.observe(200.0, &[]);
        let again = alert(AlertState::Pending, 300.0, 6.0, AlertSource::Server);
        log.observe(300.0, &[&again]);
        // Resolved and restarted between two looks: activeAt moved on.
        let restarted = alert(AlertState::Pending, 390.0, 6.0, AlertSource::Server);
        log.observe(400.0, &[&restarted]);
        let episodes = log.into_episodes();
        let spans: Vec<_> = episodes
            .iter()
            .map(|e| (e.pending_at, e.fired_at, e.resolved_at, e.firing_at_start))
            .collect();
        assert_eq!(
            spans,
            [
                (100.0, Some(100.0), Some(200.0), true),
                (300.0, None, Some(400.0), false),
                (390.0, None, None, false),
            ]
        );
    }

    #[test]
    fn server_and_local_reports_of_one_alert_are_one_instance() {
        let mut log = AlertLog::default();
        let server = alert(AlertState::Pending, 180.0, 6.0, AlertSource::Server);
        let local = alert(AlertState::Firing, 181.0, 6.5, AlertSource::Local);
        log.observe(200.0, &[&server, &local]);
        log.observe(205.0, &[&local, &server]);
        let episodes = log.into_episodes();
        assert_eq!(episodes.len(), 1);
        let e = &episodes[0];
        assert_eq!(e.sources, [AlertSource::Server, AlertSource::Local]);
        assert_eq!(e.pending_at, 180.0);
        assert_eq!(e.fired_at, Some(200.0));
        assert_eq!(e.last_state, AlertState::Firing);
        assert_eq!(e.peak, Some(6.5));
        assert_eq!(e.resolved_at, None);
    }
}
