//! What is paging: Prometheus' own alerts and rule groups, and the alerts of rule files
//! evaluated locally from the queries the store polls. Also which metrics those alerts
//! watch, so every panel reading one of them can show it.

use crate::alerts::{
    AlertingRule, Evaluator, KpiWatch, Mismatch, RecordingRule, RuleFile, metric_names, mismatches,
};
use crate::config::Layout;
use crate::config::layout::QueryId;
use crate::prom::alertmanager::AlertmanagerState;
use crate::prom::{Alert, AlertState, RuleGroupStatus, RuleKind};
use crate::prom::{PromError, Sample};
use std::collections::BTreeSet;

#[derive(Clone, Debug, Default)]
pub struct AlertBoard {
    /// `/api/v1/alerts`: `None` until the first answer.
    pub server: Option<Result<Vec<Alert>, PromError>>,
    /// `/api/v1/rules`.
    pub groups: Option<Result<Vec<RuleGroupStatus>, PromError>>,
    /// Alertmanager's groups and silences (`--alertmanager`); `None` when not asked for.
    pub alertmanager: Option<Result<AlertmanagerState, PromError>>,
    /// Rules of `--rules` files, evaluated here.
    pub local: Evaluator,
    /// The query polled for each local alerting rule, by rule index.
    local_queries: Vec<QueryId>,
    /// Recording rules of `--rules` files and the query that shows their series.
    pub recording: Vec<(RecordingRule, QueryId)>,
    /// Where a KPI and a rule (local or the server's) disagree on a threshold.
    pub mismatches: Vec<Mismatch>,
    /// The layout's KPIs with an alert threshold, to compare with the rules.
    kpis: Vec<KpiWatch>,
    /// The local evaluator's active alerts as of its last evaluation.
    local_active: Vec<Alert>,
    /// Metrics read by the expressions of firing and of pending alerts.
    firing_metrics: BTreeSet<String>,
    pending_metrics: BTreeSet<String>,
}

/// Active alerts by state and severity, for the status bar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertCounts {
    /// (severity, firing, pending), most severe first.
    pub by_severity: Vec<(String, usize, usize)>,
}

/// Severities in the order they matter; unknown ones sort after these.
const SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];

pub fn severity_rank(severity: Option<&str>) -> usize {
    severity
        .and_then(|s| SEVERITIES.iter().position(|k| k.eq_ignore_ascii_case(s)))
        .unwrap_or(SEVERITIES.len())
}

impl AlertBoard {
    /// Local evaluation of `rules`, whose expressions are polled as `queries` (same order).
    pub fn with_local(
        rules: Vec<AlertingRule>,
        queries: Vec<QueryId>,
        recording: Vec<(RecordingRule, QueryId)>,
        kpis: Vec<KpiWatch>,
    ) -> Self {
        let mut board = Self {
            local: Evaluator::new(rules),
            local_queries: queries,
            recording,
            kpis,
            ..Self::default()
        };
        board.refresh_mismatches();
        board
    }

    /// The board of the layout's KPIs and the alerting rules of `files`, evaluated here:
    /// every rule's expression joins the layout's polled queries (the recording rules'
    /// too, to show their series).
    pub fn for_rules(files: &[RuleFile], layout: &mut Layout) -> Self {
        let (alerting, recording) = local_rules(files);
        let ids = alerting.iter().map(|r| layout.add_query(&r.expr)).collect();
        let recording = recording
            .into_iter()
            .map(|r| {
                let id = layout.add_query(&r.expr);
                (r, id)
            })
            .collect();
        Self::with_local(alerting, ids, recording, kpi_watches(layout))
    }

    /// Forgets every alert and evaluation, keeping the rules and the KPIs.
    pub fn reset(&mut self) {
        let rules = (0..self.local.len())
            .filter_map(|i| self.local.rule(i))
            .cloned()
            .collect();
        *self = Self {
            local: Evaluator::new(rules),
            local_queries: std::mem::take(&mut self.local_queries),
            recording: std::mem::take(&mut self.recording),
            kpis: std::mem::take(&mut self.kpis),
            ..Self::default()
        };
        self.refresh_mismatches();
    }

