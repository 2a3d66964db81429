//! Just enough PromQL to reason about rules without a full parser: a tokenizer, the metric
//! names an expression reads, balanced brackets, and `<expr> > <number>` thresholds.

use std::collections::BTreeSet;
use std::ops::Range;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    /// Metric names, label names, function names and keywords.
    Ident(String),
    Number(f64),
    /// `5m`, `1h30m`: range and offset durations.
    Duration,
    /// A string literal's content (escapes kept as written).
    Str(String),
    /// `(`, `[`, `{`.
    Open(char),
    /// `)`, `]`, `}`.
    Close(char),
    /// Operators and punctuation: `>`, `>=`, `==`, `=~`, `,`, `@`, `+`, ….
    Op(String),
}

/// Aggregations and binary-operator keywords: identifiers that never name a metric even
/// when no `(` follows them (`sum by (pool) (…)`, `a and on (job) b`).
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "atan2",
    "sum",
    "avg",
    "count",
    "min",
    "max",
    "group",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "limitk",
    "limit_ratio",
];

/// Keywords after which a parenthesised list holds label names, not expressions.
const LABEL_LIST_KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

pub(crate) fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

pub(crate) fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits an expression into tokens with their byte ranges. Only an unterminated string
/// is an error; characters PromQL does not know become one-character operators.
pub(crate) fn tokenize(expr: &str) -> Result<Vec<(Token, Range<usize>)>, String> {
    let bytes = expr.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let token = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            // Comments run to the end of the line.
            b'#' => {
                i = expr[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'"' | b'\'' | b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != c {
                    // Backslash escapes, except in raw (backtick) strings.
                    i += if bytes[i] == b'\\' && c != b'`' { 2 } else { 1 };
                }
                if i >= bytes.len() {
                    return Err(format!("unterminated string starting at offset {start}"));
                }
                i += 1;
                Token::Str(expr[start + 1..i - 1].to_string())
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Token::Open(char::from(c))
            }
            b')' | b']' | b'}' => {
                i += 1;
                Token::Close(char::from(c))
            }
            b'0'..=b'9' | b'.' if c != b'.' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(bytes, i);
                // Letters right after a number make a duration: 5m, 1h30m, 500ms.
                if bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
                    while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                        i += 1;
                    }
                    Token::Duration
                } else {
                    Token::Number(parse_number(&expr[start..i]))
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b':' => {
                while bytes
                    .get(i)
                    .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
                {
                    i += 1;
                }
                let word = &expr[start..i];
                if word.eq_ignore_ascii_case("inf") {
                    Token::Number(f64::INFINITY)
                } else if word.eq_ignore_ascii_case("nan") {
                    Token::Number(f64::NAN)
                } else {
                    Token::Ident(word.to_string())
                }
            }
            _ => {
                let two = expr.get(i..i + 2).unwrap_or("");
                let len = if matches!(two, ">=" | "<=" | "==" | "!=" | "=~" | "!~") {
                    2
                } else {
                    // One character, which may be more than one byte outside ASCII.
                    expr[i..].chars().next().map_or(1, char::len_utf8)
                };
                i += len;
                Token::Op(expr[start..i].to_string())
            }
        };
        tokens.push((token, start..i));
    }
    Ok(tokens)
}

/// The end of a number literal starting at `i`: digits, a fraction, an exponent, or hex.
fn number_end(bytes: &[u8], mut i: usize) -> usize {
    if bytes[i] == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
            i += 1;
        }
        return i;
    }
    while bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
    {
        i += 1;
    }
    // An exponent only when digits follow; `5e` would otherwise eat a duration's letter.
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        if bytes.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i += 1 + sign;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
    }
    i
}

fn parse_number(text: &str) -> f64 {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).map_or(f64::NAN, |v| v as f64);
    }
    text.parse().unwrap_or(f64::NAN)
}

