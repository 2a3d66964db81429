//! `slo rules`: Prometheus recording and alerting rules for a layout's SLOs, in Sloth's
//! naming (`slo:sli_error:ratio_rate5m{sloth_id=…}`, `slo:period_error_budget_remaining:ratio`
//! …), so dashboards made for Sloth read them and the SLO tab reads them instead of asking
//! long windows raw. The same SLOs always give the same text.

use crate::config::layout::Slo;
use crate::model::slo::{self, ALERTS, Severity, Window};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert: Option<String>,
    expr: String,
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

impl Rule {
    fn record(name: String, expr: String, labels: BTreeMap<String, String>) -> Rule {
        Rule {
            record: Some(name),
            alert: None,
            expr,
            labels,
            annotations: BTreeMap::new(),
        }
    }
}

/// Sloth's name of the error-ratio rule over `window`.
pub fn ratio_rule(window: Duration) -> String {
    format!(
        "slo:sli_error:ratio_rate{}",
        slo::prometheus_duration(window)
    )
}

/// The three labels that name an SLO's series, as Sloth writes them.
fn id_labels(slo: &Slo) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("sloth_id".to_string(), slo.id()),
        ("sloth_service".to_string(), slo.service.clone()),
        ("sloth_slo".to_string(), slo.slug()),
    ])
}

/// `{k="v", …}` of the id labels, sorted, as Sloth's filters read.
fn id_filter(slo: &Slo) -> String {
    let pairs: Vec<String> = id_labels(slo)
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// A ratio written without float noise: eleven significant digits are far beyond any
/// objective's, and drop the 0.00099999… of 1 − 0.999.
fn tidy(ratio: f64) -> String {
    let rounded: f64 = format!("{ratio:.10e}").parse().unwrap_or(ratio);
    format!("{rounded}")
}

/// The error budget as a ratio (99.9 → 0.001).
fn budget_text(objective: f64) -> String {
    tidy((100.0 - objective) / 100.0)
}

/// The rule file for `slos`, as YAML.
// Long: each SLO's three groups (SLI, meta, alerts) written in Sloth's order from the
// names, labels and budget text they share; a split passes them all along.
pub fn rules(slos: &[Slo]) -> String {
    let mut groups = Vec::new();
    for slo in slos {
        let id = slo.id();
        let filter = id_filter(slo);
        let mut windows: Vec<Duration> = slo.burn_windows.to_vec();
        windows.sort();
        windows.dedup();
        let mut sli = Vec::new();
        for w in &windows {
            let mut labels = id_labels(slo);
            labels.insert("sloth_window".into(), slo::prometheus_duration(*w));
            sli.push(Rule::record(
                ratio_rule(*w),
                slo.error_ratio_expr(*w),
                labels,
            ));
        }
        // The window's ratio as Sloth writes it: the time average of the fastest rule, cheap
        // to evaluate however long the window.
        let fastest = ratio_rule(slo.burn_window(Window::M5));
        let period = slo::prometheus_duration(slo.window);
        let mut labels = id_labels(slo);
        labels.insert("sloth_window".into(), period.clone());
        sli.push(Rule::record(
            ratio_rule(slo.window),
            format!(
                "sum_over_time({fastest}{filter}[{period}]) / ignoring (sloth_window) count_over_time({fastest}{filter}[{period}])"
            ),
            labels,
        ));
        groups.push(Group {
            name: format!("sloth-slo-sli-recordings-{id}"),
            rules: sli,
        });

        let budget = budget_text(slo.objective);
        let objective = tidy(slo.objective / 100.0);
        let burn = |rule: &str| {
            format!(
                "{rule}{filter} / on(sloth_id, sloth_slo, sloth_service) group_left slo:error_budget:ratio{filter}"
            )
        };
        let mut info = id_labels(slo);
        info.insert("sloth_objective".into(), format!("{}", slo.objective));
        info.insert("sloth_spec".into(), "prometheus/v1".into());
        info.insert("sloth_mode".into(), "cli-gen-prom".into());
        info.insert("sloth_version".into(), "spheroseg-top".into());
        let meta = vec![
            Rule::record(
                "slo:objective:ratio".into(),
                format!("vector({objective})"),
                id_labels(slo),
            ),
            Rule::record(
                "slo:error_budget:ratio".into(),
                format!("vector({budget})"),
                id_labels(slo),
            ),
            Rule::record(
                "slo:time_period:days".into(),
                format!("vector({})", slo.window.as_secs_f64() / 86_400.0),
                id_labels(slo),
            ),
            Rule::record(
                "slo:current_burn_rate:ratio".into(),
                burn(&fastest),
                id_labels(slo),
            ),
            Rule::record(
                "slo:period_burn_rate:ratio".into(),
                burn(&ratio_rule(slo.window)),
                id_labels(slo),
            ),
            Rule::record(
                "slo:period_error_budget_remaining:ratio".into(),
                format!("1 - slo:period_burn_rate:ratio{filter}"),
                id_labels(slo),
            ),
            Rule::record("sloth_slo_info".into(), "vector(1)".into(), info),
        ];
        groups.push(Group {
            name: format!("sloth-slo-meta-recordings-{id}"),
            rules: meta,
        });

        let alerts = [Severity::Page, Severity::Ticket]
            .into_iter()
            .map(|severity| alert_rule(slo, severity, &filter, &budget))
            .collect();
        groups.push(Group {
            name: format!("sloth-slo-alerts-{id}"),
            rules: alerts,
        });
    }
    let file = RuleFile { groups };
    let yaml = serde_yaml_ng::to_string(&file).unwrap_or_default();
    format!(
        "# Generated by `spheroseg-top slo rules` from the layout's [[slo]] (Sloth's naming).\n# Load it with rule_files: in prometheus.yml; check it with `promtool check rules`.\n{yaml}"
    )
}

/// The page (or ticket) alert: either of its two window pairs burning past its factor.
fn alert_rule(slo: &Slo, severity: Severity, filter: &str, budget: &str) -> Rule {
    let pair = |short: Window, long: Window, factor: f64| {
        let over = |w: Window| {
            format!(
                "max({}{filter} > ({factor} * {budget})) without (sloth_window)",
                ratio_rule(slo.burn_window(w))
            )
        };
        format!("({} and {})", over(short), over(long))
    };
    let expr = ALERTS
        .iter()
        .filter(|a| a.severity == severity)
        .map(|a| pair(a.short, a.long, a.factor))
        .collect::<Vec<_>>()
        .join(" or ");
    let (sloth, level) = match severity {
        Severity::Page => ("page", "critical"),
        Severity::Ticket => ("ticket", "warning"),
    };
    Rule {
        record: None,
        alert: Some(slo.alert.clone()),
        expr,
        labels: BTreeMap::from([
            ("sloth_severity".to_string(), sloth.to_string()),
            ("severity".to_string(), level.to_string()),
        ]),
        annotations: BTreeMap::from([
            (
                "title".to_string(),
                format!(
                    "({sloth}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} SLO error budget burn rate is too fast."
                ),
            ),
            (
                "summary".to_string(),
                format!(
                    "{}: errors spend the budget of the {}% objective over {} too fast.",
                    slo.name,
                    slo.objective,
                    slo::prometheus_duration(slo.window)
                ),
            ),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_written_without_float_noise() {
        assert_eq!(budget_text(99.0), "0.01");
        assert_eq!(budget_text(99.9), "0.001");
        assert_eq!(budget_text(95.0), "0.05");
        assert_eq!(budget_text(99.99), "0.0001");
    }
}
