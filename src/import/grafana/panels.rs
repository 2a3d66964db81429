//! One Grafana panel as a layout panel: its kind, every visible PromQL target with its
//! legend, and its field config; or why it cannot be one.

use super::fields;
use super::json;
use super::legacy::{legacy_thresholds, series_overrides};
use crate::config::layout::{PanelKind, Reduce};
use crate::model::duration::Form;
use crate::model::mapping::ValueText;
use crate::model::{Direction, Thresholds, Unit};
use serde_json::Value;
use std::collections::BTreeSet;

/// Where a panel sits on Grafana's 24-column grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    pub x: u16,
    pub y: u32,
    pub w: u16,
    pub h: u16,
}

impl Grid {
    pub fn of(panel: &Value) -> Grid {
        let pos = panel.get("gridPos").unwrap_or(&Value::Null);
        let at = |key, default: f64| json::number_at(pos, key).unwrap_or(default).max(0.0);
        Grid {
            x: at("x", 0.0).min(24.0) as u16,
            y: at("y", 0.0).min(f64::from(u32::MAX)) as u32,
            w: at("w", 12.0).clamp(1.0, 24.0) as u16,
            h: at("h", 8.0).clamp(1.0, 100.0) as u16,
        }
    }
}

/// A converted panel, ready to be written: the layout model's own kind, unit, reduction,
/// thresholds and mappings.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelOut {
    pub title: String,
    pub kind: PanelKind,
    /// Expressions, verbatim, with their legend templates.
    pub series: Vec<(String, Option<String>)>,
    pub unit: Unit,
    pub decimals: Option<u8>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub thresholds: Thresholds,
    pub reduce: Option<Reduce>,
    /// The history shown (Grafana's relative time override), as the layout writes it.
    pub window: Option<String>,
    pub description: Option<String>,
    pub mappings: Vec<ValueText>,
    /// A table's label columns, when its old `styles` name them.
    pub columns: Option<Vec<String>>,
    pub grid: Grid,
    /// The Grafana panel it came from, for the comment above it.
    pub id: Option<i64>,
    pub grafana_type: String,
    /// Facts worth a word that lose nothing Grafana showed (hidden targets).
    pub remarks: Vec<String>,
    /// Its place among the report entries of its tab.
    pub entry: usize,
}

/// What became of a panel: converted (with what was approximated) or skipped (why).
pub type Converted = Result<(PanelOut, Vec<String>), String>;

/// What a conversion says besides the panel, in the order it finds it.
#[derive(Default)]
struct Notes {
    /// What Grafana showed that is lost or approximated.
    lost: Vec<String>,
    /// Facts that lose nothing (a hidden target).
    remarks: Vec<String>,
}

/// The layout kind for a Grafana panel type, and what the change loses.
fn kind(grafana: &str) -> Result<(PanelKind, Option<&'static str>), String> {
    Ok(match grafana {
        "timeseries" | "graph" => (PanelKind::Chart, None),
        "stat" | "singlestat" => (PanelKind::Stat, None),
        "gauge" => (PanelKind::Gauge, None),
        "bargauge" => (PanelKind::Bar, None),
        "table" | "table-old" => (PanelKind::Table, None),
        "piechart" | "barchart" => (
            PanelKind::Bar,
            Some("slices/bars of the latest values as horizontal bars"),
        ),
        "state-timeline" | "status-history" => {
            (PanelKind::Chart, Some("states over time drawn as lines"))
        }
        "text" => return Err("a text panel has no query (Markdown/HTML is not shown)".into()),
        "news" => return Err("a news panel reads an RSS feed, not Prometheus".into()),
        "heatmap" => return Err("a heatmap has no terminal counterpart here".into()),
        "dashlist" | "alertlist" | "annolist" | "logs" | "traces" | "nodeGraph" | "flamegraph" => {
            return Err(format!(
                "a {grafana} panel shows Grafana's own data, not a PromQL query"
            ));
        }
        other => {
            return Err(format!(
                "panel type {other} (a plugin or a kind without a counterpart)"
            ));
        }
    })
}

