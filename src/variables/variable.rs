//! A validated `[[variable]]`: its kind, where its options come from, what All means.

use super::template;

/// A validated `[[variable]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// Referenced as `$name`.
    pub name: String,
    /// The name shown in the variables line and the picker.
    pub label: Option<String>,
    pub kind: VariableKind,
    /// Several values may be selected at once.
    pub multi: bool,
    /// "All" is offered as a choice.
    pub include_all: bool,
    /// What All expands to; `None`: every option, as for a multi-value selection.
    pub all_value: Option<String>,
    /// The initial selection; [`ALL`] selects All. Empty: the first option.
    pub default: Vec<String>,
}

/// How a selection of All is written in `default`, `--var` and recordings (Grafana's spelling).
pub const ALL: &str = "$__all";

/// Where a variable's options come from.
#[derive(Clone, Debug, PartialEq)]
pub enum VariableKind {
    /// Asked of Prometheus; may use earlier variables.
    Query {
        query: OptionsQuery,
        regex: Option<OptionsRegex>,
    },
    Custom {
        values: Vec<String>,
    },
    Constant {
        value: String,
    },
    /// Durations such as `1m`, `5m`.
    Interval {
        values: Vec<String>,
    },
}

/// A query variable's question to Prometheus.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionsQuery {
    /// `label_values(selector, label)` or `label_values(label)`: the values of a label,
    /// among the series `selector` matches when given.
    LabelValues {
        selector: Option<String>,
        label: String,
    },
    /// `query_result(expr)`: one option per series of an instant query, written as
    /// `name{label="value",…} value timestamp_ms`.
    QueryResult { expr: String },
}

impl OptionsQuery {
    /// Parses Grafana's Prometheus variable query syntax.
    pub fn parse(text: &str) -> Result<OptionsQuery, String> {
        let text = text.trim();
        let call = |name: &str| {
            text.strip_prefix(name)
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix('('))
                .and_then(|rest| rest.strip_suffix(')'))
                .map(str::trim)
        };
        if let Some(args) = call("label_values") {
            let (selector, label) = match args.rsplit_once(',') {
                Some((selector, label)) => (Some(selector.trim().to_string()), label.trim()),
                None => (None, args),
            };
            // The label may be a variable (`label_values(m, $label)`), written out when asked.
            let variable =
                matches!(&template::references(label)[..], [r] if r.span == (0..label.len()));
            if label.is_empty()
                || !(variable
                    || label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            {
                return Err(format!(
                    "`{label}` is not a label name; expected label_values(metric{{…}}, label)"
                ));
            }
            if selector.as_deref().is_some_and(str::is_empty) {
                return Err("label_values( , label) has an empty selector".into());
            }
            return Ok(OptionsQuery::LabelValues {
                selector,
                label: label.to_string(),
            });
        }
        if let Some(expr) = call("query_result") {
            if expr.is_empty() {
                return Err("query_result() needs a PromQL expression".into());
            }
            return Ok(OptionsQuery::QueryResult {
                expr: expr.to_string(),
            });
        }
        Err(
            "expected label_values(metric{…}, label), label_values(label) or query_result(expr)"
                .into(),
        )
    }

    /// The PromQL in this question (a selector or an expression), if any.
    pub fn promql(&self) -> Option<&str> {
        match self {
            OptionsQuery::LabelValues { selector, .. } => selector.as_deref(),
            OptionsQuery::QueryResult { expr } => Some(expr),
        }
    }
}

/// Grafana's variable regex: `/pattern/flags` or a bare pattern. An option that does not
/// match is dropped; one that does becomes capture group 1 if there is one, else the match.
#[derive(Clone, Debug)]
pub struct OptionsRegex(regex::Regex);

