//! Alerting rules evaluated locally, the way Prometheus' rule manager does it, from instant
//! query results the caller fetches. No IO and no clock: every result comes with the time
//! it was evaluated at, so the same results always give the same alerts (and replay works).
//!
//! Per rule and evaluation (Prometheus `AlertingRule.Eval`):
//! - every series of the result is an active instance, identified by its labels without
//!   `__name__`, plus the rule's labels (they win), plus `alertname`;
//! - a new instance is pending from that evaluation on (`active_at`), and fires at the first
//!   evaluation with `at - active_at >= for` (at once when `for` is 0);
//! - an instance missing from a result is resolved (after `keep_firing_for`, if firing);
//! - a failed query keeps every instance as it was and marks the rule unhealthy.

use super::rules::{AlertingRule, RuleFile};
use super::template::{self, TemplateData};
use crate::model::Labels;
use crate::prom::alerts::{Alert, AlertSource, AlertState, RuleHealth, RuleKind, RuleStatus};
use crate::prom::{PromError, Sample};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Prometheus keeps resolved alerts this long (to tell Alertmanager); the UI shows them as
/// recently resolved for the same time.
const RESOLVED_RETENTION_SECS: f64 = 15.0 * 60.0;
/// Bound on remembered resolved instances per rule, whatever flaps.
const MAX_RESOLVED_PER_RULE: usize = 100;

/// An instance that stopped being active, for a "recently resolved" list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResolvedAlert {
    /// The instance as it last was (its last state, value and annotations).
    pub alert: Alert,
    pub resolved_at: f64,
}

#[derive(Clone, Debug)]
struct Instance {
    alert: Alert,
    /// When a firing instance's series first went missing (for `keep_firing_for`).
    missing_since: Option<f64>,
}

#[derive(Clone, Debug)]
struct RuleState {
    rule: AlertingRule,
    active: BTreeMap<Labels, Instance>,
    resolved: VecDeque<ResolvedAlert>,
    health: RuleHealth,
    last_error: Option<String>,
    last_evaluation: Option<f64>,
}

/// Local alert state for a list of alerting rules, indexed in the order given.
#[derive(Clone, Debug, Default)]
pub struct Evaluator {
    rules: Vec<RuleState>,
}

impl Evaluator {
    pub fn new(rules: Vec<AlertingRule>) -> Self {
        let rules = rules
            .into_iter()
            .map(|rule| RuleState {
                rule,
                active: BTreeMap::new(),
                resolved: VecDeque::new(),
                health: RuleHealth::Unknown,
                last_error: None,
                last_evaluation: None,
            })
            .collect();
        Self { rules }
    }

    /// Every alerting rule of the files, in file, group and rule order.
    pub fn from_files(files: &[RuleFile]) -> Self {
        Self::new(
            files
                .iter()
                .flat_map(RuleFile::alerting_rules)
                .cloned()
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rule(&self, index: usize) -> Option<&AlertingRule> {
        self.rules.get(index).map(|r| &r.rule)
    }

    /// What to poll: each rule's index and expression, to be evaluated as an instant query
    /// and handed back to [`Evaluator::evaluate`].
    pub fn queries(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.rules
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.rule.expr.as_str()))
    }

    /// Feeds rule `index` the result of its expression evaluated at `at` (Unix seconds).
    /// Results older than the rule's last evaluation are ignored (answers can arrive out of
    /// order); an unknown index is ignored.
    pub fn evaluate(&mut self, index: usize, at: f64, result: Result<&[Sample], &PromError>) {
        let Some(state) = self.rules.get_mut(index) else {
            return;
        };
        if state.last_evaluation.is_some_and(|last| at < last) {
            return;
        }
        state.last_evaluation = Some(at);
        match result
            .map_err(ToString::to_string)
            .and_then(|s| state.instances(at, s))
        {
            Ok(current) => {
                state.update(at, current);
                state.health = RuleHealth::Ok;
                state.last_error = None;
            }
            Err(message) => {
                state.health = RuleHealth::Error;
                state.last_error = Some(message);
            }
        }
    }

    /// Every pending or firing instance, by rule then labels.
    pub fn alerts(&self) -> Vec<Alert> {
        self.rules
            .iter()
            .flat_map(|r| r.active.values().map(|i| i.alert.clone()))
            .collect()
    }

    /// Instances resolved within the last 15 minutes of evaluation time, oldest first per rule.
    pub fn resolved(&self) -> Vec<ResolvedAlert> {
        self.rules
            .iter()
            .flat_map(|r| r.resolved.iter().cloned())
            .collect()
    }