/// The datasource types whose targets are PromQL.
fn is_promql(datasource: Option<&str>) -> bool {
    datasource.is_none_or(|t| {
        t.contains("prometheus") || t.contains("victoriametrics") || t == "loki-prometheus"
    })
}

/// The type of a datasource reference: `{type, uid}`, or a name or `${DS_X}` input.
fn datasource_type<'a>(
    reference: Option<&'a Value>,
    inputs: &'a [(String, String)],
) -> Option<&'a str> {
    match reference? {
        Value::Object(_) => json::text(reference?, "type"),
        Value::String(name) => {
            let bare = name
                .trim_start_matches("${")
                .trim_start_matches('$')
                .trim_end_matches('}');
            inputs
                .iter()
                .find(|(n, _)| n == bare)
                .map(|(_, plugin)| plugin.as_str())
        }
        _ => None,
    }
}

/// One panel: what it draws, the targets it shows, how its values read, and what Grafana
/// showed of it that is not kept.
pub fn convert(panel: &Value, inputs: &[(String, String)]) -> Converted {
    let grafana_type = json::text(panel, "type").unwrap_or("graph");
    if panel.get("libraryPanel").is_some() && panel.get("targets").is_none() {
        return Err("a library panel: export the dashboard with \"Export for sharing externally\" to inline it".into());
    }
    let (kind, kind_note) = kind(grafana_type)?;
    let mut notes = Notes {
        lost: kind_note.map(str::to_string).into_iter().collect(),
        remarks: Vec::new(),
    };
    let styles = TableStyles::of(panel);
    let series = series(panel, inputs, &styles, &mut notes)?;
    notes.lost.extend(several_queries(kind, series.len()));
    let mut values = Values::of(panel, kind, &mut notes);
    styles.apply(&mut values, &mut notes.lost);
    let calcs = json::list(
        panel
            .pointer("/options/reduceOptions")
            .unwrap_or(&Value::Null),
        "calcs",
    );
    // The old singlestat names its one calculation `valueName`.
    let value_name = [panel.get("valueName").cloned().unwrap_or(Value::Null)];
    let (reduce, reduce_note) = fields::reduce(if calcs.is_empty() { &value_name } else { calcs });
    notes.lost.extend(reduce_note);
    series_overrides(panel, &mut notes.lost);
    let kind = gauge_scale(kind, &mut values, &mut notes.lost);
    not_converted(panel, &mut notes.lost);
    let window = window(panel, kind, &mut notes.lost);
    not_kept(panel, &mut notes.lost);
    Ok((
        PanelOut {
            title: json::text(panel, "title").unwrap_or("").to_string(),
            kind,
            series,
            unit: values.unit,
            decimals: values.decimals,
            min: values.min,
            max: values.max,
            thresholds: values.thresholds,
            reduce,
            window,
            description: json::text(panel, "description").map(str::to_string),
            mappings: values.mappings,
            columns: styles.columns.filter(|_| kind.has_columns()),
            grid: Grid::of(panel),
            id: json::id(panel),
            grafana_type: grafana_type.to_string(),
            remarks: notes.remarks,
            entry: 0,
        },
        notes.lost,
    ))
}