impl PartialEq for OptionsRegex {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl OptionsRegex {
    pub fn parse(text: &str) -> Result<OptionsRegex, String> {
        let (pattern, flags) = match text
            .strip_prefix('/')
            .and_then(|rest| rest.rsplit_once('/'))
        {
            Some((pattern, flags)) => (pattern, flags),
            None => (text, ""),
        };
        let mut inline = String::new();
        for flag in flags.chars() {
            match flag {
                'i' | 'm' | 's' => inline.push(flag),
                'g' | 'u' | 'y' => {}
                other => {
                    return Err(format!(
                        "unknown regex flag `{other}` (expected i, m, s, g)"
                    ));
                }
            }
        }
        let pattern = javascript(pattern);
        let pattern = if inline.is_empty() {
            pattern
        } else {
            format!("(?{inline}){pattern}")
        };
        regex::Regex::new(&pattern)
            .map(OptionsRegex)
            // The parser's message spans lines (pattern, caret, reason): keep the reason.
            .map_err(|e| {
                let text = e.to_string();
                let reason = text.lines().last().unwrap_or_default();
                format!(
                    "invalid regex `{pattern}`: {}",
                    reason.trim_start_matches("error: ")
                )
            })
    }

    /// What `option` becomes, or `None` when it is filtered out.
    pub fn apply(&self, option: &str) -> Option<String> {
        let captures = self.0.captures(option)?;
        captures
            .get(1)
            .or_else(|| captures.get(0))
            .map(|m| m.as_str().to_string())
    }
}

/// A JavaScript regex as the `regex` crate reads it: JavaScript takes a `{` that starts no
/// `{n}`, `{n,}` or `{n,m}` as a literal (`/{} (.*) .*/`), and any punctuation escaped as
/// itself (`\"`, `\/`); both are errors here unless written out.
fn javascript(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.char_indices();
    let mut in_class = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) if e.is_ascii_alphanumeric() => {
                    out.push('\\');
                    out.push(e);
                }
                Some((_, e)) => out.push_str(&regex::escape(e.encode_utf8(&mut [0; 4]))),
                None => out.push_str("\\\\"),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '{' if !in_class => match quantifier(&pattern[at..]) {
                Some(len) if !out.is_empty() => {
                    out.push_str(&pattern[at..at + len]);
                    for _ in 1..len {
                        chars.next();
                    }
                }
                _ => out.push_str("\\{"),
            },
            '}' if !in_class => out.push_str("\\}"),
            _ => out.push(c),
        }
    }
    out
}

/// The length of the `{n}`, `{n,}` or `{n,m}` that `text` starts with, if it does.
fn quantifier(text: &str) -> Option<usize> {
    let end = text.find('}')?;
    let inner = &text[1..end];
    let (low, high) = inner.split_once(',').unwrap_or((inner, "0"));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!low.is_empty() && digits(low) && digits(high)).then_some(end + 1)
}

impl Variable {
    /// The name the variables line and the picker show.
    pub fn display_name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    /// The options known without asking Prometheus (all but query variables).
    pub fn static_options(&self) -> Option<Vec<String>> {
        match &self.kind {
            VariableKind::Query { .. } => None,
            VariableKind::Custom { values } | VariableKind::Interval { values } => {
                Some(values.clone())
            }
            VariableKind::Constant { value } => Some(vec![value.clone()]),
        }
    }

    /// One line for `check`: where the options come from, and how they are chosen.
    pub fn describe(&self) -> String {
        let source = match &self.kind {
            VariableKind::Query { query, regex } => {
                let query = match query {
                    OptionsQuery::LabelValues {
                        selector: Some(selector),
                        label,
                    } => format!("label_values({selector}, {label})"),
                    OptionsQuery::LabelValues {
                        selector: None,
                        label,
                    } => format!("label_values({label})"),
                    OptionsQuery::QueryResult { expr } => format!("query_result({expr})"),
                };
                match regex {
                    Some(regex) => format!("query {query} regex /{}/", regex.0.as_str()),
                    None => format!("query {query}"),
                }
            }
            VariableKind::Custom { values } => format!("custom {}", values.join(", ")),
            VariableKind::Interval { values } => format!("interval {}", values.join(", ")),
            VariableKind::Constant { value } => format!("constant {value}"),
        };
        let multi = if self.multi { " [multi]" } else { "" };
        let all = if self.include_all { " [all]" } else { "" };
        format!("${} {source}{multi}{all}", self.name)
    }

