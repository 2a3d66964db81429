//! Do the dashboard's KPI thresholds and the alerting rules agree? A KPI and a rule that
//! watch the same metric with different thresholds mean the screen turns red at another
//! point than the pager does; this finds them.

use super::gofmt;
use super::promql::{self, CmpOp};
use super::rules::AlertingRule;
use crate::model::Direction;
use std::collections::BTreeSet;
use std::fmt;

/// A KPI as the consistency check needs it: a name, a query and its alert threshold in the
/// query's own unit (seconds for latencies, as the rules write them).
#[derive(Clone, Debug, PartialEq)]
pub struct KpiWatch {
    pub name: String,
    pub query: String,
    pub alert: f64,
    pub direction: Direction,
}

/// A KPI and an alerting rule that watch a common metric but disagree on when it is bad.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    pub kpi: String,
    pub kpi_threshold: f64,
    pub kpi_direction: Direction,
    pub rule: String,
    pub rule_threshold: f64,
    pub rule_op: CmpOp,
    /// The metrics both read.
    pub metrics: BTreeSet<String>,
}

impl Mismatch {
    fn rule_direction(&self) -> Direction {
        Direction::watched_by(self.rule_op.higher_is_worse())
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kpi_side = self.kpi_direction.word();
        let rule_side = match self.rule_op {
            CmpOp::Greater => "above",
            CmpOp::GreaterEqual => "at or above",
            CmpOp::Less => "below",
            CmpOp::LessEqual => "at or below",
        };
        let metrics: Vec<&str> = self.metrics.iter().map(String::as_str).collect();
        write!(
            f,
            "KPI \"{}\" alerts {kpi_side} {} but rule {} fires {rule_side} {} ({})",
            self.kpi,
            gofmt::value(self.kpi_threshold),
            self.rule,
            gofmt::value(self.rule_threshold),
            metrics.join(", ")
        )
    }
}

/// Every (KPI, rule) pair that shares a metric and differs in threshold or direction.
/// Rules whose expression is not `<expr> <op> <number>` are skipped: their threshold
/// cannot be read without evaluating PromQL.
pub fn mismatches<'a>(
    kpis: &[KpiWatch],
    rules: impl IntoIterator<Item = &'a AlertingRule>,
) -> Vec<Mismatch> {
    let rules: Vec<(&AlertingRule, promql::Comparison, BTreeSet<String>)> = rules
        .into_iter()
        .filter_map(|r| {
            let threshold = promql::comparison(&r.expr)?;
            let names = threshold.metric_names();
            Some((r, threshold, names))
        })
        .collect();
    let mut found = Vec::new();
    for kpi in kpis {
        let kpi_metrics = promql::metric_names(&kpi.query);
        for (rule, threshold, rule_metrics) in &rules {
            let shared: BTreeSet<String> =
                kpi_metrics.intersection(rule_metrics).cloned().collect();
            if shared.is_empty() {
                continue;
            }
            let mismatch = Mismatch {
                kpi: kpi.name.clone(),
                kpi_threshold: kpi.alert,
                kpi_direction: kpi.direction,
                rule: rule.name.clone(),
                rule_threshold: threshold.value,
                rule_op: threshold.op,
                metrics: shared,
            };
            if mismatch.rule_direction() != kpi.direction || !same(kpi.alert, threshold.value) {
                found.push(mismatch);
            }
        }
    }
    found
}

/// Equal up to float noise (`0.5` written as `500e-3`, or computed as `500 / 1000`).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn kpi(name: &str, query: &str, alert: f64) -> KpiWatch {
        KpiWatch {
            name: name.into(),
            query: query.into(),
            alert,
            direction: Direction::Above,
        }
    }

    fn guide_rules() -> Vec<AlertingRule> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/spheroseg.yml");
        super::super::rules::RuleFile::load(&path)
            .unwrap()
            .alerting_rules()
            .cloned()
            .collect()
    }

    #[test]
    fn the_guides_kpis_agree_with_its_rules() {
        let kpis = [
            kpi(
                "API Response Time (p95)",
                "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
                0.5,
            ),
            kpi("Replication Lag", "max(db_replication_lag_seconds)", 5.0),
            kpi("Queue Size", "sum(ml_tasks_queued)", 100.0),
            kpi("Memory Usage", "process_resident_memory_bytes", 0.9),
        ];
        assert_eq!(mismatches(&kpis, &guide_rules()), []);
    }

    #[test]
    fn different_thresholds_on_a_shared_metric_are_found() {
        let mut rules = guide_rules();
        rules[1].expr = "db_replication_lag_seconds > 10".into();
        let kpis = [kpi(
            "Replication lag",
            "max by (replica) (db_replication_lag_seconds)",
            5.0,
        )];
        let found = mismatches(&kpis, &rules);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].to_string(),
            "KPI \"Replication lag\" alerts above 5 but rule DatabaseReplicationLag fires above 10 (db_replication_lag_seconds)"
        );
        assert_eq!(
            (found[0].kpi_threshold, found[0].rule_threshold),
            (5.0, 10.0)
        );
    }

    #[test]
    fn opposite_directions_and_reversed_comparisons() {
        let mut rules = guide_rules();
        rules[2].expr = "100 <= ml_tasks_queued".into();
        let queue = kpi("Queue Size", "sum(ml_tasks_queued)", 100.0);
        assert_eq!(mismatches(std::slice::from_ref(&queue), &rules), []);
        let below = KpiWatch {
            direction: Direction::Below,
            ..queue
        };
        let found = mismatches(&[below], &rules);
        assert_eq!(
            found[0].to_string(),
            "KPI \"Queue Size\" alerts below 100 but rule MLQueueBacklog fires at or above 100 (ml_tasks_queued)"
        );
    }

    #[test]
    fn rules_without_a_plain_threshold_are_skipped() {
        let mut rules = guide_rules();
        rules[1].expr = "db_replication_lag_seconds > on (replica) db_replication_lag_limit".into();
        let kpis = [kpi("Replication lag", "db_replication_lag_seconds", 5.0)];
        assert_eq!(mismatches(&kpis, &rules), []);
    }
}