/// The targets shown, each an expression and its legend: visible PromQL ones. `Err` when
/// none is left, with why the last one was not.
fn series(
    panel: &Value,
    inputs: &[(String, String)],
    styles: &TableStyles,
    notes: &mut Notes,
) -> Result<Vec<(String, Option<String>)>, String> {
    let panel_ds = datasource_type(panel.get("datasource"), inputs);
    // What the kind lost is said before; it is no reason for having nothing to show.
    let said = notes.lost.len();
    let mut series = Vec::new();
    for (i, target) in json::list(panel, "targets").iter().enumerate() {
        // Grafana names targets A, B, … when the export does not.
        let position = u8::try_from(i).ok().filter(|i| *i < 26).map_or_else(
            || format!("#{}", i + 1),
            |i| char::from(b'A' + i).to_string(),
        );
        let name = json::text(target, "refId").map_or(position, str::to_string);
        let name = name.as_str();
        if json::flag(target, "hide") {
            notes
                .remarks
                .push(format!("target {name} is hidden in Grafana and left out"));
            continue;
        }
        let ds = datasource_type(target.get("datasource"), inputs).or(panel_ds);
        let Some(expr) = json::text(target, "expr").filter(|e| !e.trim().is_empty()) else {
            notes.lost.push(format!(
                "target {name} has no PromQL `expr` and is left out"
            ));
            continue;
        };
        if !is_promql(ds) {
            notes.lost.push(format!(
                "target {name} queries a {} datasource and is left out",
                ds.unwrap_or("?")
            ));
            continue;
        }
        let legend = json::text(target, "legendFormat")
            .filter(|l| *l != "__auto")
            .map(str::to_string)
            .or_else(|| value_column_name(panel, name))
            .or_else(|| styles.value_name(name));
        series.push((expr.to_string(), legend));
    }
    if series.is_empty() {
        let why = notes
            .lost
            .split_off(said)
            .pop()
            .or(notes.remarks.pop())
            .unwrap_or_else(|| "no targets".into());
        return Err(format!("no PromQL target to show ({why})"));
    }
    Ok(series)
}

/// What a table or a stat of several queries shows otherwise than Grafana.
fn several_queries(kind: PanelKind, count: usize) -> Option<String> {
    match kind {
        PanelKind::Table if count > 1 => Some(
            "Grafana joins the queries' values into columns of one line per label set; here each series is a line of its own"
                .into(),
        ),
        PanelKind::Stat if count > 1 => Some(format!(
            "a stat shows its first query; {} more kept as series",
            count - 1
        )),
        _ => None,
    }
}

/// How a panel's values read: its field config, or the old panels' format and y axis.
struct Values {
    unit: Unit,
    decimals: Option<u8>,
    min: Option<f64>,
    max: Option<f64>,
    mappings: Vec<ValueText>,
    thresholds: Thresholds,
}

impl Values {
    fn of(panel: &Value, kind: PanelKind, notes: &mut Notes) -> Values {
        let defaults = panel
            .pointer("/fieldConfig/defaults")
            .unwrap_or(&Value::Null);
        let legacy_axis = panel.pointer("/yaxes/0").unwrap_or(&Value::Null);
        let unit_id = json::text(defaults, "unit")
            .or_else(|| json::text(panel, "format"))
            .or_else(|| json::text(legacy_axis, "format"))
            .unwrap_or("");
        let (unit, unit_note, mut mappings) = fields::unit(unit_id);
        notes.lost.extend(unit_note);
        let decimals = defaults
            .get("decimals")
            .or_else(|| panel.get("decimals"))
            .or_else(|| legacy_axis.get("decimals"))
            .and_then(json::decimals);
        let (min, max) = range(defaults, legacy_axis, &mut notes.lost);
        mappings.extend(value_texts(panel, defaults, notes));
        let thresholds = thresholds(panel, kind, defaults, (min, max), &mut notes.lost);
        Values {
            unit,
            decimals,
            min,
            max,
            mappings,
            thresholds,
        }
    }
}

/// Min and max of the values; a min not below max is left out.
fn range(
    defaults: &Value,
    legacy_axis: &Value,
    lost: &mut Vec<String>,
) -> (Option<f64>, Option<f64>) {
    let min = json::number_at(defaults, "min").or_else(|| json::number_at(legacy_axis, "min"));
    let max = json::number_at(defaults, "max").or_else(|| json::number_at(legacy_axis, "max"));
    let min = min.filter(|lo| {
        let below_max = max.is_none_or(|hi| *lo < hi);
        if !below_max {
            lost.push(format!("min {lo} is not below max; min is left out"));
        }
        below_max
    });
    (min, max)
}

