//! Sloth's `prometheus/v1` spec: a service and its SLOs, each SLI a pair of PromQL queries
//! with `{{.window}}` in them. The spec has no SLO window: Sloth's default period, 30 days,
//! is taken.

use super::out::{
    Doc, SliOut, SloOut, le_of, not_a_counter, objective, parse, rate_of, selector_text,
};
use crate::config::ConfigError;
use crate::config::layout::slo::COUNTER;
use serde::Deserialize;
use std::time::Duration;

/// The one spec version this reads.
pub const VERSION: &str = "prometheus/v1";

/// Sloth's `--default-slo-period`.
const PERIOD: Duration = Duration::from_secs(30 * 86_400);

#[derive(Deserialize)]
struct Spec {
    service: String,
    #[serde(default)]
    slos: Vec<SlothSlo>,
}

#[derive(Deserialize)]
struct SlothSlo {
    name: String,
    objective: f64,
    description: Option<String>,
    sli: Sli,
    alerting: Option<Alerting>,
}

#[derive(Deserialize)]
struct Sli {
    events: Option<Events>,
    raw: Option<serde_yaml_ng::Value>,
    plugin: Option<serde_yaml_ng::Value>,
}

#[derive(Deserialize)]
struct Events {
    error_query: String,
    total_query: String,
}

#[derive(Deserialize)]
struct Alerting {
    name: Option<String>,
}

/// The SLOs of one document whose `version` is [`VERSION`].
pub fn convert(doc: &Doc) -> Result<Vec<SloOut>, ConfigError> {
    let spec: Spec =
        serde_yaml_ng::from_str(doc.text).map_err(|e| doc.yaml_error("Sloth spec", &e))?;
    if spec.slos.is_empty() {
        return Err(doc.error_at_key(
            "slos",
            0,
            "slos",
            "a Sloth spec needs at least one SLO".into(),
        ));
    }
    let mut out = Vec::new();
    for (i, slo) in spec.slos.iter().enumerate() {
        let path = format!("slos[{i}]");
        let objective = objective(
            doc,
            slo.objective,
            "objective",
            i,
            &format!("{path}.objective"),
        )?;
        let Some(events) = &slo.sli.events else {
            let what = if slo.sli.raw.is_some() {
                "a raw error-ratio SLI"
            } else if slo.sli.plugin.is_some() {
                "an SLI plugin"
            } else {
                "no SLI"
            };
            return Err(doc.error_at_key(
                "sli",
                i,
                &format!("{path}.sli"),
                format!("SLO \"{}\" has {what}: spheroseg-top reads events SLIs (error_query and total_query over counters)", slo.name),
            ));
        };
        out.push(SloOut {
            name: slo.name.clone(),
            service: spec.service.clone(),
            description: slo.description.clone(),
            objective,
            window: PERIOD,
            sli: events_sli(doc, events, i, &path)?,
            alert: slo.alerting.as_ref().and_then(|a| a.name.clone()),
        });
    }
    Ok(out)
}

/// `sum(rate(errors[w])) / sum(rate(total[w]))` as an error ratio, or
/// `(count − bucket{le}) / count` as a latency SLI; anything else is not read.
fn events_sli(doc: &Doc, events: &Events, i: usize, path: &str) -> Result<SliOut, ConfigError> {
    let with_window = |q: &str| {
        q.replace("{{.window}}", "5m")
            .replace("{{ .window }}", "5m")
    };
    let (errors, total) = (
        parse(&with_window(&events.error_query)),
        parse(&with_window(&events.total_query)),
    );
    let not_counters = |key: &str, query: &str| {
        doc.error_at_key(
            key,
            i,
            &format!("{path}.sli.events.{key}"),
            format!(
                "not a rate of counters: {}; spheroseg-top reads sum(rate(<counter>[{{{{.window}}}}])), or for latency sum(rate(<x>_count[…])) - sum(rate(<x>_bucket{{le=\"…\"}}[…]))",
                query.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
        )
    };
    let Some(total_selector) = total.as_ref().and_then(rate_of) else {
        return Err(not_counters("total_query", &events.total_query));
    };
    let total_text = selector_text(total_selector, &[]);
    let counter = |key: &str, selector, suffixes| match not_a_counter(selector, suffixes) {
        Some(problem) => Err(doc.error_at_key(
            key,
            i,
            &format!("{path}.sli.events.{key}"),
            format!("an SLI must be over counters: {problem}"),
        )),
        None => Ok(()),
    };
    counter("total_query", total_selector, COUNTER)?;
    if let Some(errors) = errors.as_ref().and_then(rate_of) {
        counter("error_query", errors, COUNTER)?;
        return Ok(SliOut::Ratio {
            errors: selector_text(errors, &[]),
            total: total_text,
        });
    }
    // The latency form: all requests less those at or under the bound.
    let latency = errors.as_ref().and_then(|e| {
        let mut e = e;
        while let promql_parser::parser::Expr::Paren(p) = e {
            e = &p.expr;
        }
        match e {
            promql_parser::parser::Expr::Binary(b) if b.op.to_string() == "-" => {
                let (all, good) = (rate_of(&b.lhs)?, rate_of(&b.rhs)?);
                let le = le_of(good)?;
                (selector_text(all, &[]) == total_text).then_some((good, le))
            }
            _ => None,
        }
    });
    let Some((good, le)) = latency else {
        return Err(not_counters("error_query", &events.error_query));
    };
    counter("error_query", good, &["_bucket"])?;
    Ok(SliOut::Latency {
        bucket: selector_text(good, &["le"]),
        le,
    })
}
