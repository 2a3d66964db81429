//! The vector selectors of an expression, as the metadata API takes them: the metric
//! name and each label matcher, so an empty answer can be traced to the matcher that
//! selects nothing.

use promql_parser::label::{METRIC_NAME, MatchOp};
use promql_parser::parser::VectorSelector;

/// How a matcher compares a label's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchKind {
    pub fn symbol(self) -> &'static str {
        match self {
            MatchKind::Equal => "=",
            MatchKind::NotEqual => "!=",
            MatchKind::Regex => "=~",
            MatchKind::NotRegex => "!~",
        }
    }
}

/// One label matcher: `replica="replica-9"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelMatch {
    pub label: String,
    pub kind: MatchKind,
    pub value: String,
}

impl LabelMatch {
    /// The matcher as PromQL writes it.
    pub fn text(&self) -> String {
        format!(
            "{}{}\"{}\"",
            self.label,
            self.kind.symbol(),
            self.value.replace('\\', "\\\\").replace('"', "\\\"")
        )
    }

    /// Whether the value `value` of the label passes this matcher (regexes anchored, as
    /// Prometheus anchors them; one that does not compile passes nothing).
    pub fn accepts(&self, value: &str) -> bool {
        let full = || {
            regex::Regex::new(&format!("^(?:{})$", self.value)).is_ok_and(|re| re.is_match(value))
        };
        match self.kind {
            MatchKind::Equal => value == self.value,
            MatchKind::NotEqual => value != self.value,
            MatchKind::Regex => full(),
            MatchKind::NotRegex => !full(),
        }
    }
}

/// A vector selector: a metric name and label matchers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub metric: String,
    pub matchers: Vec<LabelMatch>,
}

impl Selector {
    /// `metric{label="value",…}`, as `match[]` takes it.
    pub fn text(&self) -> String {
        if self.matchers.is_empty() {
            return self.metric.clone();
        }
        let matchers: Vec<String> = self.matchers.iter().map(LabelMatch::text).collect();
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
        let matchers = selector
            .matchers
            .matchers
            .iter()
            .filter(|m| m.name != METRIC_NAME)
            .map(|m| LabelMatch {
                label: m.name.clone(),
                kind: match m.op {
                    MatchOp::Equal => MatchKind::Equal,
                    MatchOp::NotEqual => MatchKind::NotEqual,
                    MatchOp::Re(_) => MatchKind::Regex,
                    MatchOp::NotRe(_) => MatchKind::NotRegex,
                },
                value: m.value.clone(),
            })
            .collect();
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
        assert_eq!(found[2].matchers[0].kind, MatchKind::Regex);
        assert_eq!(
            selectors(r#"{__name__="up",job="x"}"#)[0].text(),
            r#"up{job="x"}"#
        );
        assert!(selectors("sum(").is_empty());
    }

    #[test]
    fn matchers_accept_values_as_prometheus_does() {
        let m = |kind, value: &str| LabelMatch {
            label: "replica".into(),
            kind,
            value: value.into(),
        };
        assert!(m(MatchKind::Equal, "replica-1").accepts("replica-1"));
        assert!(
            !m(MatchKind::Regex, "replica").accepts("replica-1"),
            "anchored"
        );
        assert!(m(MatchKind::Regex, "replica-.*").accepts("replica-1"));
        assert!(m(MatchKind::NotRegex, "x").accepts("replica-1"));
        assert!(!m(MatchKind::NotEqual, "a").accepts("a"));
    }
}
