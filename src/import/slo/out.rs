//! What a Sloth or Pyrra SLO becomes: a layout's `[[slo]]`, written as TOML; and where in
//! the YAML a key is, for errors with file:line:col.

use crate::config::ConfigError;
use crate::model::duration::Form;
use promql_parser::parser::{self, Expr, VectorSelector};
use std::path::Path;
use std::time::Duration;

/// One SLO as a layout's `[[slo]]` takes it.
#[derive(Clone, Debug, PartialEq)]
pub struct SloOut {
    pub name: String,
    pub service: String,
    pub description: Option<String>,
    pub objective: f64,
    pub window: Duration,
    pub sli: SliOut,
    pub alert: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SliOut {
    /// Counter selectors: errors and all requests.
    Ratio { errors: String, total: String },
    /// A histogram's `_bucket` selector (no `le`) and the bound of a good request.
    Latency { bucket: String, le: f64 },
}

/// A YAML document of a file: its text and where it starts in the file.
#[derive(Clone, Copy)]
pub struct Doc<'a> {
    pub file: &'a Path,
    pub whole: &'a str,
    pub text: &'a str,
    pub offset: usize,
}

impl Doc<'_> {
    /// An error at byte `at` of the document.
    pub fn error(&self, at: usize, key: &str, message: String) -> ConfigError {
        let start = self.offset + at;
        ConfigError::at(self.file, self.whole, Some(start..start), key, message)
    }

    /// An error at the value of the `nth` (0-based) `key:` in the document, else at its top.
    pub fn error_at_key(&self, key: &str, nth: usize, path: &str, message: String) -> ConfigError {
        self.error(self.find_key(key, nth).unwrap_or(0), path, message)
    }

    /// The byte offset of the value of the `nth` `key:` that starts a line (after
    /// indentation or a list's `- `).
    pub fn find_key(&self, key: &str, nth: usize) -> Option<usize> {
        let mut seen = 0;
        let mut start = 0;
        for line in self.text.split_inclusive('\n') {
            let trimmed = line.trim_start_matches([' ', '-']);
            if let Some(rest) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                if seen == nth {
                    let key_at = start + line.len() - trimmed.len();
                    // A value on the next lines: the key itself.
                    if rest.trim().is_empty() {
                        return Some(key_at);
                    }
                    let value = rest.len() - rest.trim_start().len();
                    return Some(start + (line.len() - rest.len()) + value);
                }
                seen += 1;
            }
            start += line.len();
        }
        None
    }

    /// serde_yaml's error at its own place.
    pub fn yaml_error(&self, what: &str, err: &serde_yaml_ng::Error) -> ConfigError {
        let at = err.location().map_or(0, |l| l.index());
        self.error(at, "", format!("not a {what}: {err}"))
    }
}

/// The documents of a YAML file, split at `---` lines.
pub fn documents<'a>(file: &'a Path, text: &'a str) -> Vec<Doc<'a>> {
    let mut docs = Vec::new();
    let (mut start, mut at) = (0, 0);
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            docs.push(Doc {
                file,
                whole: text,
                text: &text[start..at],
                offset: start,
            });
            start = at + line.len();
        }
        at += line.len();
    }
    docs.push(Doc {
        file,
        whole: text,
        text: &text[start..],
        offset: start,
    });
    docs.retain(|d| {
        d.text
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

/// An objective in percent, strictly between 0 and 100, as the layout takes it.
pub fn objective(
    doc: &Doc,
    value: f64,
    key: &str,
    nth: usize,
    path: &str,
) -> Result<f64, ConfigError> {
    if value.is_finite() && value > 0.0 && value < 100.0 {
        Ok(value)
    } else {
        Err(doc.error_at_key(key, nth, path, format!("objective {value} must be above 0 and below 100 (percent of good requests; 100 leaves no error budget)")))
    }
}

/// The counter selector a rate is taken of: `sum(rate(x[w]))`, `rate(x[w])`,
/// `increase(…)`, in parentheses or not.
pub fn rate_of(expr: &Expr) -> Option<&VectorSelector> {
    match expr {
        Expr::Paren(p) => rate_of(&p.expr),
        Expr::Aggregate(a) if a.op.to_string() == "sum" && a.param.is_none() => rate_of(&a.expr),
        Expr::Call(c) if matches!(c.func.name, "rate" | "increase") => match c.args.args.first() {
            Some(arg) => match arg.as_ref() {
                Expr::MatrixSelector(m) => Some(&m.vs),
                _ => None,
            },
            None => None,
        },
        _ => None,
    }
}

/// `selector` as text, without the matchers named in `drop` (and without `__name__`).
pub fn selector_text(selector: &VectorSelector, drop: &[&str]) -> String {
    let matchers: Vec<String> = selector
        .matchers
        .matchers
        .iter()
        .filter(|m| m.name != "__name__" && !drop.contains(&m.name.as_str()))
        .map(ToString::to_string)
        .collect();
    let name = selector.name.clone().unwrap_or_default();
    if matchers.is_empty() {
        name
    } else {
        format!("{name}{{{}}}", matchers.join(", "))
    }
}

/// Why `selector` is not a counter the layout takes (a name ending in one of `suffixes`).
pub fn not_a_counter(selector: &VectorSelector, suffixes: &[&str]) -> Option<String> {
    match selector.name.as_deref() {
        Some(name) if suffixes.iter().any(|s| name.ends_with(s)) => None,
        Some(name) => Some(format!(
            "`{name}` is not a counter (its name does not end in {})",
            suffixes.join(", ")
        )),
        None => Some("the selector names no metric".into()),
    }
}

/// The `le` matcher's bound of a bucket selector.
pub fn le_of(selector: &VectorSelector) -> Option<f64> {
    selector
        .matchers
        .matchers
        .iter()
        .find(|m| m.name == "le")
        .and_then(|m| m.value.parse().ok())
}

/// Parses PromQL; `None` for what does not parse.
pub fn parse(expr: &str) -> Option<Expr> {
    parser::parse(expr).ok()
}

/// A TOML string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `slos` as `[[slo]]` tables, after a comment naming where they came from.
pub fn slo_tables(slos: &[SloOut], from: &str) -> String {
    let mut out = format!("# SLOs from {from}\n");
    for slo in slos {
        out.push_str("\n[[slo]]\n");
        out.push_str(&format!("name = {}\n", quoted(&slo.name)));
        out.push_str(&format!("service = {}\n", quoted(&slo.service)));
        if let Some(description) = slo.description.as_deref().filter(|d| !d.is_empty()) {
            out.push_str(&format!("description = {}\n", quoted(description)));
        }
        out.push_str(&format!("objective = {:?}\n", slo.objective));
        out.push_str(&format!(
            "window = {}\n",
            quoted(&Form::Setting.duration(slo.window))
        ));
        match &slo.sli {
            SliOut::Ratio { errors, total } => {
                out.push_str(&format!("errors = {}\n", quoted(errors)));
                out.push_str(&format!("total = {}\n", quoted(total)));
            }
            SliOut::Latency { bucket, le } => {
                out.push_str(&format!("bucket = {}\n", quoted(bucket)));
                out.push_str(&format!("le = {le:?}\n"));
            }
        }
        if let Some(alert) = &slo.alert {
            out.push_str(&format!("alert = {}\n", quoted(alert)));
        }
    }
    out
}

/// A tab drawing every SLO, for a layout that has none.
pub const SLO_TAB: &str = "
[[tab]]
title = \"SLO\"
[[tab.row]]
[[tab.row.panel]]
title = \"Error budgets\"
kind = \"slo\"
";