    /// Names of the variables this one's options depend on.
    pub fn depends_on(&self) -> Vec<&str> {
        let VariableKind::Query { query, .. } = &self.kind else {
            return Vec::new();
        };
        let label = match query {
            OptionsQuery::LabelValues { label, .. } => label.as_str(),
            OptionsQuery::QueryResult { .. } => "",
        };
        [query.promql().unwrap_or(""), label]
            .into_iter()
            .flat_map(|text| template::references(text).into_iter().map(|r| r.name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_query_forms() {
        assert_eq!(
            OptionsQuery::parse(r#"label_values(node_uname_info{job="$job", x="a,b"}, instance)"#),
            Ok(OptionsQuery::LabelValues {
                selector: Some(r#"node_uname_info{job="$job", x="a,b"}"#.into()),
                label: "instance".into()
            })
        );
        assert_eq!(
            OptionsQuery::parse(" label_values( job ) "),
            Ok(OptionsQuery::LabelValues {
                selector: None,
                label: "job".into()
            })
        );
        assert_eq!(
            OptionsQuery::parse("query_result(topk(3, up))"),
            Ok(OptionsQuery::QueryResult {
                expr: "topk(3, up)".into()
            })
        );
        let by_variable = OptionsQuery::parse("label_values(prometheus_build_info, $name)");
        assert_eq!(
            by_variable,
            Ok(OptionsQuery::LabelValues {
                selector: Some("prometheus_build_info".into()),
                label: "$name".into()
            })
        );
        let variable = Variable {
            name: "value".into(),
            label: None,
            kind: VariableKind::Query {
                query: by_variable.unwrap(),
                regex: None,
            },
            multi: false,
            include_all: false,
            all_value: None,
            default: Vec::new(),
        };
        assert_eq!(variable.depends_on(), ["name"]);
        assert!(OptionsQuery::parse("label_values(up, $a$b)").is_err());
        assert!(OptionsQuery::parse("label_values(up, )").is_err());
        assert!(OptionsQuery::parse("label_values(up{a=\"b\"}, in-stance)").is_err());
        assert!(OptionsQuery::parse("metrics(up)").is_err());
        assert!(OptionsQuery::parse("query_result()").is_err());
    }

    #[test]
    fn a_regex_keeps_group_one_or_the_match_and_drops_the_rest() {
        let re = OptionsRegex::parse(r"/(.*):\d+/").unwrap();
        assert_eq!(re.apply("10.0.0.5:9100").as_deref(), Some("10.0.0.5"));
        assert_eq!(re.apply("no-port"), None);
        let whole = OptionsRegex::parse("^api.*").unwrap();
        assert_eq!(whole.apply("api-1").as_deref(), Some("api-1"));
        let nocase = OptionsRegex::parse("/^API/i").unwrap();
        assert_eq!(nocase.apply("api").as_deref(), Some("api"));
        assert!(OptionsRegex::parse("/x/q").is_err());
        // JavaScript's literal braces and escaped punctuation (starsl's node exporter
        // dashboards), and real quantifiers kept.
        let total = OptionsRegex::parse("/{} (.*) .*/").unwrap();
        assert_eq!(total.apply("{} 3 1700000000000").as_deref(), Some("3"));
        let quoted = OptionsRegex::parse(r#"/.*\"(.*)\".*/"#).unwrap();
        assert_eq!(
            quoted.apply(r#"{mountpoint="/home"} 1 2"#).as_deref(),
            Some("/home")
        );
        let counted = OptionsRegex::parse(r"/^a{2}\/b[{}]{1,}$/").unwrap();
        assert_eq!(counted.apply("aa/b{}").as_deref(), Some("aa/b{}"));
        assert_eq!(counted.apply("a/b{"), None);
        assert!(OptionsRegex::parse("(unclosed").is_err());
    }
}
