//! `[[variable]]`: template variables as written, and their validation — the right keys for
//! each kind, options queries the parser accepts, chains that only look back, a default
//! that is one of the values — with errors at the file, line, column and key.

use super::build::Builder;
use crate::config::ConfigError;
use crate::variables::{ALL, Format, OptionsQuery, OptionsRegex, Variable, VariableKind};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// `kind =` of a `[[variable]]`; written (`import grafana`) under the name it is read by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Query,
    Custom,
    Constant,
    Interval,
}

/// `default = "a"` or `default = ["a", "b"]`.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VariableFile {
    name: Spanned<String>,
    label: Option<String>,
    kind: Spanned<KindName>,
    query: Option<Spanned<String>>,
    regex: Option<Spanned<String>>,
    values: Option<Spanned<Vec<String>>>,
    value: Option<Spanned<String>>,
    #[serde(default)]
    multi: bool,
    #[serde(default)]
    include_all: bool,
    all_value: Option<Spanned<String>>,
    default: Option<Spanned<OneOrMany>>,
}

/// `query`, `custom`, … as the file writes it.
fn kind_text(kind: KindName) -> String {
    format!("{kind:?}").to_lowercase()
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Builder<'_> {
    /// Validates the `[[variable]]` entries in order: each may use only those before it.
    pub(super) fn declare_variables(
        &mut self,
        files: Vec<VariableFile>,
    ) -> Result<(), ConfigError> {
        for (i, file) in files.into_iter().enumerate() {
            let variable = self.variable(file, &format!("variable[{i}]"))?;
            self.variables.push(variable);
        }
        Ok(())
    }

    fn variable(&self, file: VariableFile, path: &str) -> Result<Variable, ConfigError> {
        self.check_name(&file.name, path)?;
        self.check_kind_keys(&file, path)?;
        let kind = self.kind(&file, path)?;
        if let (Some(all_value), false) = (&file.all_value, file.include_all) {
            return self.error(
                all_value.span(),
                format!("{path}.all_value"),
                "`all_value` says what All stands for; set include_all = true to offer All".into(),
            );
        }
        let variable = Variable {
            name: file.name.into_inner(),
            label: file.label,
            kind,
            multi: file.multi,
            include_all: file.include_all,
            all_value: file.all_value.map(Spanned::into_inner),
            default: Vec::new(),
        };
        let default = match &file.default {
            Some(default) => self.default(&variable, default, path)?,
            None => Vec::new(),
        };
        Ok(Variable {
            default,
            ..variable
        })
    }

    /// An identifier not taken yet, and not `__…` (the built-ins' names).
    fn check_name(&self, name: &Spanned<String>, path: &str) -> Result<(), ConfigError> {
        let text = name.get_ref();
        if !is_name(text) || text.starts_with("__") {
            return self.error(
                name.span(),
                format!("{path}.name"),
                format!("\"{text}\" is not a variable name: letters, digits and _, not starting with a digit or __"),
            );
        }
        if self.variables.iter().any(|v| &v.name == text) {
            return self.error(
                name.span(),
                format!("{path}.name"),
                format!("a variable named \"{text}\" is already declared"),
            );
        }
        Ok(())
    }

    /// Which keys each kind takes, so a key of another kind is a mistake, not ignored.
    fn check_kind_keys(&self, file: &VariableFile, path: &str) -> Result<(), ConfigError> {
        let kind = *file.kind.get_ref();
        let keys = [
            (
                "query",
                file.query.as_ref().map(Spanned::span),
                kind == KindName::Query,
            ),
            (
                "regex",
                file.regex.as_ref().map(Spanned::span),
                kind == KindName::Query,
            ),
            (
                "values",
                file.values.as_ref().map(Spanned::span),
                matches!(kind, KindName::Custom | KindName::Interval),
            ),
            (
                "value",
                file.value.as_ref().map(Spanned::span),
                kind == KindName::Constant,
            ),
        ];
        for (key, span, allowed) in keys {
            if let (Some(span), false) = (span, allowed) {
                return self.error(
                    span,
                    format!("{path}.{key}"),
                    format!("a {} variable takes no `{key}`", kind_text(kind)),
                );
            }
        }
        Ok(())
    }

    /// The kind with what it needs: an options query, values, or a value.
    fn kind(&self, file: &VariableFile, path: &str) -> Result<VariableKind, ConfigError> {
        let kind_name = *file.kind.get_ref();
        let missing = |key: &str, example: &str| {
            self.error(
                file.kind.span(),
                format!("{path}.{key}"),
                format!(
                    "variable \"{}\": a {} variable needs `{key}`, e.g. {example}",
                    file.name.get_ref(),
                    kind_text(kind_name)
                ),
            )
        };
        Ok(match kind_name {
            KindName::Query => {
                let Some(query) = &file.query else {
                    return missing("query", "query = 'label_values(up, job)'");
                };
                VariableKind::Query {
                    query: self.options_query(query, &format!("{path}.query"))?,
                    regex: match &file.regex {
                        Some(regex) => {
                            Some(OptionsRegex::parse(regex.get_ref()).or_else(|e| {
                                self.error(regex.span(), format!("{path}.regex"), e)
                            })?)
                        }
                        None => None,
                    },
                }
            }
            KindName::Custom | KindName::Interval => {
                let Some(values) = &file.values else {
                    return missing("values", "values = [\"a\", \"b\"]");
                };
                if values.get_ref().is_empty() {
                    return self.error(
                        values.span(),
                        format!("{path}.values"),
                        "give at least one value".into(),
                    );
                }
                if kind_name == KindName::Interval {
                    self.interval_values(values.get_ref(), values.span(), path)?;
                    VariableKind::Interval {
                        values: values.get_ref().clone(),
                    }
                } else {
                    VariableKind::Custom {
                        values: values.get_ref().clone(),
                    }
                }
            }
            KindName::Constant => {
                let Some(value) = &file.value else {
                    return missing("value", "value = \"prod\"");
                };
                VariableKind::Constant {
                    value: value.get_ref().clone(),
                }
            }
        })
    }

    /// Parses an options query and checks its PromQL, where only earlier variables count.
    fn options_query(
        &self,
        query: &Spanned<String>,
        key: &str,
    ) -> Result<OptionsQuery, ConfigError> {
        let parsed = OptionsQuery::parse(query.get_ref())
            .or_else(|e| self.error(query.span(), key.into(), e))?;
        if let OptionsQuery::LabelValues { label, .. } = &parsed {
            self.references_known(label, query.span(), key, "declared before this variable")?;
        }
        if let Some(promql) = parsed.promql() {
            self.references_known(promql, query.span(), key, "declared before this variable")?;
            if let Err(message) = crate::variables::expand::check(promql, &self.variables) {
                return self.error(query.span(), key.into(), message);
            }
        }
        Ok(parsed)
    }

    /// Every `$name` in `text` is a declared variable or a built-in, with a known format.
    pub(super) fn references_known(
        &self,
        text: &str,
        span: std::ops::Range<usize>,
        key: &str,
        which: &str,
    ) -> Result<(), ConfigError> {
        for reference in crate::variables::template::references(text) {
            let known = crate::variables::Intervals::is_builtin(reference.name)
                || self.variables.iter().any(|v| v.name == reference.name);
            if !known {
                let declared: Vec<&str> = self.variables.iter().map(|v| v.name.as_str()).collect();
                return self.error(
                    span,
                    key.into(),
                    format!(
                        "`${}` is not a variable {which} (declared: {declared:?})",
                        reference.name
                    ),
                );
            }
            if let Some(format) = reference.format.filter(|f| Format::parse(f).is_none()) {
                return self.error(
                    span,
                    key.into(),
                    format!(
                        "unknown format `:{format}` (expected one of {})",
                        Format::NAMES
                    ),
                );
            }
        }
        Ok(())
    }

    fn interval_values(
        &self,
        values: &[String],
        span: std::ops::Range<usize>,
        path: &str,
    ) -> Result<(), ConfigError> {
        for value in values {
            if promql_parser::util::duration::parse_duration(value).is_err() {
                return self.error(
                    span,
                    format!("{path}.values"),
                    format!("\"{value}\" is not a PromQL duration (e.g. 30s, 5m, 1h)"),
                );
            }
        }
        Ok(())
    }

    /// The initial selection: one value unless multi, among the values when they are known.
    fn default(
        &self,
        variable: &Variable,
        default: &Spanned<OneOrMany>,
        path: &str,
    ) -> Result<Vec<String>, ConfigError> {
        let key = format!("{path}.default");
        let values = match default.get_ref() {
            OneOrMany::One(one) => vec![one.clone()],
            OneOrMany::Many(many) => many.clone(),
        };
        if values.len() > 1 && !variable.multi {
            return self.error(
                default.span(),
                key,
                "several default values need multi = true".into(),
            );
        }
        for value in &values {
            if value == ALL {
                if !variable.include_all {
                    return self.error(
                        default.span(),
                        key,
                        format!("\"{ALL}\" (All) needs include_all = true"),
                    );
                }
                continue;
            }
            if let Some(options) = variable.static_options().filter(|o| !o.contains(value)) {
                return self.error(
                    default.span(),
                    key,
                    format!("\"{value}\" is not one of the values {options:?}"),
                );
            }
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_identifiers() {
        assert!(super::is_name("job"));
        assert!(super::is_name("_x1"));
        assert!(!super::is_name("1x"));
        assert!(!super::is_name("a-b"));
        assert!(!super::is_name(""));
    }
}