    /// KPI/rule disagreements over the local rules and the server's.
    fn refresh_mismatches(&mut self) {
        let local = (0..self.local.len())
            .filter_map(|i| self.local.rule(i))
            .cloned();
        let server = self
            .groups
            .iter()
            .flat_map(|g| g.iter())
            .flatten()
            .flat_map(|g| g.rules.iter())
            .filter(|r| r.kind == RuleKind::Alerting)
            .map(|r| AlertingRule {
                name: r.name.clone(),
                expr: r.query.clone(),
                for_duration: std::time::Duration::from_secs_f64(r.duration.max(0.0)),
                keep_firing_for: std::time::Duration::ZERO,
                labels: r.labels.clone(),
                annotations: r.annotations.clone(),
            });
        let rules: Vec<AlertingRule> = local.chain(server).collect();
        let mut seen = BTreeSet::new();
        // The same rule loaded locally and on the server is one disagreement.
        self.mismatches = mismatches(&self.kpis, &rules)
            .into_iter()
            .filter(|m| seen.insert((m.kpi.clone(), m.rule.clone())))
            .collect();
    }

    /// Feeds local rules polled by query `id` with its answer. Returns true when a rule read it.
    pub fn evaluate(
        &mut self,
        id: QueryId,
        at: f64,
        result: Result<&[Sample], &PromError>,
    ) -> bool {
        let rules: Vec<usize> = self
            .local_queries
            .iter()
            .enumerate()
            .filter(|(_, q)| **q == id)
            .map(|(rule, _)| rule)
            .collect();
        for &rule in &rules {
            self.local.evaluate(rule, at, result);
        }
        if !rules.is_empty() {
            self.local_active = self.local.alerts();
            self.refresh_metrics();
        }
        !rules.is_empty()
    }

    pub fn set_server_alerts(&mut self, result: Result<Vec<Alert>, PromError>) {
        // A failed poll keeps the last list: an error must not look like "all clear".
        match (result, &mut self.server) {
            (Err(e), Some(Ok(_))) => log::warn!("alerts: {e}"),
            (result, slot) => *slot = Some(result),
        }
        self.refresh_metrics();
    }

    pub fn set_alertmanager(&mut self, result: Result<AlertmanagerState, PromError>) {
        self.alertmanager = Some(result);
    }

    /// Whether Alertmanager holds back this alert's notifications (silenced or inhibited).
    pub fn is_suppressed(&self, alert: &Alert) -> bool {
        matches!(&self.alertmanager, Some(Ok(am)) if am.is_suppressed(&alert.labels))
    }

    pub fn set_groups(&mut self, result: Result<Vec<RuleGroupStatus>, PromError>) {
        let changed = match (result, &mut self.groups) {
            (Err(e), Some(Ok(_))) => {
                log::warn!("rules: {e}");
                false
            }
            (result, slot) => {
                let changed = slot.as_ref() != Some(&result);
                *slot = Some(result);
                changed
            }
        };
        if changed {
            self.refresh_mismatches();
        }
        self.refresh_metrics();
    }

    /// Every active alert, server's and local, most severe first, then firing before
    /// pending, then oldest first.
    pub fn all(&self) -> Vec<&Alert> {
        let server = self.server.iter().flat_map(|r| r.iter()).flatten();
        let mut all: Vec<&Alert> = server.chain(self.local_active.iter()).collect();
        all.sort_by(|a, b| {
            severity_rank(a.severity())
                .cmp(&severity_rank(b.severity()))
                .then(b.state.cmp(&a.state))
                .then(a.active_at.total_cmp(&b.active_at))
                .then_with(|| a.name.cmp(&b.name))
        });
        all
    }

