//! Expanding references for a selection, the way Grafana's Prometheus data source does:
//! a single value as written; several values (or any value of a multi or All variable)
//! regex-escaped and joined as `(a|b)` for `=~"…"` matchers; `$__rate_interval` and
//! friends from the scrape interval, the step and the range.

use super::{ALL, Variable, template};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What is selected of one variable (part of recordings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// The values picked; empty when All is.
    pub values: Vec<String>,
    pub all: bool,
}

impl Selection {
    pub fn of(values: Vec<String>) -> Selection {
        if values.iter().any(|v| v == ALL) {
            return Selection {
                values: Vec::new(),
                all: true,
            };
        }
        Selection { values, all: false }
    }

    /// How the selection reads in the variables line: `a`, `a+b`, `All`.
    pub fn text(&self) -> String {
        if self.all {
            "All".to_string()
        } else {
            self.values.join("+")
        }
    }
}

/// How a reference writes its values: `${name:format}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// No format in a query: as Grafana's Prometheus data source writes it.
    Query,
    /// No format in a title: values as they read, `a + b`, `All`.
    Text,
    /// Regex-escaped (for a PromQL string), `(a|b)`.
    Regex,
    /// `a|b`, unescaped.
    Pipe,
    /// `a,b`.
    Csv,
    /// `a,b`, and All's custom value as written.
    Raw,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "regex" => Format::Regex,
            "pipe" => Format::Pipe,
            "csv" => Format::Csv,
            "raw" => Format::Raw,
            "text" => Format::Text,
            _ => return None,
        })
    }

    /// The formats `${name:format}` accepts, for messages.
    pub const NAMES: &'static str = "regex, pipe, csv, raw, text";
}

/// One variable's current value, ready to write.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    pub name: String,
    /// The selected values, or every option when All is selected without an `all_value`.
    pub values: Vec<String>,
    /// All is selected and the variable says what it stands for.
    pub all_value: Option<String>,
    pub all: bool,
    /// Multi or include_all: values are regex-escaped even when there is one.
    pub regex_like: bool,
}

impl Bound {
    /// `variable` under `selection`, with the options known for it (for All).
    pub fn new(variable: &Variable, selection: &Selection, options: &[String]) -> Bound {
        let (values, all_value) = match (&variable.all_value, selection.all) {
            (Some(custom), true) => (Vec::new(), Some(custom.clone())),
            (None, true) => (options.to_vec(), None),
            (_, false) => (selection.values.clone(), None),
        };
        Bound {
            name: variable.name.clone(),
            values,
            all_value,
            all: selection.all,
            regex_like: variable.multi || variable.include_all,
        }
    }

    fn write(&self, format: Format) -> String {
        if format == Format::Text {
            return if self.all {
                "All".to_string()
            } else {
                self.values.join(" + ")
            };
        }
        if let Some(custom) = &self.all_value {
            return custom.clone();
        }
        match format {
            Format::Query if !self.regex_like && self.values.len() <= 1 => {
                self.values.iter().map(|v| string_escape(v)).collect()
            }
            Format::Query | Format::Regex => {
                let escaped: Vec<String> = self.values.iter().map(|v| regex_escape(v)).collect();
                match escaped.len() {
                    1 => escaped.concat(),
                    _ => format!("({})", escaped.join("|")),
                }
            }
            Format::Pipe => self.values.join("|"),
            Format::Csv | Format::Raw | Format::Text => self.values.join(","),
        }
    }
}

/// A value inside a PromQL double-quoted string: backslashes and quotes escaped.
fn string_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A value matched literally by a regex inside a PromQL double-quoted string: `10.0.0.5`
/// becomes `10\\.0\\.0\\.5` (the regex's backslash, escaped for the string).
fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\\\\\"),
            '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            '"' => out.push_str("\\\""),
            _ => out.push(c),
        }
    }
    out
}

/// What the built-in `$__…` variables are computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intervals {
    /// How often Prometheus scrapes (`--scrape-interval`, default 15s).
    pub scrape: Duration,
    /// The time between points: a range query's step, the refresh interval when polled.
    pub step: Duration,
    /// The span shown: the panel's window.
    pub range: Duration,
}