/// Checks that brackets pair up and strings end: the mistakes a typo in a rule file makes.
pub(crate) fn check_brackets(expr: &str) -> Result<(), String> {
    let mut open: Vec<char> = Vec::new();
    for (token, _) in tokenize(expr)? {
        match token {
            Token::Open(c) => open.push(c),
            Token::Close(c) => match open.pop() {
                Some(o) if closing(o) == c => {}
                Some(o) => return Err(format!("`{o}` closed by `{c}`")),
                None => return Err(format!("unexpected `{c}`")),
            },
            _ => {}
        }
    }
    match open.pop() {
        Some(o) => Err(format!("unclosed `{o}`")),
        None => Ok(()),
    }
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// The metric names an expression reads: identifiers that are not functions, keywords,
/// label names or durations, plus `{__name__="…"}` matchers. An expression that does not
/// tokenize yields the names found before the problem.
pub fn metric_names(expr: &str) -> BTreeSet<String> {
    let tokens = match tokenize(expr) {
        Ok(tokens) => tokens,
        // Lenient: keep the part before an unterminated string.
        Err(_) => tokenize_prefix(expr),
    };
    names_in(&tokens.into_iter().map(|(t, _)| t).collect::<Vec<_>>())
}

fn tokenize_prefix(expr: &str) -> Vec<(Token, Range<usize>)> {
    let cut = expr.find(['"', '\'', '`']).unwrap_or(expr.len());
    tokenize(&expr[..cut]).unwrap_or_default()
}

pub(crate) fn names_in(tokens: &[Token]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    // Open brackets, each marked with whether identifiers inside are label names.
    let mut stack: Vec<(char, bool)> = Vec::new();
    let in_labels = |stack: &[(char, bool)]| stack.iter().any(|&(c, labels)| labels || c != '(');
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Open(c) => {
                let after_label_keyword = matches!(
                    i.checked_sub(1).and_then(|p| tokens.get(p)),
                    Some(Token::Ident(k)) if LABEL_LIST_KEYWORDS.contains(&k.to_ascii_lowercase().as_str())
                );
                stack.push((*c, *c == '(' && after_label_keyword));
            }
            Token::Close(_) => {
                stack.pop();
            }
            Token::Ident(name)
                if name == "__name__" && stack.last().is_some_and(|s| s.0 == '{') =>
            {
                if let (Some(Token::Op(op)), Some(Token::Str(value))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && op == "="
                {
                    names.insert(value.clone());
                }
            }
            Token::Ident(name) => {
                let is_call = matches!(tokens.get(i + 1), Some(Token::Open('(')));
                let is_keyword = KEYWORDS.contains(&name.to_ascii_lowercase().as_str());
                if !is_call && !is_keyword && !in_labels(&stack) && is_metric_name(name) {
                    names.insert(name.clone());
                }
            }
            _ => {}
        }
    }
    names
}

/// A comparison operator of a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
}

impl CmpOp {
    fn parse(op: &str) -> Option<CmpOp> {
        match op {
            ">" => Some(CmpOp::Greater),
            ">=" => Some(CmpOp::GreaterEqual),
            "<" => Some(CmpOp::Less),
            "<=" => Some(CmpOp::LessEqual),
            _ => None,
        }
    }

    /// `5 < x` is `x > 5`.
    fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Greater => CmpOp::Less,
            CmpOp::GreaterEqual => CmpOp::LessEqual,
            CmpOp::Less => CmpOp::Greater,
            CmpOp::LessEqual => CmpOp::GreaterEqual,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Greater => ">",
            CmpOp::GreaterEqual => ">=",
            CmpOp::Less => "<",
            CmpOp::LessEqual => "<=",
        }
    }
}

/// `<watched> <op> <threshold>`: a rule expression that filters one side against a number.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The tokens of the side that is not the number.
    pub(crate) watched: Vec<Token>,
    pub op: CmpOp,
    pub value: f64,
}

/// Reads `<expr> (>|>=|<|<=) <number>` or `<number> (<|…) <expr>`, normalised so the
/// number is on the right. `None` for anything else: several comparisons at the top
/// level, `and`/`or`/`unless`, `bool` comparisons, or no plain number on either side.
pub fn threshold(expr: &str) -> Option<Threshold> {
    let tokens: Vec<Token> = tokenize(expr).ok()?.into_iter().map(|(t, _)| t).collect();
    threshold_in(strip_outer_parens(&tokens))
}

fn strip_outer_parens(mut tokens: &[Token]) -> &[Token] {
    while let (Some(Token::Open('(')), Some(Token::Close(')'))) = (tokens.first(), tokens.last()) {
        // Only when the first `(` closes at the very end: `(a) > (b)` must stay whole.
        let mut depth = 0usize;
        let mut closes_at_end = true;
        for (i, t) in tokens.iter().enumerate() {
            match t {
                Token::Open(_) => depth += 1,
                Token::Close(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && i + 1 < tokens.len() {
                        closes_at_end = false;
                        break;
                    }
                }
                _ => {}
            }
        }
        if !closes_at_end {
            break;
        }
        tokens = &tokens[1..tokens.len() - 1];
    }
    tokens
}