/// The value mappings that name values; the others are named.
fn value_texts(panel: &Value, defaults: &Value, notes: &mut Notes) -> Vec<ValueText> {
    let found = fields::mappings(
        defaults
            .get("mappings")
            .or_else(|| panel.get("valueMaps"))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice),
    );
    notes.lost.extend(
        found
            .lost
            .into_iter()
            .map(|m| format!("{m} is not converted")),
    );
    notes.remarks.extend(found.no_value);
    found.texts
}

/// The thresholds Grafana shows: the field config's steps, or the old panels' own.
fn thresholds(
    panel: &Value,
    kind: PanelKind,
    defaults: &Value,
    range: (Option<f64>, Option<f64>),
    lost: &mut Vec<String>,
) -> Thresholds {
    let mut thresholds = Thresholds::default();
    let drawn = thresholds_shown(panel, kind, defaults);
    if let Some(config) = defaults.get("thresholds").filter(|_| drawn) {
        match fields::thresholds(config, range) {
            Ok(t) => thresholds = t,
            Err(why) => lost.push(why),
        }
    }
    if let Some(legacy) = panel.get("thresholds") {
        match legacy_thresholds(legacy) {
            Ok(t) => thresholds = t.unwrap_or(thresholds),
            Err(why) => lost.push(why),
        }
    }
    thresholds
}

/// A gauge needs a scale: a ratio or percentage has one, else its max, else 125% of an
/// alert threshold that is bad above. A gauge without any is shown as a stat.
fn gauge_scale(kind: PanelKind, values: &mut Values, lost: &mut Vec<String>) -> PanelKind {
    let scaled = values.max.is_some() || matches!(values.unit, Unit::Ratio | Unit::Percent);
    if kind != PanelKind::Gauge || scaled {
        return kind;
    }
    let t = values.thresholds;
    match t.alert.filter(|_| t.direction == Direction::Above) {
        Some(alert) => {
            values.max = Some(alert * 1.25);
            lost.push("the gauge has no max; it reaches 125% of the alert threshold".into());
            kind
        }
        None => {
            lost.push(
                "a gauge without max (Grafana sizes it from the data) is shown as a stat".into(),
            );
            PanelKind::Stat
        }
    }
}

/// Per-series overrides and transformations, which have no layout counterpart.
fn not_converted(panel: &Value, lost: &mut Vec<String>) {
    let overrides = json::list(
        panel.get("fieldConfig").unwrap_or(&Value::Null),
        "overrides",
    );
    if !overrides.is_empty() {
        let mut properties: Vec<&str> = overrides
            .iter()
            .flat_map(|o| json::list(o, "properties"))
            .filter_map(|p| json::text(p, "id"))
            .collect();
        properties.sort_unstable();
        properties.dedup();
        lost.push(format!(
            "{} per-series override(s) not converted ({})",
            overrides.len(),
            properties.join(", ")
        ));
    }
    if !json::list(panel, "transformations").is_empty() {
        lost.push(
            "transformations are not applied; the queries' series are shown as they come".into(),
        );
    }
}

/// An old table's `styles`: which label columns it shows, what it calls its value
/// columns, and the units it gives them.
#[derive(Default)]
struct TableStyles {
    /// The label columns shown when a hidden `/.*/` hides every other one.
    columns: Option<Vec<String>>,
    /// `Value #A` → its alias, the name of target A's series here.
    value_aliases: Vec<(String, String)>,
    /// The value columns' units (Grafana id) and decimals, in style order.
    value_units: Vec<(String, Option<u8>)>,
    /// Label columns renamed (`pattern → alias`) and hidden ones, not kept.
    renamed: Vec<String>,
    hidden: Vec<String>,
}

