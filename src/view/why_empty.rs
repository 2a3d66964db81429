//! Why a query has no data, in the words an operator needs: the metric does not exist on
//! this server, it exists only on targets that are down, or a label matcher selects
//! nothing. Derived from the expression's selectors and what Prometheus answered about
//! them (`store::server`); [`requests`] says what is still to be asked.

use crate::alerts::selectors::{Selector, selectors};
use crate::config::layout::QueryId;
use crate::event::ServerRequest;
use crate::model::matcher::Matcher;
use crate::prom::status::{Target, TargetHealth};
use crate::store::server::{Answer, ServerState};
use crate::store::{QueryData, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The most likely reason a query returns nothing. Serialised with its `kind` for
/// machine-readable output (a snapshot's JSON); `Display` gives the sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// No series of the metric at all, within the lookback.
    NoMetric { metric: String },
    /// The series exist, but only on targets that are down.
    TargetDown {
        job: String,
        instance: String,
        /// The cause of its last scrape error.
        error: Option<String>,
        /// Seconds since the dashboard first saw it down.
        down_for: Option<f64>,
    },
    /// One matcher selects no value the label takes.
    NoValue {
        matcher: String,
        label: String,
        values: usize,
    },
    /// The metric's series have no such label.
    NoLabel { metric: String, label: String },
    /// Each matcher alone selects something; together nothing.
    NoCombination { selector: String },
    /// The selected series exist and their targets are up: the expression itself (a
    /// comparison, a filter) leaves nothing now.
    Filtered { selector: String, series: usize },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoMetric { metric } => {
                write!(f, "metric {metric} does not exist on this server")
            }
            Reason::TargetDown {
                job,
                instance,
                error,
                down_for,
            } => {
                write!(f, "target {job} {instance} down")?;
                if let Some(error) = error {
                    write!(f, ": {error}")?;
                }
                if let Some(seconds) = down_for {
                    write!(f, ", {} s", seconds.max(0.0).round() as u64)?;
                }
                Ok(())
            }
            Reason::NoValue {
                matcher,
                label,
                values,
            } => write!(
                f,
                "no series with {matcher}; {label} has {values} value{}",
                if *values == 1 { "" } else { "s" }
            ),
            Reason::NoLabel { metric, label } => {
                write!(f, "no series of {metric} has the label {label}")
            }
            Reason::NoCombination { selector } => {
                write!(f, "no series matches all of {selector}")
            }
            Reason::Filtered { selector, series } => write!(
                f,
                "{series} series match {selector}; the expression leaves none now"
            ),
        }
    }
}

/// Whether a query has answered, without error, with no series: the case to explain.
pub fn is_empty(query: &QueryData) -> bool {
    query.error.is_none() && query.last_eval.is_some() && query.current().next().is_none()
}

/// The reason for every empty query that can be told one, by query id: what a snapshot
/// or a screen shows.
pub fn reasons(store: &Store, now: f64) -> BTreeMap<QueryId, Reason> {
    store
        .queries()
        .iter()
        .enumerate()
        .filter(|(_, q)| is_empty(q))
        .filter_map(|(id, q)| Some((id, reason(&q.expr, &store.server, now)?)))
        .collect()
}

/// The most likely reason `expr` finds nothing, from what the server answered; `None`
/// until enough is known. The first selector with a reason tells it; a filtered-out
/// result is said only when no selector explains more.
pub fn reason(expr: &str, server: &ServerState, now: f64) -> Option<Reason> {
    let mut fallback = None;
    for selector in selectors(expr) {
        let Some(list) = ok(server.series.get(&selector.text())) else {
            continue;
        };
        if list.series.is_empty() {
            if let Some(reason) = no_series(&selector, server, now) {
                return Some(reason);
            }
            continue;
        }
        let targets: Vec<&Target> = list
            .series
            .iter()
            .filter_map(|labels| {
                server.targets().iter().find(|t| {
                    t.labels.get("job") == labels.get("job")
                        && t.labels.get("instance") == labels.get("instance")
                })
            })
            .collect();
        if let Some(down) = targets.first()
            && targets.iter().all(|t| t.health == TargetHealth::Down)
        {
            return Some(target_down(down, server, now));
        }
        fallback.get_or_insert(Reason::Filtered {
            selector: selector.text(),
            series: list.total,
        });
    }
    fallback
}

