//! Label matchers as Alertmanager and PromQL write them: `name="value"`, `name!="value"`,
//! `name=~"regex"`, `name!~"regex"`. Regexes are anchored, as theirs are, and a label an
//! alert lacks reads as the empty string, so `route!="x"` matches an alert without `route`.

use crate::model::Labels;
use regex::Regex;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Regex | MatchOp::NotRegex)
    }

    /// Alertmanager's `isEqual`: false for the negated operators.
    pub fn is_equal(self) -> bool {
        matches!(self, MatchOp::Equal | MatchOp::Regex)
    }
}

#[derive(Clone, Debug)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// The anchored regex of `=~` and `!~`.
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, self.op, &self.value) == (&other.name, other.op, &other.value)
    }
}

impl Eq for Matcher {}

/// Why typed text is not a matcher (or a list of them); said in the prompt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error("a quote is not closed: {0}")]
    UnclosedQuote(String),
    #[error("`{0}` is not a matcher (name=\"value\", !=, =~ or !~)")]
    NotAMatcher(String),
    #[error("`{0}`: a label name is letters, digits and _, not starting with a digit")]
    BadName(String),
    #[error("`{term}`: bad regex: {why}")]
    BadRegex { term: String, why: String },
    #[error("no matcher given")]
    Empty,
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Self, MatcherError> {
        if !is_label_name(name) {
            return Err(MatcherError::BadName(name.to_string()));
        }
        let regex = if op.is_regex() {
            let anchored = Regex::new(&format!("^(?:{value})$")).map_err(|e| {
                MatcherError::BadRegex {
                    term: format!("{name}{}\"{value}\"", op.as_str()),
                    // The first line names the problem; the rest is a drawing of the regex.
                    why: e.to_string().lines().last().unwrap_or_default().to_string(),
                }
            })?;
            Some(anchored)
        } else {
            None
        };
        Ok(Self {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    /// One matcher: `name`, an operator, and a value, quoted or not.
    pub fn parse(term: &str) -> Result<Self, MatcherError> {
        let term = term.trim();
        let not_one = || MatcherError::NotAMatcher(term.to_string());
        let at = term.find(['=', '!']).ok_or_else(not_one)?;
        let (name, rest) = term.split_at(at);
        let (op, value) = [
            MatchOp::Regex,
            MatchOp::NotRegex,
            MatchOp::NotEqual,
            MatchOp::Equal,
        ]
        .into_iter()
        .find_map(|op| rest.strip_prefix(op.as_str()).map(|v| (op, v)))
        .ok_or_else(not_one)?;
        Self::new(name.trim(), op, &unquote(value.trim(), term)?)
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.accepts(labels.get(&self.name).map_or("", String::as_str))
    }

    /// Whether the label's value `value` passes (`""` for a label that is missing).
    pub fn accepts(&self, value: &str) -> bool {
        match (&self.regex, self.op) {
            (Some(re), MatchOp::Regex) => re.is_match(value),
            (Some(re), _) => !re.is_match(value),
            (None, MatchOp::NotEqual) => value != self.value,
            (None, _) => value == self.value,
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let value = self.value.replace('\\', "\\\\").replace('"', "\\\"");
        write!(f, "{}{}\"{value}\"", self.name, self.op.as_str())
    }
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value as typed: `"quoted \" text"` or bare.
fn unquote(value: &str, term: &str) -> Result<String, MatcherError> {
    let Some(inner) = value.strip_prefix('"') else {
        return Ok(value.to_string());
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' if chars.as_str().is_empty() => return Ok(out),
            '"' => return Err(MatcherError::NotAMatcher(term.to_string())),
            c => out.push(c),
        }
    }
    Err(MatcherError::UnclosedQuote(term.to_string()))
}

/// Typed text cut into terms at spaces and commas outside quotes; `{` `}` around it all, as
/// Alertmanager writes a list, are dropped.
pub fn terms(text: &str) -> Result<Vec<String>, MatcherError> {
    let text = text.trim();
    let text = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ' ' | ',' if !quoted => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if quoted {
        return Err(MatcherError::UnclosedQuote(current));
    }
    if !current.is_empty() {
        terms.push(current);
    }
    Ok(terms)
}

/// A list of matchers, as a silence takes them: `alertname="X", route=~"/api/.*"`.
pub fn parse_list(text: &str) -> Result<Vec<Matcher>, MatcherError> {
    let matchers = terms(text)?
        .iter()
        .map(|t| Matcher::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    if matchers.is_empty() {
        return Err(MatcherError::Empty);
    }
    Ok(matchers)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::labels::from_pairs as labels;

    #[test]
    fn values_are_accepted_as_prometheus_does() {
        let m = |op, value: &str| Matcher::new("replica", op, value).unwrap();
        assert!(m(MatchOp::Equal, "replica-1").accepts("replica-1"));
        assert!(
            !m(MatchOp::Regex, "replica").accepts("replica-1"),
            "anchored"
        );
        assert!(m(MatchOp::Regex, "replica-.*").accepts("replica-1"));
        assert!(m(MatchOp::NotRegex, "x").accepts("replica-1"));
        assert!(!m(MatchOp::NotEqual, "a").accepts("a"));
    }

    #[test]
    fn the_four_operators_parse_and_match() {
        let alert = labels(&[("severity", "critical"), ("route", "/api/images/42")]);
        let cases = [
            ("severity=critical", true),
            ("severity=\"warning\"", false),
            ("severity!=warning", true),
            (r#"route=~"/api/images.*""#, true),
            (r#"route=~"/api""#, false),
            (r#"route!~"/api/.*""#, false),
            ("replica!=\"replica-2\"", true),
            ("replica=\"\"", true),
        ];
        for (text, expected) in cases {
            let m = Matcher::parse(text).unwrap();
            assert_eq!(m.matches(&alert), expected, "{text}");
        }
        assert_eq!(
            Matcher::parse(r#"route=~"/api/images.*""#).unwrap().op,
            MatchOp::Regex
        );
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        assert!(matches!(
            Matcher::parse(r#"route=~"(""#),
            Err(MatcherError::BadRegex { .. })
        ));
        assert!(matches!(
            Matcher::parse("=x"),
            Err(MatcherError::BadName(_))
        ));
        assert!(matches!(
            Matcher::parse("1abc=x"),
            Err(MatcherError::BadName(_))
        ));
        assert!(matches!(
            Matcher::parse("critical"),
            Err(MatcherError::NotAMatcher(_))
        ));
        assert!(matches!(
            parse_list(r#"route="/api"#),
            Err(MatcherError::UnclosedQuote(_))
        ));
        assert_eq!(parse_list("  "), Err(MatcherError::Empty));
        let err = Matcher::parse(r#"route=~"(""#).unwrap_err().to_string();
        assert!(err.contains("route=~") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn lists_split_outside_quotes_and_print_back() {
        let list = parse_list(r#"{alertname="HighAPIResponseTime", route=~"/api/a b,c"}"#).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].value, "/api/a b,c");
        assert_eq!(list[0].to_string(), r#"alertname="HighAPIResponseTime""#);
        let quoted = Matcher::new("summary", MatchOp::Equal, r#"say "hi""#).unwrap();
        assert_eq!(Matcher::parse(&quoted.to_string()).unwrap(), quoted);
    }
}
