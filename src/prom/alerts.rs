//! Alerts and rule states as the dashboard shows them, whether Prometheus reported them
//! (`/api/v1/alerts`, `/api/v1/rules`) or the local evaluator computed them. Plain data:
//! recorded and replayed like query answers.

use crate::model::Labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an alert or a rule state comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSource {
    /// Evaluated by spheroseg-top from a rule file.
    Local,
    /// Reported by Prometheus.
    Server,
}

/// Prometheus' alert states, ordered from least to most severe so that a rule's state is the
/// maximum of its alerts'. Alerts themselves are only ever `Pending` or `Firing`; `Inactive`
/// is the state of a rule with no active alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    /// Prometheus' own word for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// One active alert instance: a series of a rule's expression, with the rule's labels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The rule's name (the `alertname` label).
    pub name: String,
    /// Series labels without `__name__`, plus the rule's labels, plus `alertname`.
    pub labels: Labels,
    /// Annotations with their templates expanded.
    pub annotations: BTreeMap<String, String>,
    pub state: AlertState,
    /// Unix seconds of the evaluation that first saw this instance active.
    pub active_at: f64,
    /// The expression's value for this series at the latest evaluation.
    pub value: f64,
    pub source: AlertSource,
}

impl Alert {
    /// The `severity` label (`warning`, `critical`, …), if the rule sets one.
    pub fn severity(&self) -> Option<&str> {
        self.labels.get("severity").map(String::as_str)
    }
}

/// A rule's health, as Prometheus reports it: unknown until first evaluated, then whether
/// its last evaluation succeeded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleHealth {
    #[default]
    Unknown,
    Ok,
    #[serde(rename = "err")]
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Alerting,
    Recording,
}

/// One rule and how its evaluation went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleStatus {
    /// The alert name or the recorded metric name.
    pub name: String,
    pub kind: RuleKind,
    /// The PromQL expression.
    pub query: String,
    /// The rule's `for`, in seconds (0 for recording rules).
    pub duration: f64,
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
    pub health: RuleHealth,
    pub last_error: Option<String>,
    /// Unix seconds of the last evaluation; `None` before the first.
    pub last_evaluation: Option<f64>,
    /// How long the last evaluation took, in seconds (0 when unknown).
    pub evaluation_time: f64,
    /// Alerting rules: the most severe state of their alerts. `None` for recording rules.
    pub state: Option<AlertState>,
    /// Alerting rules: their active alerts.
    pub alerts: Vec<Alert>,
}

/// A rule group as Prometheus reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleGroupStatus {
    pub name: String,
    /// The rule file the group came from, as Prometheus names it.
    pub file: String,
    /// Evaluation interval in seconds.
    pub interval: f64,
    pub rules: Vec<RuleStatus>,
    pub last_evaluation: Option<f64>,
    pub evaluation_time: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_order_by_severity() {
        assert!(AlertState::Firing > AlertState::Pending);
        assert!(AlertState::Pending > AlertState::Inactive);
        assert_eq!(
            serde_json::to_string(&RuleHealth::Error).unwrap(),
            "\"err\""
        );
    }
}
