//! `--var NAME=VALUE`: the start of a session's choice, read against the layout's variables.

use crate::config::Layout;
use crate::variables::{ALL, Selection};

/// Reads `--var NAME=VALUE` flags against the layout's variables: the name must be
/// declared; a multi variable takes several values separated by commas (a single-value
/// variable takes the text whole); `$__all` or `All` selects All where offered; a custom,
/// interval or constant variable's value must be one of its values. `NAME=` selects the
/// empty value (Grafana's None), as a variable without options has.
pub fn choices(
    layout: &Layout,
    flags: &[String],
) -> Result<Vec<(String, Selection)>, VarFlagError> {
    let error = |flag: &str, problem: String| VarFlagError {
        flag: flag.to_string(),
        problem,
    };
    let mut chosen: Vec<(String, Selection)> = Vec::new();
    for flag in flags {
        let Some((name, value)) = flag.split_once('=') else {
            return Err(error(flag, "expected NAME=VALUE".into()));
        };
        let name = name.trim().trim_start_matches('$');
        let declared: Vec<&str> = layout.variables.iter().map(|v| v.name.as_str()).collect();
        let Some(variable) = layout.variables.iter().find(|v| v.name == name) else {
            return Err(error(
                flag,
                format!("the layout has no variable \"{name}\" (declared: {declared:?})"),
            ));
        };
        if chosen.iter().any(|(n, _)| n == name) {
            return Err(error(flag, format!("\"{name}\" is given twice")));
        }
        let values: Vec<String> = if variable.multi && !value.is_empty() {
            value.split(',').map(|v| v.trim().to_string()).collect()
        } else {
            vec![value.to_string()]
        };
        let mut selection = Vec::new();
        for value in values {
            if value == ALL || value == "All" {
                if !variable.include_all {
                    return Err(error(flag, format!("\"{name}\" does not offer All")));
                }
                selection.push(ALL.to_string());
            } else if let Some(options) = variable.static_options().filter(|o| !o.contains(&value))
            {
                return Err(error(
                    flag,
                    format!("\"{value}\" is not one of {name}'s values {options:?}"),
                ));
            } else if value.is_empty() && !selection.is_empty() {
                return Err(error(flag, "empty value among several".into()));
            } else {
                selection.push(value);
            }
        }
        chosen.push((name.to_string(), Selection::of(selection)));
    }
    Ok(chosen)
}

/// A `--var` flag the layout cannot take.
#[derive(Debug, thiserror::Error)]
#[error("--var {flag}: {problem}")]
pub struct VarFlagError {
    flag: String,
    problem: String,
}