fn threshold_in(tokens: &[Token]) -> Option<Threshold> {
    let mut depth = 0usize;
    let mut found: Option<(usize, CmpOp)> = None;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Open(_) => depth += 1,
            Token::Close(_) => depth = depth.saturating_sub(1),
            Token::Ident(k) if depth == 0 && matches!(k.as_str(), "and" | "or" | "unless") => {
                return None;
            }
            Token::Op(op) if depth == 0 && matches!(op.as_str(), "==" | "!=") => return None,
            Token::Op(op) if depth == 0 => {
                if let Some(cmp) = CmpOp::parse(op) {
                    if found.is_some() {
                        return None;
                    }
                    found = Some((i, cmp));
                }
            }
            _ => {}
        }
    }
    let (at, op) = found?;
    let (left, right) = (&tokens[..at], &tokens[at + 1..]);
    if matches!(right.first(), Some(Token::Ident(k)) if k == "bool") {
        return None;
    }
    if let Some(value) = plain_number(right) {
        return (!left.is_empty()).then(|| Threshold {
            watched: left.to_vec(),
            op,
            value,
        });
    }
    let value = plain_number(left)?;
    (!right.is_empty()).then(|| Threshold {
        watched: right.to_vec(),
        op: op.flipped(),
        value,
    })
}

/// `5`, `-5`, `(0.5)`: a number literal, perhaps signed or parenthesised.
fn plain_number(tokens: &[Token]) -> Option<f64> {
    match strip_outer_parens(tokens) {
        [Token::Number(n)] => Some(*n),
        [Token::Op(sign), Token::Number(n)] if sign == "-" => Some(-n),
        [Token::Op(sign), Token::Number(n)] if sign == "+" => Some(*n),
        _ => None,
    }
}

impl Threshold {
    /// The metric names of the watched side.
    pub fn metric_names(&self) -> BTreeSet<String> {
        names_in(&self.watched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(expr: &str) -> Vec<String> {
        metric_names(expr).into_iter().collect()
    }

    #[test]
    fn metric_names_skip_functions_labels_and_durations() {
        assert_eq!(
            names("histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 0.5"),
            ["http_request_duration_seconds_bucket"]
        );
        assert_eq!(
            names("sum by (pool) (rate(db_read_write_split_total{job=\"x\", pool=~\"r.*\"}[5m]))"),
            ["db_read_write_split_total"]
        );
        assert_eq!(
            names(
                "(1 - (rate(websocket_batches_sent_total[5m]) / \n rate(websocket_messages_total[5m]))) * 100"
            ),
            ["websocket_batches_sent_total", "websocket_messages_total"]
        );
        assert_eq!(
            names("a / on (instance) group_left(version) b offset 5m"),
            ["a", "b"]
        );
        assert_eq!(
            names("instance:api_request_rate > 10"),
            ["instance:api_request_rate"]
        );
        assert_eq!(names("{__name__=\"up\", job=\"x\"} == 0"), ["up"]);
        assert_eq!(
            names(
                "max_over_time(x[10m:1m]) > Inf or label_replace(y, \"a\", \"$1\", \"b\", \"(.*)\")"
            ),
            ["x", "y"]
        );
        assert_eq!(names("topk(3, sum without (le) (z))"), ["z"]);
        assert!(names("vector(1) + time()").is_empty());
        // Unterminated strings keep what came before.
        assert_eq!(names("up{job=\"x"), ["up"]);
    }

    #[test]
    fn brackets_must_pair() {
        assert!(check_brackets("sum(rate(x[5m])) > 1").is_ok());
        assert!(check_brackets("x{a=\")\"}").is_ok());
        assert_eq!(
            check_brackets("sum(rate(x[5m])"),
            Err("unclosed `(`".into())
        );
        assert_eq!(check_brackets("x[5m)"), Err("`[` closed by `)`".into()));
        assert_eq!(check_brackets("x)"), Err("unexpected `)`".into()));
        assert!(
            check_brackets("x{a=\"b}")
                .unwrap_err()
                .contains("unterminated")
        );
    }

    #[test]
    fn thresholds_are_read_either_way_round() {
        let t = threshold("db_replication_lag_seconds > 5").unwrap();
        assert_eq!((t.op, t.value), (CmpOp::Greater, 5.0));
        assert_eq!(
            t.metric_names().into_iter().collect::<Vec<_>>(),
            ["db_replication_lag_seconds"]
        );
        let t = threshold("0.9 <= cache_hit_ratio").unwrap();
        assert_eq!((t.op, t.value), (CmpOp::GreaterEqual, 0.9));
        let t = threshold("(sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))) < 1e-2")
            .unwrap();
        assert_eq!((t.op, t.value), (CmpOp::Less, 0.01));
        let t = threshold("(x > -3)").unwrap();
        assert_eq!((t.op, t.value), (CmpOp::Greater, -3.0));
        assert_eq!(threshold("x > 0x10").unwrap().value, 16.0);
    }

    #[test]
    fn other_shapes_have_no_threshold() {
        for expr in [
            "up == 0",
            "x > bool 5",
            "x > 5 and y > 3",
            "x > y",
            "5 < x < 7",
            "absent(up)",
            "x > 5 * 60",
        ] {
            assert_eq!(threshold(expr), None, "{expr}");
        }
    }
}