impl TableStyles {
    fn of(panel: &Value) -> TableStyles {
        let mut out = TableStyles::default();
        let mut shown = Vec::new();
        let mut hide_the_rest = false;
        for style in json::list(panel, "styles") {
            let pattern = json::text(style, "pattern").unwrap_or("");
            let hidden = json::text(style, "type") == Some("hidden");
            let alias = json::text(style, "alias").filter(|a| *a != pattern);
            if pattern == "Time" {
                // A table here has no time column: hiding it loses nothing.
                continue;
            }
            if pattern == "/.*/" {
                hide_the_rest = hidden;
                continue;
            }
            if pattern == "Value" || pattern.starts_with("Value #") {
                if let Some(alias) = alias {
                    let target = pattern.trim_start_matches("Value").trim_start_matches(" #");
                    out.value_aliases
                        .push((target.to_string(), alias.to_string()));
                }
                if let Some(unit) = json::text(style, "unit") {
                    let decimals = style.get("decimals").and_then(json::decimals);
                    out.value_units.push((unit.to_string(), decimals));
                }
            } else if hidden {
                out.hidden.push(format!("`{pattern}`"));
            } else {
                shown.push(pattern.to_string());
                if let Some(alias) = alias {
                    out.renamed.push(format!("`{pattern}` → `{alias}`"));
                }
            }
        }
        // Only plain label names are columns; a regex pattern leaves the choice to the data.
        if hide_the_rest && !shown.is_empty() && shown.iter().all(|p| !p.starts_with('/')) {
            out.columns = Some(shown);
        }
        out
    }

    /// The alias of target `ref_id`'s value column (`""` for the single `Value`).
    fn value_name(&self, ref_id: &str) -> Option<String> {
        self.value_aliases
            .iter()
            .find(|(target, _)| target == ref_id || target.is_empty())
            .map(|(_, alias)| alias.clone())
    }

    /// The value columns' unit as the panel's when it has none; what is not kept, named.
    fn apply(&self, values: &mut Values, lost: &mut Vec<String>) {
        let units: BTreeSet<&str> = self.value_units.iter().map(|(u, _)| u.as_str()).collect();
        match (units.len(), self.value_units.first()) {
            (1, Some((unit, decimals))) if values.unit == Unit::None => {
                let (converted, note, _) = fields::unit(unit);
                values.unit = converted;
                values.decimals = values.decimals.or(*decimals);
                lost.extend(note);
            }
            (2.., _) => lost.push(format!(
                "the value columns' units ({}) are not kept: a table here has one unit",
                units.into_iter().collect::<Vec<_>>().join(", ")
            )),
            _ => {}
        }
        if !self.renamed.is_empty() {
            lost.push(format!(
                "column names {} are not kept; columns are headed by their label",
                self.renamed.join(", ")
            ));
        }
        if !self.hidden.is_empty() {
            lost.push(format!(
                "hidden columns {} are shown when they tell series apart",
                self.hidden.join(", ")
            ));
        }
    }
}

/// Grafana's relative time (`timeFrom`) as the history a chart or stat shows.
fn window(panel: &Value, kind: PanelKind, lost: &mut Vec<String>) -> Option<String> {
    let from = json::text(panel, "timeFrom")?;
    let kept = crate::config::duration::parse(from.trim_start_matches("now-")).ok();
    match kept {
        Some(d) if kind.needs_history() => Some(Form::Setting.duration(d)),
        _ => {
            lost.push(format!("the relative time {from} is not kept"));
            None
        }
    }
}

/// What Grafana does with the panel over time and variables that one panel here does not.
fn not_kept(panel: &Value, lost: &mut Vec<String>) {
    if let Some(shift) = json::text(panel, "timeShift") {
        lost.push(format!(
            "the time shift {shift} is not kept; the latest data is shown"
        ));
    }
    if let Some(var) = json::text(panel, "repeat") {
        lost.push(format!(
            "repeated per ${var} in Grafana; one panel here shows every value"
        ));
    }
}

