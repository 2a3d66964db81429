//! The vector selectors of an expression, as the metadata API takes them: the metric
//! name and each label matcher, so an empty answer can be traced to the matcher that
//! selects nothing.

use crate::model::matcher::{MatchOp as Op, Matcher};
use promql_parser::label::{METRIC_NAME, MatchOp};
use promql_parser::parser::VectorSelector;

/// A vector selector: a metric name and label matchers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub metric: String,
    pub matchers: Vec<Matcher>,
}

impl Selector {
    /// `metric{label="value",…}`, as `match[]` takes it.
    pub fn text(&self) -> String {
        if self.matchers.is_empty() {
            return self.metric.clone();
        }
        let matchers: Vec<String> = self.matchers.iter().map(Matcher::to_string).collect();
        format!("{}{{{}}}", self.metric, matchers.join(","))
    }
}

/// The selectors of `expr` that name a metric, in order, each once. Empty for an
/// expression that does not parse. Selectors with `or` matchers are left out: their
/// matchers cannot be checked one by one.
pub fn selectors(expr: &str) -> Vec<Selector> {
    let mut found = Selectors::default();
    super::promql::for_each_selector(expr, |selector| found.add(selector));
    found.0
}

#[derive(Default)]
struct Selectors(Vec<Selector>);

impl Selectors {
    fn add(&mut self, selector: &VectorSelector) {
        if !selector.matchers.or_matchers.is_empty() {
            return;
        }
        let by_matcher = selector
            .matchers
            .matchers
            .iter()
            .find(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal)
            .map(|m| m.value.clone());
        let Some(metric) = selector.name.clone().or(by_matcher) else {
            return;
        };
        // The parser has checked names and regexes: a matcher it took always builds.
        let Some(matchers) = selector
            .matchers
            .matchers
            .iter()
            .filter(|m| m.name != METRIC_NAME)
            .map(|m| {
                let op = match m.op {
                    MatchOp::Equal => Op::Equal,
                    MatchOp::NotEqual => Op::NotEqual,
                    MatchOp::Re(_) => Op::Regex,
                    MatchOp::NotRe(_) => Op::NotRegex,
                };
                Matcher::new(&m.name, op, &m.value).ok()
            })
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let selector = Selector { metric, matchers };
        if !self.0.contains(&selector) {
            self.0.push(selector);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_with_their_matchers_each_once() {
        let found = selectors(
            r#"1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"} + rate(x{a=~"b.*",c!="d"}[5m]) + node_memory_MemTotal_bytes{job="node"}"#,
        );
        let texts: Vec<String> = found.iter().map(Selector::text).collect();
        assert_eq!(
            texts,
            vec![
                r#"node_memory_MemAvailable_bytes{job="node"}"#,
                r#"node_memory_MemTotal_bytes{job="node"}"#,
                r#"x{a=~"b.*",c!="d"}"#,
            ]
        );
        assert_eq!(found[2].matchers[0].op, Op::Regex);
        assert_eq!(
            selectors(r#"{__name__="up",job="x"}"#)[0].text(),
            r#"up{job="x"}"#
        );
        assert!(selectors("sum(").is_empty());
    }
}
