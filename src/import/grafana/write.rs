//! The converted dashboard as readable TOML in the layout format: a header naming the
//! sources, then variables, annotations and tabs, each panel under a comment naming the
//! Grafana panel it came from and what was approximated.

use super::fields::Mapping;
use super::grid::RowOut;
use super::panels::PanelOut;
use super::variables::{AnnotationOut, VariableOut};
use std::fmt::Write as _;

/// A TOML string: literal ('…', or '''…''' over several lines, as a PromQL expression is
/// often written) when it can be, else basic ("…") with escapes.
pub fn quote(text: &str) -> String {
    let plain = !text.contains('\'') && !text.chars().any(char::is_control);
    if plain {
        return format!("'{text}'");
    }
    let multiline = text.contains('\n')
        && !text.contains("'''")
        && !text.ends_with('\'')
        && !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t');
    if multiline {
        return format!("'''\n{text}'''");
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number TOML reads back as the same f64.
fn number(value: f64) -> String {
    format!("{value:?}")
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A comment line per text, wrapped at nothing: each says one thing.
fn comments(out: &mut String, prefix: &str, texts: &[String]) {
    for text in texts {
        let one_line = text.replace(['\n', '\r'], " ");
        let _ = writeln!(out, "# {prefix}{one_line}");
    }
}

pub fn variables(variables: &[VariableOut]) -> String {
    let mut out = String::new();
    for v in variables {
        let _ = writeln!(out, "[[variable]]\nname = {}", quote(&v.name));
        if let Some(label) = &v.label {
            let _ = writeln!(out, "label = {}", quote(label));
        }
        let _ = writeln!(out, "kind = {}", quote(v.kind));
        if let Some(query) = &v.query {
            let _ = writeln!(out, "query = {}", quote(query));
        }
        if let Some(regex) = &v.regex {
            let _ = writeln!(out, "regex = {}", quote(regex));
        }
        if !v.values.is_empty() {
            let _ = writeln!(out, "values = {}", list(&v.values));
        }
        if let Some(value) = &v.value {
            let _ = writeln!(out, "value = {}", quote(value));
        }
        if matches!(v.kind, "query" | "custom") {
            let _ = writeln!(out, "multi = {}\ninclude_all = {}", v.multi, v.include_all);
        }
        if let Some(all) = &v.all_value {
            let _ = writeln!(out, "all_value = {}", quote(all));
        }
        if !v.default.is_empty() {
            let _ = writeln!(out, "default = {}", list(&v.default));
        }
        out.push('\n');
    }
    out
}

pub fn annotations(annotations: &[AnnotationOut]) -> String {
    let mut out = String::new();
    for a in annotations {
        let _ = writeln!(
            out,
            "[[annotation]]\nname = {}\nquery = {}",
            quote(&a.name),
            quote(&a.query)
        );
        if let Some(title) = &a.title {
            let _ = writeln!(out, "title = {}", quote(title));
        }
        if let Some(colour) = &a.colour {
            let _ = writeln!(out, "colour = {}", quote(colour));
        }
        out.push('\n');
    }
    out
}

fn mapping(out: &mut String, m: &Mapping) {
    out.push_str("\n[[tab.row.panel.mapping]]\n");
    if let Some(value) = m.value {
        let _ = writeln!(out, "value = {}", number(value));
    }
    if let Some(from) = m.from {
        let _ = writeln!(out, "from = {}", number(from));
    }
    if let Some(to) = m.to {
        let _ = writeln!(out, "to = {}", number(to));
    }
    let _ = writeln!(out, "text = {}", quote(&m.text));
}

/// One `[[tab.row.panel]]` with its series and mappings; `width` is its grid width.
pub fn panel(p: &PanelOut, approximations: &[String]) -> String {
    let mut out = String::new();
    let id = p.id.map(|i| format!(" {i}")).unwrap_or_default();
    let _ = writeln!(out, "# Grafana panel{id} ({})", p.grafana_type);
    comments(&mut out, "approximated: ", approximations);
    comments(&mut out, "note: ", &p.remarks);
    let _ = writeln!(
        out,
        "[[tab.row.panel]]\ntitle = {}\nkind = {}",
        quote(&p.title),
        quote(p.kind)
    );
    let _ = writeln!(out, "width = {}", p.grid.w);
    if let [(query, legend)] = p.series.as_slice() {
        let _ = writeln!(out, "query = {}", quote(query));
        if let Some(legend) = legend {
            let _ = writeln!(out, "legend = {}", quote(legend));
        }
    }
    if p.unit != "none" {
        let _ = writeln!(out, "unit = {}", quote(p.unit));
    }
    if let Some(d) = p.decimals {
        let _ = writeln!(out, "decimals = {d}");
    }
    if let Some(min) = p.min {
        let _ = writeln!(out, "min = {}", number(min));
    }
    if let Some(max) = p.max {
        let _ = writeln!(out, "max = {}", number(max));
    }
    if let Some(target) = p.thresholds.target {
        let _ = writeln!(out, "target = {}", number(target));
    }
    if let Some(alert) = p.thresholds.alert {
        let _ = writeln!(out, "alert = {}", number(alert));
    }
    if p.thresholds.below && (p.thresholds.target.is_some() || p.thresholds.alert.is_some()) {
        out.push_str("direction = \"below\"\n");
    }
    if let Some(window) = &p.window {
        let _ = writeln!(out, "window = {}", quote(window));
    }
    if let Some(reduce) = p.reduce {
        let _ = writeln!(out, "reduce = {}", quote(reduce));
    }
    if let Some(description) = &p.description {
        let _ = writeln!(out, "description = {}", quote(description));
    }
    if p.series.len() > 1 {
        for (query, legend) in &p.series {
            let _ = writeln!(out, "\n[[tab.row.panel.series]]\nquery = {}", quote(query));
            if let Some(legend) = legend {
                let _ = writeln!(out, "legend = {}", quote(legend));
            }
        }
    }
    for m in &p.mappings {
        mapping(&mut out, m);
    }
    out
}

/// A tab: its title, then each row with its panels (already written).
pub fn tab(title: &str, rows: &[(u16, Vec<String>)]) -> String {
    let rule = "─".repeat(60usize.saturating_sub(title.chars().count() + 4).max(4));
    let mut out = format!(
        "# ── {} {rule}\n[[tab]]\ntitle = {}\n",
        title.replace(['\n', '\r'], " "),
        quote(title)
    );
    for (height, panels) in rows {
        let _ = writeln!(out, "\n[[tab.row]]\nheight = {height}");
        for panel in panels {
            out.push('\n');
            out.push_str(panel);
        }
    }
    out.push('\n');
    out
}

/// Rows for `tab`: heights and their written panels.
pub fn rows(rows: &[RowOut], written: impl Fn(&PanelOut) -> String) -> Vec<(u16, Vec<String>)> {
    rows.iter()
        .map(|r| (r.height, r.panels.iter().map(&written).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn strings_stay_readable_and_valid() {
        assert_eq!(
            quote(r#"rate(x{job="a"}[5m])"#),
            r#"'rate(x{job="a"}[5m])'"#
        );
        assert_eq!(quote("it's"), r#""it's""#);
        assert_eq!(quote("a\nb\\"), "'''\na\nb\\'''");
        for text in ["x'\"\u{1}\\y", "it's\n", "a\nb'", "(\n  x\n)\n"] {
            let parsed: toml::Table = toml::from_str(&format!("k = {}", quote(text))).unwrap();
            assert_eq!(parsed["k"].as_str(), Some(text));
        }
    }
}