    /// The PromQL expression of an alert's rule, from the rule file or the server's groups.
    pub fn expr_of(&self, alert: &Alert) -> Option<String> {
        use crate::prom::AlertSource;
        match alert.source {
            AlertSource::Local => (0..self.local.len())
                .filter_map(|i| self.local.rule(i))
                .find(|r| r.name == alert.name)
                .map(|r| r.expr.clone()),
            AlertSource::Server => self
                .groups
                .iter()
                .flat_map(|g| g.iter())
                .flatten()
                .flat_map(|g| g.rules.iter())
                .find(|r| r.name == alert.name)
                .map(|r| r.query.clone()),
        }
    }

    /// Active alerts counted by severity; an alert both the server and the local rules
    /// report counts once.
    pub fn counts(&self) -> AlertCounts {
        let mut seen = BTreeSet::new();
        let mut by: Vec<(String, usize, usize)> = Vec::new();
        for alert in self.all() {
            if !seen.insert((alert.name.clone(), alert.labels.clone())) {
                continue;
            }
            let severity = alert.severity().unwrap_or("none").to_string();
            let slot = match by.iter().position(|(s, ..)| *s == severity) {
                Some(i) => i,
                None => {
                    by.push((severity, 0, 0));
                    by.len() - 1
                }
            };
            match alert.state {
                AlertState::Firing => by[slot].1 += 1,
                AlertState::Pending => by[slot].2 += 1,
                AlertState::Inactive => {}
            }
        }
        AlertCounts { by_severity: by }
    }

    /// The most severe state of any active alert.
    pub fn worst(&self) -> Option<AlertState> {
        self.all().iter().map(|a| a.state).max()
    }

    /// The state of the alerts watching any of `metrics`.
    pub fn state_for(&self, metrics: &BTreeSet<String>) -> Option<AlertState> {
        if !self.firing_metrics.is_disjoint(metrics) {
            Some(AlertState::Firing)
        } else if !self.pending_metrics.is_disjoint(metrics) {
            Some(AlertState::Pending)
        } else {
            None
        }
    }

    fn refresh_metrics(&mut self) {
        let mut firing = BTreeSet::new();
        let mut pending = BTreeSet::new();
        for alert in self.all() {
            let Some(expr) = self.expr_of(alert) else {
                continue;
            };
            let target = match alert.state {
                AlertState::Firing => &mut firing,
                AlertState::Pending => &mut pending,
                AlertState::Inactive => continue,
            };
            target.extend(metric_names(&expr));
        }
        self.firing_metrics = firing;
        self.pending_metrics = pending;
    }
}

/// The local rules of `files` and recording rules, as the board and the poller need them.
pub fn local_rules(files: &[RuleFile]) -> (Vec<AlertingRule>, Vec<RecordingRule>) {
    let alerting = files
        .iter()
        .flat_map(RuleFile::alerting_rules)
        .cloned()
        .collect();
    let recording = files
        .iter()
        .flat_map(|f| f.groups.iter())
        .flat_map(|g| g.rules.iter())
        .filter_map(|r| match r {
            crate::alerts::Rule::Recording(r) => Some(r.clone()),
            crate::alerts::Rule::Alerting(_) => None,
        })
        .collect();
    (alerting, recording)
}

/// The layout's KPI rows with an alert threshold, as the consistency check reads them.
pub fn kpi_watches(layout: &Layout) -> Vec<KpiWatch> {
    let mut watches: Vec<KpiWatch> = Vec::new();
    for panel in layout
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.panels)
    {
        for kpi in &panel.kpis {
            let Some(alert) = kpi.thresholds.alert else {
                continue;
            };
            let query = layout.queries[kpi.query.id].expr.clone();
            // The Overview and a subsystem tab often repeat a KPI; compare it once.
            if watches
                .iter()
                .any(|w| w.name == kpi.name && w.query == query)
            {
                continue;
            }
            watches.push(KpiWatch {
                name: kpi.name.clone(),
                query,
                alert,
                direction: kpi.thresholds.direction,
            });
        }
    }
    watches
}