impl Intervals {
    /// Grafana's rule: at least four scrapes, and at least one step plus a scrape.
    pub fn rate_interval(&self) -> Duration {
        (self.scrape * 4).max(self.step + self.scrape)
    }

    /// Grafana's `$__interval`: the step, never below the scrape interval (a rate over
    /// less than a scrape holds one sample and has no value).
    pub fn interval(&self) -> Duration {
        self.step.max(self.scrape)
    }

    /// `text` with the built-ins (`$__rate_interval`, `$__interval`, `$__range`, …) written
    /// out; everything else stays as written.
    pub fn expand(&self, text: &str) -> String {
        template::replace(text, |reference| self.builtin(reference.name))
    }

    fn builtin(&self, name: &str) -> Option<String> {
        Some(match name {
            "__rate_interval" => promql_duration(self.rate_interval()),
            "__interval" => promql_duration(self.interval()),
            "__interval_ms" => self.interval().as_millis().to_string(),
            "__range" => promql_duration(self.range),
            "__range_s" => self.range.as_secs().to_string(),
            "__range_ms" => self.range.as_millis().to_string(),
            _ => return None,
        })
    }

    /// Whether `name` is one of the built-ins.
    pub fn is_builtin(name: &str) -> bool {
        let any = Intervals {
            scrape: Duration::ZERO,
            step: Duration::ZERO,
            range: Duration::ZERO,
        };
        any.builtin(name).is_some()
    }
}

/// `d` as a PromQL duration: whole seconds, or milliseconds below one.
fn promql_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis().max(1))
    }
}

/// `text` with every reference to a bound variable written out; `format` is used where a
/// reference names none. Built-ins and unknown names (a drill's `$label`) stay as written.
pub fn expand(text: &str, bound: &[Bound], format: Format) -> String {
    template::replace(text, |reference| {
        let variable = bound.iter().find(|b| b.name == reference.name)?;
        let format = match reference.format {
            Some(name) => Format::parse(name)?,
            None => format,
        };
        Some(variable.write(format))
    })
}

/// Whether `text` is PromQL once its variables are written out, as the loader checks it:
/// with each variable's first value (`x` for one asked of Prometheus), or else with one of
/// the variables as a number, where only a number fits (`histogram_quantile($quantile, …)`
/// beside `{$label="…"}`), or all but intervals as numbers. Grafana checks nothing before
/// expanding, so any reading is accepted. The error is the first reading's.
pub fn check(text: &str, variables: &[Variable]) -> Result<(), String> {
    let parses = |numeric: &dyn Fn(&Variable) -> bool| {
        promql_parser::parser::parse(&example(text, variables, numeric)).map(|_| ())
    };
    let message = match parses(&|_| false) {
        Ok(()) => return Ok(()),
        Err(message) => message,
    };
    let used: Vec<&str> = template::references(text).iter().map(|r| r.name).collect();
    let interval = |v: &Variable| matches!(v.kind, super::VariableKind::Interval { .. });
    let one_numeric = variables
        .iter()
        .filter(|v| used.contains(&v.name.as_str()) && !interval(v))
        .any(|number| parses(&|v| v.name == number.name).is_ok());
    if one_numeric || parses(&|v| !interval(v)).is_ok() {
        Ok(())
    } else {
        Err(message)
    }
}

