//! The converted dashboard as readable TOML in the layout format: a header naming the
//! sources, then variables, annotations and tabs, each panel under a comment naming the
//! Grafana panel it came from and what was approximated. Values are written through serde,
//! so a kind, unit, reduction or direction is spelt as the layout loader reads it.

use super::grid::RowOut;
use super::panels::PanelOut;
use super::text::one_line;
use super::variables::{AnnotationOut, VariableOut};
use crate::config::layout::VariableKindName;
use crate::model::mapping::{Matches, ValueText};
use crate::model::{Direction, Unit};
use serde::Serialize;
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

/// `value` as TOML, serialised by serde: strings as [`quote`] writes them, floats so they
/// read back the same. Only the layout's own values come here, which serde always takes;
/// were one refused, the text says why and the loader's probe of the panel refuses it.
fn value(value: &impl Serialize) -> String {
    match toml::Value::try_from(value) {
        Ok(v) => toml_value(&v),
        Err(e) => quote(&format!("(not written: {e})")),
    }
}

fn toml_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => quote(text),
        toml::Value::Float(f) => number(*f),
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_value).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `key = value`.
fn pair(out: &mut String, key: &str, v: &impl Serialize) {
    let _ = writeln!(out, "{key} = {}", value(v));
}

/// `key = value` when there is a value.
fn maybe<T: Serialize>(out: &mut String, key: &str, v: Option<T>) {
    if let Some(v) = v {
        pair(out, key, &v);
    }
}

/// A comment line per text, wrapped at nothing: each says one thing.
fn comments(out: &mut String, prefix: &str, texts: &[String]) {
    for text in texts {
        let one_line = text.replace(char::is_control, " ");
        let _ = writeln!(out, "# {prefix}{one_line}");
    }
}

pub fn variables(variables: &[VariableOut]) -> String {
    let mut out = String::new();
    for v in variables {
        out.push_str("[[variable]]\n");
        pair(&mut out, "name", &v.name);
        maybe(&mut out, "label", v.label.as_ref());
        pair(&mut out, "kind", &v.kind);
        maybe(&mut out, "query", v.query.as_ref());
        maybe(&mut out, "regex", v.regex.as_ref());
        maybe(
            &mut out,
            "values",
            Some(&v.values).filter(|v| !v.is_empty()),
        );
        maybe(&mut out, "value", v.value.as_ref());
        if matches!(v.kind, VariableKindName::Query | VariableKindName::Custom) {
            pair(&mut out, "multi", &v.multi);
            pair(&mut out, "include_all", &v.include_all);
        }
        maybe(&mut out, "all_value", v.all_value.as_ref());
        maybe(
            &mut out,
            "default",
            Some(&v.default).filter(|d| !d.is_empty()),
        );
        out.push('\n');
    }
    out
}

pub fn annotations(annotations: &[AnnotationOut]) -> String {
    let mut out = String::new();
    for a in annotations {
        out.push_str("[[annotation]]\n");
        pair(&mut out, "name", &a.name);
        pair(&mut out, "query", &a.query);
        maybe(&mut out, "title", a.title.as_ref());
        maybe(&mut out, "colour", a.colour.as_ref());
        out.push('\n');
    }
    out
}

fn mapping(out: &mut String, m: &ValueText) {
    out.push_str("\n[[tab.row.panel.mapping]]\n");
    match m.matches {
        Matches::Value(v) => pair(out, "value", &v),
        Matches::Range { from, to } => {
            maybe(out, "from", from);
            maybe(out, "to", to);
        }
    }
    pair(out, "text", &m.text);
}

/// A query and its legend, as a panel or one of its series writes them.
fn query(out: &mut String, (query, legend): &(String, Option<String>)) {
    pair(out, "query", query);
    maybe(out, "legend", legend.as_ref());
}

/// One `[[tab.row.panel]]` with its series and mappings, under comments naming the Grafana
/// panel and what was approximated.
pub fn panel(p: &PanelOut, approximations: &[String]) -> String {
    let mut out = String::new();
    let id = p.id.map(|i| format!(" {i}")).unwrap_or_default();
    let _ = writeln!(out, "# Grafana panel{id} ({})", p.grafana_type);
    comments(&mut out, "approximated: ", approximations);
    comments(&mut out, "note: ", &p.remarks);
    out.push_str("[[tab.row.panel]]\n");
    pair(&mut out, "title", &p.title);
    pair(&mut out, "kind", &p.kind);
    pair(&mut out, "width", &p.grid.w);
    if let [one] = p.series.as_slice() {
        query(&mut out, one);
    }
    maybe(&mut out, "unit", Some(p.unit).filter(|u| *u != Unit::None));
    maybe(&mut out, "decimals", p.decimals);
    maybe(&mut out, "min", p.min);
    maybe(&mut out, "max", p.max);
    let t = &p.thresholds;
    maybe(&mut out, "target", t.target);
    maybe(&mut out, "alert", t.alert);
    if !t.is_empty() && t.direction != Direction::default() {
        pair(&mut out, "direction", &t.direction);
    }
    maybe(&mut out, "window", p.window.as_ref());
    maybe(&mut out, "reduce", p.reduce);
    maybe(&mut out, "description", p.description.as_ref());
    maybe(&mut out, "columns", p.columns.as_ref());
    if p.series.len() > 1 {
        for series in &p.series {
            out.push_str("\n[[tab.row.panel.series]]\n");
            query(&mut out, series);
        }
    }
    for m in &p.mappings {
        mapping(&mut out, m);
    }
    out
}

