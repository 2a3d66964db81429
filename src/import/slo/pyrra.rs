//! Pyrra's `ServiceLevelObjective` (`pyrra.dev/v1alpha1`): a target in percent, a window,
//! and a ratio or latency indicator over counter selectors. Grouping is left out: the
//! dashboard's SLO is over every series.

use super::out::{Doc, SliOut, SloOut, le_of, not_a_counter, objective, parse, selector_text};
use crate::config::ConfigError;
use crate::config::layout::slo::COUNTER;
use promql_parser::parser::Expr;
use serde::Deserialize;

/// The one API version this reads.
pub const API_VERSION: &str = "pyrra.dev/v1alpha1";
pub const KIND: &str = "ServiceLevelObjective";

#[derive(Deserialize)]
struct Object {
    metadata: Metadata,
    spec: Spec,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct Spec {
    description: Option<String>,
    target: serde_yaml_ng::Value,
    window: String,
    indicator: Indicator,
    alerting: Option<Alerting>,
}

#[derive(Deserialize)]
struct Indicator {
    ratio: Option<Pair>,
    latency: Option<Latency>,
    #[serde(rename = "latencyNative")]
    latency_native: Option<serde_yaml_ng::Value>,
    bool_gauge: Option<serde_yaml_ng::Value>,
}

#[derive(Deserialize)]
struct Pair {
    errors: Metric,
    total: Metric,
}

#[derive(Deserialize)]
struct Latency {
    success: Metric,
}

#[derive(Deserialize)]
struct Metric {
    metric: String,
}

#[derive(Deserialize)]
struct Alerting {
    name: Option<String>,
}

/// The SLO of one document whose `apiVersion` is [`API_VERSION`].
pub fn convert(doc: &Doc) -> Result<SloOut, ConfigError> {
    let object: Object = serde_yaml_ng::from_str(doc.text)
        .map_err(|e| doc.yaml_error("Pyrra ServiceLevelObjective", &e))?;
    let spec = &object.spec;
    let target = match &spec.target {
        serde_yaml_ng::Value::String(s) => s.trim().parse::<f64>().ok(),
        serde_yaml_ng::Value::Number(n) => n.as_f64(),
        _ => None,
    };
    let Some(target) = target else {
        return Err(doc.error_at_key(
            "target",
            0,
            "spec.target",
            "target must be a percentage, e.g. '99.9'".into(),
        ));
    };
    let objective = objective(doc, target, "target", 0, "spec.target")?;
    let window = crate::config::duration::parse(&weeks_as_days(&spec.window))
        .map_err(|e| doc.error_at_key("window", 0, "spec.window", e))?;
    let sli = indicator_sli(doc, &spec.indicator)?;
    Ok(SloOut {
        name: object.metadata.name.clone(),
        service: object
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| object.metadata.name.clone()),
        description: spec.description.clone(),
        objective,
        window,
        sli,
        alert: spec.alerting.as_ref().and_then(|a| a.name.clone()),
    })
}

/// A ratio indicator's two counters, or a latency indicator's buckets and bound.
fn indicator_sli(doc: &Doc, indicator: &Indicator) -> Result<SliOut, ConfigError> {
    match (&indicator.ratio, &indicator.latency) {
        (Some(ratio), None) => Ok(SliOut::Ratio {
            errors: selector(
                doc,
                &ratio.errors.metric,
                0,
                "spec.indicator.ratio.errors.metric",
            )?,
            total: selector(
                doc,
                &ratio.total.metric,
                1,
                "spec.indicator.ratio.total.metric",
            )?,
        }),
        (None, Some(latency)) => {
            let path = "spec.indicator.latency.success.metric";
            let parsed = parse(&latency.success.metric);
            let Some(Expr::VectorSelector(success)) = &parsed else {
                return Err(not_a_selector(doc, &latency.success.metric, 0, path));
            };
            if let Some(problem) = not_a_counter(success, &["_bucket"]) {
                return Err(doc.error_at_key("metric", 0, path, format!("a latency indicator's success metric must be a histogram's buckets: {problem}")));
            }
            let Some(le) = le_of(success) else {
                return Err(doc.error_at_key("metric", 0, path, "a latency indicator's success metric needs an le=\"…\" matcher: the bound of a good request".into()));
            };
            Ok(SliOut::Latency {
                bucket: selector_text(success, &["le"]),
                le,
            })
        }
        _ => {
            let what = if indicator.latency_native.is_some() {
                "latencyNative (a native histogram)"
            } else if indicator.bool_gauge.is_some() {
                "bool_gauge (a gauge, not counters)"
            } else {
                "no ratio or latency indicator"
            };
            Err(doc.error_at_key(
                "indicator",
                0,
                "spec.indicator",
                format!("{what}: spheroseg-top reads a ratio or a latency indicator over counters"),
            ))
        }
    }
}

/// Prometheus' `4w` as `28d`: the layout's durations have no weeks.
fn weeks_as_days(window: &str) -> String {
    match window
        .trim()
        .strip_suffix('w')
        .and_then(|n| n.parse::<u64>().ok())
    {
        Some(weeks) => format!("{}d", weeks * 7),
        None => window.trim().to_string(),
    }
}

/// A plain selector, as Pyrra requires.
fn selector(doc: &Doc, metric: &str, nth: usize, path: &str) -> Result<String, ConfigError> {
    match parse(metric) {
        Some(Expr::VectorSelector(s)) => match not_a_counter(&s, COUNTER) {
            Some(problem) => Err(doc.error_at_key(
                "metric",
                nth,
                path,
                format!("an SLI must be over counters: {problem}"),
            )),
            None => Ok(selector_text(&s, &[])),
        },
        _ => Err(not_a_selector(doc, metric, nth, path)),
    }
}

fn not_a_selector(doc: &Doc, metric: &str, nth: usize, path: &str) -> ConfigError {
    doc.error_at_key(
        "metric",
        nth,
        path,
        format!("`{metric}` is not a counter selector (Pyrra's metrics are plain selectors)"),
    )
}
