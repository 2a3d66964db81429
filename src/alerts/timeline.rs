//! The life of every alert instance (rule name and labels): when it went pending, fired
//! and resolved, its peak and summary. One timeline, fed with looks at the active alerts
//! (Prometheus' and the local rules'), read by the live dashboard (the bell), by a replay
//! (the moments `n`/`N` jump to, the firing spans on its timeline) and by the report.

use crate::model::Labels;
use crate::prom::{Alert, AlertSource, AlertState};
use std::collections::{BTreeSet, HashMap};

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

impl Episode {
    /// What one source's report of it at `t` says (`first_report`: the first in this
    /// look, `first_look`: the recording's first look). True when it started firing now.
    fn look(&mut self, t: f64, alert: &Alert, first_report: bool, first_look: bool) -> bool {
        self.last_state = if first_report {
            alert.state
        } else {
            // Reported by both the server and the local rules: the worse state counts.
            alert.state.max(self.last_state)
        };
        if !self.sources.contains(&alert.source) {
            self.sources.push(alert.source);
            self.sources.sort_by_key(|s| source_index(*s));
        }
        self.active_at[source_index(alert.source)] = Some(alert.active_at);
        self.pending_at = self.pending_at.min(alert.active_at);
        let fired = alert.state == AlertState::Firing && self.fired_at.is_none();
        if fired {
            self.fired_at = Some(t);
            self.firing_at_start = first_look;
            if let Some(summary) = alert.annotations.get("summary") {
                self.summary = Some(summary.clone());
            }
        }
        if self.summary.is_none() {
            self.summary = alert.annotations.get("summary").cloned();
        }
        if !alert.value.is_nan() && self.peak.is_none_or(|p| alert.value > p) {
            self.peak = Some(alert.value);
        }
        fired
    }
}

fn source_index(source: AlertSource) -> usize {
    match source {
        AlertSource::Server => 0,
        AlertSource::Local => 1,
    }
}

/// Every alert instance seen, in the order they started.
#[derive(Clone, Debug, Default)]
pub struct AlertTimeline {
    pub episodes: Vec<Episode>,
    /// Episodes still active, by identity.
    open: HashMap<(String, Labels), usize>,
    looks: usize,
}

/// An `activeAt` this much later than the one seen before means the alert resolved and
/// started again between two looks.
const RESTART_SLACK: f64 = 0.5;

impl AlertTimeline {
    /// A look at the active alerts (server's and local) at `t`. Returns the episodes that
    /// started firing in this look.
    pub fn observe(&mut self, t: f64, alerts: &[&Alert]) -> Vec<&Episode> {
        self.looks += 1;
        let mut fired: BTreeSet<usize> = BTreeSet::new();
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        for alert in alerts {
            if alert.state == AlertState::Inactive {
                continue;
            }
            let i = self.episode_for(t, alert, &seen);
            let first_report = seen.insert(i);
            if self.episodes[i].look(t, alert, first_report, self.looks == 1) {
                fired.insert(i);
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
        fired.into_iter().map(|i| &self.episodes[i]).collect()
    }

    /// The open episode `alert` belongs to, or a new one: also when its `activeAt` moved
    /// on (it resolved and started again between two looks; not yet `seen` in this look).
    fn episode_for(&mut self, t: f64, alert: &Alert, seen: &BTreeSet<usize>) -> usize {
        let key = (alert.name.clone(), alert.labels.clone());
        let restarted = self.open.get(&key).is_some_and(|&i| {
            !seen.contains(&i)
                && self.episodes[i].active_at[source_index(alert.source)]
                    .is_some_and(|before| alert.active_at > before + RESTART_SLACK)
        });
        if restarted && let Some(i) = self.open.remove(&key) {
            self.episodes[i].resolved_at = Some(t);
        }
        if let Some(&i) = self.open.get(&key) {
            return i;
        }
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

    /// When the set of active alerts or their states changed: an instance seen for the
    /// first time, fired, or resolved. Sorted, each moment once.
    pub fn transitions(&self) -> Vec<f64> {
        let mut moments: Vec<f64> = self
            .episodes
            .iter()
            .flat_map(|e| [Some(e.first_seen), e.fired_at, e.resolved_at])
            .flatten()
            .collect();
        moments.sort_by(f64::total_cmp);
        moments.dedup();
        moments
    }

    /// When any alert was firing, as (from, to) spans; one still firing lasts until `end`.
    pub fn firing_spans(&self, end: f64) -> Vec<(f64, f64)> {
        let mut spans: Vec<(f64, f64)> = self
            .episodes
            .iter()
            .filter_map(|e| Some((e.fired_at?, e.resolved_at.unwrap_or(end))))
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(spans.len());
        for (from, to) in spans {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        merged
    }

    /// Forgets all but the newest `keep` resolved episodes: a dashboard open for weeks
    /// keeps what is active, not every alert it ever saw.
    pub fn forget_resolved(&mut self, keep: usize) {
        let resolved = self
            .episodes
            .iter()
            .filter(|e| e.resolved_at.is_some())
            .count();
        let mut excess = resolved.saturating_sub(keep);
        if excess == 0 {
            return;
        }
        // Episodes are in the order they were first seen: the oldest resolved go first.
        self.episodes.retain(|e| {
            let drop = excess > 0 && e.resolved_at.is_some();
            excess -= usize::from(drop);
            !drop
        });
        self.open = self
            .episodes
            .iter()
            .enumerate()
            .filter(|(_, e)| e.resolved_at.is_none())
            .map(|(i, e)| ((e.name.clone(), e.labels.clone()), i))
            .collect();
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

    fn alert(state: AlertState, active_at: f64, value: f64, source: AlertSource) -> Alert {
        Alert {
            name: "DatabaseReplicationLag".into(),
            labels: crate::model::labels::from_pairs(&[
                ("alertname", "DatabaseReplicationLag"),
                ("replica", "replica-2"),
                ("severity", "critical"),
            ]),
            annotations: [("summary".to_string(), format!("lag is {value}"))].into(),
            state,
            active_at,
            value,
            source,
        }
    }

    #[test]
    fn an_alert_goes_pending_fires_and_resolves() {
        let mut log = AlertTimeline::default();
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
        let mut log = AlertTimeline::default();
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
        let mut log = AlertTimeline::default();
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

    #[test]
    fn transitions_and_firing_spans_come_from_the_episodes() {
        let mut log = AlertTimeline::default();
        let pending = alert(AlertState::Pending, 100.0, 6.0, AlertSource::Local);
        assert!(log.observe(100.0, &[&pending]).is_empty());
        let firing = alert(AlertState::Firing, 100.0, 7.0, AlertSource::Local);
        let fired = log.observe(400.0, &[&firing]);
        assert_eq!(fired.len(), 1, "the look that fires it says so");
        assert!(log.observe(405.0, &[&firing]).is_empty(), "once");
        log.observe(700.0, &[]);
        assert_eq!(log.transitions(), [100.0, 400.0, 700.0]);
        assert_eq!(log.firing_spans(900.0), [(400.0, 700.0)]);
        log.observe(800.0, &[&firing]);
        assert_eq!(log.firing_spans(900.0), [(400.0, 700.0), (800.0, 900.0)]);
        log.forget_resolved(0);
        assert_eq!(log.into_episodes().len(), 1, "the active one is kept");
    }
}