/// A tab: its title, then each row with its panels (already written).
pub fn tab(title: &str, rows: &[(u16, Vec<String>)]) -> String {
    // A tab bar shows a few words of a title: a longer one is cut, as in the comment.
    let title = one_line(title);
    let rule = "─".repeat(60usize.saturating_sub(title.chars().count() + 4).max(4));
    let mut out = format!("# ── {title} {rule}\n[[tab]]\ntitle = {}\n", quote(&title));
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
    use super::*;
    use crate::config::layout::{PanelKind, Reduce};
    use crate::config::{Layout, Source};
    use crate::import::grafana::panels::Grid;
    use crate::model::Thresholds;

    /// A panel of `kind` in `unit`, bad below its thresholds, with a range mapping.
    fn out(kind: PanelKind, unit: Unit, reduce: Option<Reduce>) -> PanelOut {
        PanelOut {
            title: "it's".into(),
            kind,
            series: vec![("up".into(), Some("{{job}}".into()))],
            unit,
            decimals: Some(1),
            min: Some(0.0),
            max: Some(100.0),
            thresholds: Thresholds {
                target: Some(20.0),
                alert: Some(10.0),
                direction: Direction::Below,
            },
            reduce,
            window: None,
            description: None,
            columns: None,
            mappings: vec![ValueText {
                matches: Matches::Range {
                    from: None,
                    to: Some(0.5),
                },
                text: "down".into(),
            }],
            grid: Grid {
                x: 0,
                y: 0,
                w: 6,
                h: 4,
            },
            id: Some(1),
            grafana_type: "stat".into(),
            remarks: Vec::new(),
            entry: 0,
        }
    }

    #[test]
    fn what_the_writer_spells_the_loader_reads_back_as_the_same_values() {
        let units = [
            Unit::None,
            Unit::Seconds,
            Unit::Milliseconds,
            Unit::Microseconds,
            Unit::Bytes,
            Unit::BytesPerSecond,
            Unit::BitsPerSecond,
            Unit::Percent,
            Unit::Ratio,
            Unit::PerSecond,
            Unit::Count,
        ];
        let reductions = [
            None,
            Some(Reduce::Max),
            Some(Reduce::Min),
            Some(Reduce::Sum),
        ];
        let kinds = [PanelKind::Gauge, PanelKind::Stat, PanelKind::Bar];
        for (i, unit) in units.into_iter().enumerate() {
            let (kind, reduce) = (kinds[i % kinds.len()], reductions[i % reductions.len()]);
            let written = panel(&out(kind, unit, reduce), &[]);
            let text = format!("[[tab]]\ntitle = 't'\n[[tab.row]]\n{written}");
            let layout = Layout::parse(Source {
                origin: "written".into(),
                text,
            })
            .unwrap_or_else(|e| panic!("{e}\n{written}"));
            let read = &layout.tabs[0].rows[0].panels[0];
            assert_eq!((read.kind, read.unit), (kind, unit), "{written}");
            assert_eq!(read.reduce, reduce.unwrap_or_default(), "{written}");
            assert_eq!(read.thresholds, out(kind, unit, reduce).thresholds);
            assert_eq!(read.mappings, out(kind, unit, reduce).mappings);
            assert_eq!((read.title.as_str(), read.width), ("it's", 6));
        }
        assert_eq!(
            crate::import::grafana::report::word(&PanelKind::KpiTable),
            "kpi_table"
        );
    }

    #[test]
    fn variables_of_each_kind_are_written_as_the_loader_reads_them() {
        let variable = |name: &str, kind| VariableOut {
            name: name.into(),
            label: None,
            kind,
            query: (kind == VariableKindName::Query).then(|| "label_values(up, job)".into()),
            regex: None,
            values: match kind {
                VariableKindName::Custom | VariableKindName::Interval => vec!["1m".into()],
                _ => Vec::new(),
            },
            value: (kind == VariableKindName::Constant).then(|| "x".into()),
            multi: kind == VariableKindName::Custom,
            include_all: false,
            all_value: None,
            default: Vec::new(),
        };
        let written = variables(&[
            variable("q", VariableKindName::Query),
            variable("c", VariableKindName::Custom),
            variable("k", VariableKindName::Constant),
            variable("i", VariableKindName::Interval),
        ]);
        let text = format!(
            "{written}[[tab]]\ntitle = 't'\n[[tab.row]]\n[[tab.row.panel]]\ntitle = 'p'\nkind = 'stat'\nquery = 'up'\n"
        );
        let layout = Layout::parse(Source {
            origin: "written".into(),
            text,
        })
        .unwrap_or_else(|e| panic!("{e}\n{written}"));
        let kinds: Vec<&str> = layout
            .variables
            .iter()
            .map(|v| match v.kind {
                crate::variables::VariableKind::Query { .. } => "query",
                crate::variables::VariableKind::Custom { .. } => "custom",
                crate::variables::VariableKind::Constant { .. } => "constant",
                crate::variables::VariableKind::Interval { .. } => "interval",
            })
            .collect();
        assert_eq!(kinds, ["query", "custom", "constant", "interval"]);
        assert!(layout.variables[1].multi, "{written}");
    }

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