/// `text` with every variable written as an example value: its first value, or `x` when
/// none is known before Prometheus answers; `1` for those `numeric` picks.
pub(crate) fn example(
    text: &str,
    variables: &[Variable],
    numeric: &dyn Fn(&Variable) -> bool,
) -> String {
    let bound: Vec<Bound> = variables
        .iter()
        .map(|v| {
            let first = if numeric(v) {
                "1".to_string()
            } else {
                v.default
                    .first()
                    .filter(|d| *d != ALL)
                    .cloned()
                    .or_else(|| v.static_options().and_then(|o| o.first().cloned()))
                    .unwrap_or_else(|| "x".to_string())
            };
            Bound {
                name: v.name.clone(),
                values: vec![first],
                all_value: None,
                all: false,
                regex_like: false,
            }
        })
        .collect();
    let intervals = Intervals {
        scrape: Duration::from_secs(15),
        step: Duration::from_secs(15),
        range: Duration::from_secs(900),
    };
    intervals.expand(&expand(text, &bound, Format::Query))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variables::VariableKind;

    fn variable(name: &str, multi: bool, include_all: bool, all_value: Option<&str>) -> Variable {
        Variable {
            name: name.into(),
            label: None,
            kind: VariableKind::Custom {
                values: vec!["a".into()],
            },
            multi,
            include_all,
            all_value: all_value.map(str::to_string),
            default: Vec::new(),
        }
    }

    fn selected(values: &[&str]) -> Selection {
        Selection::of(values.iter().map(|v| v.to_string()).collect())
    }

    fn intervals(scrape: u64, step: u64, range: u64) -> Intervals {
        Intervals {
            scrape: Duration::from_secs(scrape),
            step: Duration::from_secs(step),
            range: Duration::from_secs(range),
        }
    }

    fn query(text: &str, bound: &[Bound]) -> String {
        expand(text, bound, Format::Query)
    }

    #[test]
    fn a_single_value_is_written_as_is_in_every_spelling() {
        let job = Bound::new(
            &variable("job", false, false, None),
            &selected(&["node"]),
            &[],
        );
        assert_eq!(
            query(
                r#"up{job="$job"} + up{job="${job}"} + up{job="[[job]]"}"#,
                &[job]
            ),
            r#"up{job="node"} + up{job="node"} + up{job="node"}"#
        );
    }

    #[test]
    fn a_single_value_is_escaped_for_the_string_it_sits_in() {
        let v = Bound::new(
            &variable("p", false, false, None),
            &selected(&[r#"C:\a"b"#]),
            &[],
        );
        assert_eq!(query(r#"x{p="$p"}"#, &[v]), r#"x{p="C:\\a\"b"}"#);
    }

    #[test]
    fn multi_values_are_regex_escaped_and_alternated() {
        let v = Bound::new(
            &variable("instance", true, false, None),
            &selected(&["10.0.0.5:9100", "a+b"]),
            &[],
        );
        assert_eq!(
            query(r#"up{instance=~"$instance"}"#, &[v]),
            r#"up{instance=~"(10\\.0\\.0\\.5:9100|a\\+b)"}"#
        );
    }

    #[test]
    fn one_value_of_a_multi_variable_is_still_escaped() {
        let v = Bound::new(&variable("i", true, false, None), &selected(&["a.b"]), &[]);
        assert_eq!(query(r#"up{i=~"$i"}"#, &[v]), r#"up{i=~"a\\.b"}"#);
    }

    #[test]
    fn all_is_every_option_or_the_custom_all_value() {
        let options = ["a".to_string(), "b.c".to_string()];
        let every = Bound::new(
            &variable("v", false, true, None),
            &selected(&[ALL]),
            &options,
        );
        assert_eq!(query(r#"x{v=~"$v"}"#, &[every]), r#"x{v=~"(a|b\\.c)"}"#);
        let custom = Bound::new(
            &variable("v", true, true, Some(".*")),
            &selected(&[ALL]),
            &options,
        );
        assert_eq!(
            query(r#"x{v=~"$v"}"#, std::slice::from_ref(&custom)),
            r#"x{v=~".*"}"#
        );
        assert_eq!(expand("by $v", &[custom], Format::Text), "by All");
    }

    #[test]
    fn formats_write_values_their_way() {
        let v = Bound::new(
            &variable("v", true, false, None),
            &selected(&["a.1", "b"]),
            &[],
        );
        let b = [v];
        assert_eq!(query("${v:regex}", &b), r"(a\\.1|b)");
        assert_eq!(query("${v:pipe}", &b), "a.1|b");
        assert_eq!(query("[[v:csv]]", &b), "a.1,b");
        assert_eq!(query("${v:raw}", &b), "a.1,b");
        assert_eq!(query("${v:text}", &b), "a.1 + b");
        // An unknown format is left as written (the layout loader rejects it first).
        assert_eq!(query("${v:glob}", &b), "${v:glob}");
    }

    #[test]
    fn titles_read_values_plainly() {
        let v = Bound::new(
            &variable("i", true, false, None),
            &selected(&["a.b", "c"]),
            &[],
        );
        assert_eq!(expand("CPU of $i", &[v], Format::Text), "CPU of a.b + c");
    }

    #[test]
    fn rate_interval_follows_grafanas_rule() {
        // Four scrapes when the step is short…
        assert_eq!(
            intervals(15, 15, 900).rate_interval(),
            Duration::from_secs(60)
        );
        // …a step plus a scrape when it is long.
        assert_eq!(
            intervals(15, 120, 900).rate_interval(),
            Duration::from_secs(135)
        );
        assert_eq!(
            intervals(30, 10, 900).rate_interval(),
            Duration::from_secs(120)
        );
    }

    #[test]
    fn builtins_are_written_as_promql_durations_and_numbers() {
        let i = intervals(15, 30, 3600);
        let text = "rate(x[$__rate_interval]) $__interval $__interval_ms $__range $__range_s ${__range_ms}";
        assert_eq!(i.expand(text), "rate(x[60s]) 30s 30000 3600s 3600 3600000");
        let sub = Intervals {
            scrape: Duration::from_millis(100),
            step: Duration::from_millis(250),
            range: Duration::from_secs(60),
        };
        assert_eq!(sub.expand("$__interval $job"), "250ms $job");
        // A 5s refresh on a 15s scrape: increase(x[5s]) would hold one sample.
        let fast = intervals(15, 5, 900);
        assert_eq!(
            fast.expand("increase(x[$__interval]) $__interval_ms"),
            "increase(x[15s]) 15000"
        );
        assert!(Intervals::is_builtin("__range_s"));
        assert!(!Intervals::is_builtin("job"));
    }

    #[test]
    fn unknown_names_stay_for_the_drill_substitution() {
        assert_eq!(
            query(r#"x{replica="$replica"}"#, &[]),
            r#"x{replica="$replica"}"#
        );
    }

    #[test]
    fn examples_stand_in_for_every_variable() {
        let mut interval = variable("step", false, false, None);
        interval.kind = VariableKind::Interval {
            values: vec!["5m".into()],
        };
        let mut instance = variable("instance", false, false, None);
        instance.kind = VariableKind::Query {
            query: super::super::OptionsQuery::LabelValues {
                selector: None,
                label: "instance".into(),
            },
            regex: None,
        };
        assert_eq!(
            example(
                r#"rate(x{i="$instance"}[$step]) / $__rate_interval"#,
                &[interval.clone(), instance.clone()],
                &|_| false
            ),
            r#"rate(x{i="x"}[5m]) / 60s"#
        );
        // A query variable where only a number fits (prometheus2-fusakla's $quantile).
        let mut quantile = instance;
        quantile.name = "quantile".into();
        // …and a custom one whose first value reads as a name.
        let mut level = variable("level", false, false, None);
        level.kind = VariableKind::Custom {
            values: vec!["p99".into()],
        };
        // …beside a constant that names a label.
        let mut label = variable("label", false, false, None);
        label.kind = VariableKind::Constant {
            value: "job".into(),
        };
        let vars = [interval, quantile, level, label];
        let text = r#"histogram_quantile($quantile, rate(x_bucket{quantile="$quantile"}[$step])) + histogram_quantile($level, y)"#;
        assert_eq!(check(text, &vars), Ok(()));
        let one = r#"histogram_quantile($quantile, rate(x_bucket{$label=~"a"}[$step]))"#;
        assert_eq!(check(one, &vars), Ok(()));
        assert!(check("rate(x[$quantile]) +", &vars).is_err());
    }

    #[test]
    fn a_selection_of_all_is_spelt_like_grafana() {
        assert_eq!(
            selected(&["$__all"]),
            Selection {
                values: vec![],
                all: true
            }
        );
        assert_eq!(selected(&["a", "b"]).text(), "a+b");
        assert_eq!(selected(&["$__all"]).text(), "All");
    }
}