fn target_down(target: &Target, server: &ServerState, now: f64) -> Reason {
    Reason::TargetDown {
        job: target.job().to_string(),
        instance: target.instance().to_string(),
        error: target.error_cause().map(str::to_string),
        down_for: server
            .down_since
            .get(&target.labels)
            .map(|since| now - since),
    }
}

/// A down target that `selector`'s matchers on target labels (`job`, `instance`, …) pick:
/// a target never scraped, or down for longer than the lookback, has left no series that
/// would tell it.
fn picked_down_target<'a>(selector: &Selector, server: &'a ServerState) -> Option<&'a Target> {
    server.targets().iter().find(|target| {
        let mut on_target = selector
            .matchers
            .iter()
            .filter_map(|m| Some((m, target.labels.get(&m.name)?)))
            .peekable();
        target.health == TargetHealth::Down
            && on_target.peek().is_some()
            && on_target.all(|(matcher, value)| matcher.accepts(value))
    })
}

/// Why `selector`, which matches no series, matches none.
fn no_series(selector: &Selector, server: &ServerState, now: f64) -> Option<Reason> {
    let no_metric = || Reason::NoMetric {
        metric: selector.metric.clone(),
    };
    if selector.matchers.is_empty() {
        return Some(no_metric());
    }
    let bare = ok(server.series.get(&selector.metric))?;
    if bare.series.is_empty() {
        return Some(no_metric());
    }
    for matcher in &selector.matchers {
        let key = (matcher.name.clone(), selector.metric.clone());
        let values = ok(server.values.get(&key))?;
        if let Some(reason) = unmatched(selector, matcher, values) {
            let down = picked_down_target(selector, server);
            return Some(down.map_or(reason, |target| target_down(target, server, now)));
        }
    }
    Some(Reason::NoCombination {
        selector: selector.text(),
    })
}

fn unmatched(selector: &Selector, matcher: &Matcher, values: &[String]) -> Option<Reason> {
    // A series without the label has it empty: `label=""` and `!=` match those.
    if values.is_empty() && !matcher.accepts("") {
        return Some(Reason::NoLabel {
            metric: selector.metric.clone(),
            label: matcher.name.clone(),
        });
    }
    (!values.is_empty() && !values.iter().any(|v| matcher.accepts(v))).then(|| Reason::NoValue {
        matcher: matcher.to_string(),
        label: matcher.name.clone(),
        values: values.len(),
    })
}

fn fresh<T>(answer: Option<&Answer<T>>, after: f64) -> bool {
    answer.is_some_and(|a| a.at >= after)
}

fn ok<T>(answer: Option<&Answer<T>>) -> Option<&T> {
    answer.and_then(|a| a.result.as_ref().ok())
}

/// What must still be asked to explain `expr`, given what is known; answers asked
/// before `fresh_after` count as unknown (they expire).
pub fn requests(expr: &str, server: &ServerState, fresh_after: f64) -> Vec<ServerRequest> {
    let mut needed = Vec::new();
    if !fresh(server.targets.as_ref(), fresh_after) {
        needed.push(ServerRequest::Targets);
    }
    for selector in selectors(expr) {
        let text = selector.text();
        if !fresh(server.series.get(&text), fresh_after) {
            needed.push(ServerRequest::Series { selector: text });
            continue;
        }
        let empty = ok(server.series.get(&text)).is_some_and(|l| l.series.is_empty());
        if !empty || selector.matchers.is_empty() {
            continue;
        }
        if !fresh(server.series.get(&selector.metric), fresh_after) {
            needed.push(ServerRequest::Series {
                selector: selector.metric.clone(),
            });
            continue;
        }
        for matcher in &selector.matchers {
            let key = (matcher.name.clone(), selector.metric.clone());
            if !fresh(server.values.get(&key), fresh_after) {
                needed.push(ServerRequest::LabelValues {
                    name: key.0,
                    selector: key.1,
                });
            }
        }
    }
    needed
}

#[cfg(test)]
mod tests;