    /// Each rule's health, last error, last evaluation, state and alerts, in the same shape
    /// as the rules Prometheus reports.
    pub fn rule_statuses(&self) -> Vec<RuleStatus> {
        self.rules.iter().map(RuleState::status).collect()
    }
}

impl RuleState {
    /// The instances a result makes active, keyed by their labels, before any state.
    fn instances(&self, at: f64, samples: &[Sample]) -> Result<BTreeMap<Labels, Alert>, String> {
        let rule = &self.rule;
        let mut current = BTreeMap::new();
        for sample in samples {
            let data = TemplateData {
                labels: &sample.labels,
                value: sample.value,
            };
            let mut labels = sample.labels.clone();
            labels.remove("__name__");
            for (name, value) in &rule.labels {
                let value = expand(value, &data);
                // Prometheus' label builder removes a label set to the empty string.
                if value.is_empty() {
                    labels.remove(name);
                } else {
                    labels.insert(name.clone(), value);
                }
            }
            labels.insert("alertname".to_string(), rule.name.clone());
            let annotations = rule
                .annotations
                .iter()
                .map(|(name, text)| (name.clone(), expand(text, &data)))
                .collect();
            if current.contains_key(&labels) {
                // Prometheus' own words; the previous state is kept.
                return Err(
                    "vector contains metrics with the same labelset after applying alert labels"
                        .to_string(),
                );
            }
            current.insert(
                labels.clone(),
                Alert {
                    name: rule.name.clone(),
                    labels,
                    annotations,
                    state: AlertState::Pending,
                    active_at: at,
                    value: sample.value,
                    source: AlertSource::Local,
                },
            );
        }
        Ok(current)
    }

    fn update(&mut self, at: f64, mut current: BTreeMap<Labels, Alert>) {
        let hold = self.rule.for_duration.as_millis();
        let keep_firing = self.rule.keep_firing_for.as_millis();
        let elapsed_ms = |since: f64| {
            // Whole milliseconds, as Prometheus compares: float noise in `at - since`
            // must not delay firing by an evaluation.
            let ms = ((at - since) * 1000.0).round();
            if ms <= 0.0 { 0 } else { ms as u128 }
        };
        let mut resolved = Vec::new();
        self.active.retain(|labels, instance| {
            if let Some(fresh) = current.remove(labels) {
                // Still active: same identity, latest value and annotations.
                instance.alert.value = fresh.value;
                instance.alert.annotations = fresh.annotations;
                instance.missing_since = None;
                return true;
            }
            if instance.alert.state == AlertState::Firing && keep_firing > 0 {
                let since = *instance.missing_since.get_or_insert(at);
                if elapsed_ms(since) < keep_firing {
                    return true;
                }
            }
            // Only firing instances count as resolved; a pending one just goes away.
            if instance.alert.state == AlertState::Firing {
                resolved.push(ResolvedAlert {
                    alert: instance.alert.clone(),
                    resolved_at: at,
                });
            }
            false
        });
        for (labels, alert) in current {
            self.active.insert(
                labels,
                Instance {
                    alert,
                    missing_since: None,
                },
            );
        }
        for instance in self.active.values_mut() {
            let alert = &mut instance.alert;
            if alert.state == AlertState::Pending && elapsed_ms(alert.active_at) >= hold {
                alert.state = AlertState::Firing;
            }
        }
        self.resolved.extend(resolved);
        self.resolved
            .retain(|r| at - r.resolved_at <= RESOLVED_RETENTION_SECS);
        while self.resolved.len() > MAX_RESOLVED_PER_RULE {
            self.resolved.pop_front();
        }
    }

    fn status(&self) -> RuleStatus {
        let alerts: Vec<Alert> = self.active.values().map(|i| i.alert.clone()).collect();
        let state = alerts
            .iter()
            .map(|a| a.state)
            .max()
            .unwrap_or(AlertState::Inactive);
        RuleStatus {
            name: self.rule.name.clone(),
            kind: RuleKind::Alerting,
            query: self.rule.expr.clone(),
            duration: self.rule.for_duration.as_secs_f64(),
            labels: self.rule.labels.clone(),
            annotations: self.rule.annotations.clone(),
            health: self.health,
            last_error: self.last_error.clone(),
            last_evaluation: self.last_evaluation,
            evaluation_time: 0.0,
            state: Some(state),
            alerts,
        }
    }
}