/// The name a table gives target `ref_id`'s value column (an override of "Value #A"'s
/// display name), which names its series here.
fn value_column_name(panel: &Value, ref_id: &str) -> Option<String> {
    let column = format!("Value #{ref_id}");
    json::list(panel.get("fieldConfig")?, "overrides")
        .iter()
        .filter(|o| o.pointer("/matcher/options").and_then(Value::as_str) == Some(column.as_str()))
        .flat_map(|o| json::list(o, "properties"))
        .find(|p| json::text(p, "id") == Some("displayName"))
        .and_then(|p| json::text(p, "value"))
        .map(str::to_string)
}

/// Whether Grafana shows the panel's thresholds at all: a time series only when asked to
/// draw them, a stat unless its colour mode is none, a table only in coloured cells, and
/// nothing whose colour scheme is not the thresholds'. Thresholds nobody sees are left out.
fn thresholds_shown(panel: &Value, kind: PanelKind, defaults: &Value) -> bool {
    let colour_mode = defaults.pointer("/color/mode").and_then(Value::as_str);
    if colour_mode.is_some_and(|m| m != "thresholds") && kind != PanelKind::Chart {
        return false;
    }
    let text_at = |value: &Value, pointer: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match kind {
        PanelKind::Chart => {
            text_at(defaults, "/custom/thresholdsStyle/mode").is_some_and(|m| m != "off")
        }
        PanelKind::Stat => text_at(panel, "/options/colorMode").is_none_or(|m| m != "none"),
        PanelKind::Table => text_at(defaults, "/custom/cellOptions/type")
            .or_else(|| text_at(defaults, "/custom/displayMode"))
            .is_some_and(|m| m.contains("color")),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn old_singlestat_and_graph_panels_keep_units_thresholds_and_value_maps() {
        let singlestat = json!({"type": "singlestat", "title": "Ratio", "format": "percentunit",
            "thresholds": "0.7,0.9", "valueMaps": [{"value": "1", "op": "=", "text": "full"}],
            "targets": [{"expr": "x", "refId": "A"}]});
        let (out, notes) = convert(&singlestat, &[]).unwrap();
        assert_eq!((out.kind, out.unit), (PanelKind::Stat, Unit::Ratio));
        assert_eq!(
            (out.thresholds.target, out.thresholds.alert),
            (Some(0.7), Some(0.9))
        );
        assert_eq!(out.mappings[0].text, "full");
        assert!(notes.is_empty(), "{notes:?}");

        let graph = json!({"type": "graph", "title": "Lag", "yaxes": [{"format": "s", "min": 0}],
            "thresholds": [{"colorMode": "critical", "op": "gt", "value": 5},
                           {"colorMode": "warning", "op": "gt", "value": 1}],
            "targets": [{"expr": "lag", "legendFormat": "{{replica}}"}]});
        let (out, _) = convert(&graph, &[]).unwrap();
        assert_eq!(
            (out.kind, out.unit, out.min),
            (PanelKind::Chart, Unit::Seconds, Some(0.0))
        );
        assert_eq!(
            (out.thresholds.target, out.thresholds.alert),
            (Some(1.0), Some(5.0))
        );
        assert_eq!(
            out.series,
            [("lag".to_string(), Some("{{replica}}".to_string()))]
        );
    }

    #[test]
    fn a_panel_without_a_target_to_show_says_why_not_what_its_kind_loses() {
        let pie = json!({"type": "piechart", "targets": [{"expr": "x", "hide": true}]});
        let why = convert(&pie, &[]).unwrap_err();
        assert_eq!(
            why,
            "no PromQL target to show (target A is hidden in Grafana and left out)"
        );
    }

    #[test]
    fn inputs_name_the_datasource_of_a_target() {
        let inputs = [("DS_LOKI".to_string(), "loki".to_string())];
        let panel = json!({"type": "timeseries", "datasource": "${DS_LOKI}",
            "targets": [{"expr": "{app=\"x\"}", "refId": "A"}]});
        let why = convert(&panel, &inputs).unwrap_err();
        assert!(why.contains("target A queries a loki datasource"), "{why}");
    }
}