/// Expands a label or annotation template; a broken template shows as Prometheus shows it.
fn expand(text: &str, data: &TemplateData<'_>) -> String {
    template::expand(text, data).unwrap_or_else(|e| format!("<error expanding template: {e}>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rule(for_secs: u64) -> AlertingRule {
        AlertingRule {
            name: "DatabaseReplicationLag".into(),
            expr: "db_replication_lag_seconds > 5".into(),
            for_duration: Duration::from_secs(for_secs),
            keep_firing_for: Duration::ZERO,
            labels: [("severity".to_string(), "critical".to_string())].into(),
            annotations: [
                (
                    "description".to_string(),
                    "Replication lag is {{ $value }}s".to_string(),
                ),
                (
                    "summary".to_string(),
                    "{{ $labels.replica }} lags".to_string(),
                ),
            ]
            .into(),
        }
    }

    fn sample(replica: &str, value: f64) -> Sample {
        Sample {
            labels: crate::model::labels::from_pairs(&[
                ("__name__", "db_replication_lag_seconds"),
                ("replica", replica),
                ("severity", "from-series"),
            ]),
            time: 0.0,
            value,
        }
    }

    fn states(e: &Evaluator) -> Vec<(String, AlertState)> {
        e.alerts()
            .into_iter()
            .map(|a| (a.labels["replica"].clone(), a.state))
            .collect()
    }

    #[test]
    fn pending_fires_at_exactly_for() {
        let mut e = Evaluator::new(vec![rule(30)]);
        let t0 = 1_700_000_000.123;
        e.evaluate(0, t0, Ok(&[sample("replica-2", 7.5)]));
        assert_eq!(states(&e), [("replica-2".into(), AlertState::Pending)]);
        e.evaluate(0, t0 + 15.0, Ok(&[sample("replica-2", 8.0)]));
        e.evaluate(0, t0 + 29.999, Ok(&[sample("replica-2", 8.0)]));
        assert_eq!(e.alerts()[0].state, AlertState::Pending);
        // 30.000 s later, even though the float difference is 29.99999…
        e.evaluate(0, t0 + 30.0, Ok(&[sample("replica-2", 9.25)]));
        let alert = &e.alerts()[0];
        assert_eq!(alert.state, AlertState::Firing);
        assert_eq!(alert.active_at, t0);
        assert_eq!(alert.value, 9.25);
        assert_eq!(alert.annotations["description"], "Replication lag is 9.25s");
        assert_eq!(alert.annotations["summary"], "replica-2 lags");
        assert_eq!(alert.severity(), Some("critical"));
        assert_eq!(alert.source, AlertSource::Local);
    }

    #[test]
    fn labels_drop_the_metric_name_and_rule_labels_win() {
        let mut e = Evaluator::new(vec![rule(0)]);
        e.evaluate(0, 10.0, Ok(&[sample("replica-2", 7.5)]));
        let labels = &e.alerts()[0].labels;
        let expected: Labels = crate::model::labels::from_pairs(&[
            ("alertname", "DatabaseReplicationLag"),
            ("replica", "replica-2"),
            ("severity", "critical"),
        ]);
        assert_eq!(labels, &expected);
    }

    #[test]
    fn for_zero_fires_at_once() {
        let mut e = Evaluator::new(vec![rule(0)]);
        e.evaluate(0, 10.0, Ok(&[sample("replica-2", 7.5)]));
        assert_eq!(states(&e), [("replica-2".into(), AlertState::Firing)]);
    }

    #[test]
    fn missing_instances_resolve() {
        let mut e = Evaluator::new(vec![rule(10)]);
        e.evaluate(
            0,
            0.0,
            Ok(&[sample("replica-1", 6.0), sample("replica-2", 7.0)]),
        );
        e.evaluate(
            0,
            10.0,
            Ok(&[sample("replica-1", 6.0), sample("replica-2", 7.0)]),
        );
        assert_eq!(e.alerts().len(), 2);
        // replica-1 recovers while firing; it is remembered as resolved.
        e.evaluate(0, 20.0, Ok(&[sample("replica-2", 7.0)]));
        assert_eq!(states(&e), [("replica-2".into(), AlertState::Firing)]);
        let resolved = e.resolved();
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].alert.labels["replica"], "replica-1");
        assert_eq!(resolved[0].resolved_at, 20.0);
        // An instance that comes back starts pending again.
        e.evaluate(
            0,
            30.0,
            Ok(&[sample("replica-1", 6.0), sample("replica-2", 7.0)]),
        );
        assert_eq!(
            states(&e),
            [
                ("replica-1".into(), AlertState::Pending),
                ("replica-2".into(), AlertState::Firing)
            ]
        );
        // A pending instance that goes away is simply dropped.
        e.evaluate(0, 35.0, Ok(&[]));
        assert!(e.alerts().is_empty());
        assert_eq!(e.resolved().len(), 2);
        assert_eq!(e.rule_statuses()[0].state, Some(AlertState::Inactive));
        // Resolved instances are forgotten after 15 minutes.
        e.evaluate(0, 35.0 + 16.0 * 60.0, Ok(&[]));
        assert!(e.resolved().is_empty());
    }

    #[test]
    fn a_query_error_keeps_the_state_and_marks_the_rule_unhealthy() {
        let mut e = Evaluator::new(vec![rule(10)]);
        assert_eq!(e.rule_statuses()[0].health, RuleHealth::Unknown);
        e.evaluate(0, 0.0, Ok(&[sample("replica-2", 7.0)]));
        let err = PromError::Timeout(Duration::from_secs(10));
        e.evaluate(0, 5.0, Err(&err));
        e.evaluate(0, 10.0, Err(&err));
        assert_eq!(states(&e), [("replica-2".into(), AlertState::Pending)]);
        let status = &e.rule_statuses()[0];
        assert_eq!(status.health, RuleHealth::Error);
        assert_eq!(status.last_error.as_deref(), Some("timed out after 10s"));
        assert_eq!(status.last_evaluation, Some(10.0));
        assert_eq!(status.state, Some(AlertState::Pending));
        // The next good answer continues from the kept state and clears the error.
        e.evaluate(0, 11.0, Ok(&[sample("replica-2", 7.0)]));
        assert_eq!(states(&e), [("replica-2".into(), AlertState::Firing)]);
        let status = &e.rule_statuses()[0];
        assert_eq!(
            (status.health, status.last_error.clone()),
            (RuleHealth::Ok, None)
        );
    }

    #[test]
    fn duplicate_label_sets_are_an_error_like_in_prometheus() {
        let mut e = Evaluator::new(vec![rule(0)]);
        let mut other = sample("replica-2", 8.0);
        other
            .labels
            .insert("__name__".into(), "another_metric".into());
        e.evaluate(0, 1.0, Ok(&[sample("replica-2", 7.0), other]));
        assert!(e.alerts().is_empty());
        let status = &e.rule_statuses()[0];
        assert_eq!(status.health, RuleHealth::Error);
        assert!(
            status
                .last_error
                .as_deref()
                .unwrap()
                .contains("same labelset")
        );
    }

    #[test]
    fn keep_firing_for_holds_a_resolved_instance() {
        let mut r = rule(0);
        r.keep_firing_for = Duration::from_secs(10);
        let mut e = Evaluator::new(vec![r]);
        e.evaluate(0, 0.0, Ok(&[sample("replica-2", 7.0)]));
        e.evaluate(0, 5.0, Ok(&[]));
        e.evaluate(0, 14.0, Ok(&[]));
        assert_eq!(states(&e), [("replica-2".into(), AlertState::Firing)]);
        e.evaluate(0, 15.0, Ok(&[]));
        assert!(e.alerts().is_empty());
    }

    #[test]
    fn late_answers_and_unknown_rules_are_ignored() {
        let mut e = Evaluator::new(vec![rule(10)]);
        e.evaluate(0, 10.0, Ok(&[sample("replica-2", 7.0)]));
        e.evaluate(0, 5.0, Ok(&[]));
        e.evaluate(7, 11.0, Ok(&[]));
        assert_eq!(e.alerts().len(), 1);
        assert_eq!(e.alerts()[0].active_at, 10.0);
    }

    #[test]
    fn templated_rule_labels() {
        let mut r = rule(0);
        r.labels
            .insert("summary_replica".into(), "{{ $labels.replica }}".into());
        // Expands to "": Prometheus drops the label.
        r.labels
            .insert("empty".into(), "{{ $labels.nothing }}".into());
        let mut e = Evaluator::new(vec![r]);
        e.evaluate(0, 1.0, Ok(&[sample("replica-2", 7.0)]));
        let labels = &e.alerts()[0].labels;
        assert_eq!(labels["summary_replica"], "replica-2");
        assert!(!labels.contains_key("empty"));
    }
}
