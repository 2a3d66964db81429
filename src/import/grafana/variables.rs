//! Grafana's `templating.list` as layout `[[variable]]` entries, and its PromQL
//! annotations as `[[annotation]]` entries; both kept verbatim (`$var` stays `$var`).

use super::json;
use super::report::Entry;
use super::report::word;
use crate::config::layout::VariableKindName as Kind;
use serde_json::Value;
use std::time::Duration;

/// A `[[variable]]` to write.
#[derive(Clone, Debug, PartialEq)]
pub struct VariableOut {
    pub name: String,
    pub label: Option<String>,
    pub kind: Kind,
    pub query: Option<String>,
    pub regex: Option<String>,
    pub values: Vec<String>,
    pub value: Option<String>,
    pub multi: bool,
    pub include_all: bool,
    pub all_value: Option<String>,
    pub default: Vec<String>,
}

/// An `[[annotation]]` to write.
#[derive(Clone, Debug, PartialEq)]
pub struct AnnotationOut {
    pub name: String,
    pub query: String,
    pub title: Option<String>,
    pub colour: Option<String>,
}

/// The query variable forms a layout evaluates.
fn supported_query(query: &str) -> bool {
    let q = query.trim_start();
    q.starts_with("label_values(") || q.starts_with("query_result(")
}

/// A variable's query: a string, or an object holding it (`{query, refId}`).
fn query_text(variable: &Value) -> Option<String> {
    match variable.get("query") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(obj @ Value::Object(_)) => json::text(obj, "query").map(str::to_string),
        _ => json::text(variable, "definition").map(str::to_string),
    }
}

/// `current.value` as a list (a string or an array); `$__all` (All) is kept as written.
fn current(variable: &Value) -> Vec<String> {
    let value = variable.pointer("/current/value").unwrap_or(&Value::Null);
    let values: Vec<String> = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    values.into_iter().filter(|v| !v.is_empty()).collect()
}

/// Comma-separated options; `text : value` pairs keep the value.
fn options(query: &str) -> Vec<String> {
    query
        .split(',')
        .map(|part| match part.split_once(" : ") {
            Some((_, value)) => value.trim(),
            None => part.trim(),
        })
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The layout kind of a Grafana variable type; `Err` says why it has none.
fn kind(grafana: &str) -> Result<Kind, String> {
    match grafana {
        "query" => Ok(Kind::Query),
        "custom" => Ok(Kind::Custom),
        "interval" => Ok(Kind::Interval),
        "constant" | "textbox" => Ok(Kind::Constant),
        "datasource" => Err(
            "spheroseg-top queries the one server it is given (--prometheus); no datasource choice"
                .into(),
        ),
        "adhoc" => Err("ad hoc filters have no layout counterpart".into()),
        other => Err(format!("variable type {other} has no layout counterpart")),
    }
}

/// Converts one variable; `Err` says why it has no layout counterpart.
fn convert(
    variable: &Value,
    name: &str,
    range: Duration,
    notes: &mut Vec<String>,
) -> Result<VariableOut, String> {
    let grafana = json::text(variable, "type").unwrap_or("");
    let kind = kind(grafana)?;
    // Only a variable with options to choose from takes several or All.
    let choice = matches!(kind, Kind::Query | Kind::Custom | Kind::Interval);
    let mut out = VariableOut {
        name: name.to_string(),
        label: json::text(variable, "label").map(str::to_string),
        kind,
        query: None,
        regex: None,
        values: Vec::new(),
        value: None,
        multi: choice && json::flag(variable, "multi"),
        include_all: choice && json::flag(variable, "includeAll"),
        all_value: json::text(variable, "allValue").map(str::to_string),
        default: current(variable),
    };
    match kind {
        Kind::Query => {
            let query = query_text(variable).ok_or("a query variable without a query")?;
            if !supported_query(&query) {
                return Err(format!(
                    "query {query:?} is not label_values(…) or query_result(…)"
                ));
            }
            out.query = Some(query);
            out.regex = json::text(variable, "regex").map(str::to_string);
        }
        Kind::Custom | Kind::Interval => {
            out.values = options(&query_text(variable).unwrap_or_default());
            if kind == Kind::Interval {
                auto_interval(variable, range, &mut out, notes);
            }
        }
        Kind::Constant if grafana == "textbox" => {
            out.value = Some(
                out.default
                    .first()
                    .cloned()
                    .or_else(|| query_text(variable))
                    .unwrap_or_default(),
            );
            notes.push("a text box becomes a constant holding its current text".into());
        }
        Kind::Constant => out.value = Some(query_text(variable).unwrap_or_default()),
    }
    Ok(out)
}

/// Grafana's `auto` interval: the dashboard's range over `auto_count` (30), rounded to a
/// nice interval, not below `auto_min` (10s). The layout has no `auto`: the value for the
/// dashboard's own range becomes an option and, when `auto` was chosen, the default.
fn auto_interval(
    variable: &Value,
    range: Duration,
    out: &mut VariableOut,
    notes: &mut Vec<String>,
) {
    let auto_chosen = |v: &String| v.starts_with("$__auto_interval");
    if !json::flag(variable, "auto") {
        out.default.retain(|v| !auto_chosen(v));
        return;
    }
    let count = json::number_at(variable, "auto_count")
        .unwrap_or(30.0)
        .max(1.0);
    let min = json::text(variable, "auto_min")
        .and_then(|m| promql_parser::util::duration::parse_duration(m).ok())
        .unwrap_or(Duration::from_secs(10));
    let auto = nice_interval(range.div_f64(count)).max(min);
    let value = duration_text(auto);
    if !out.values.contains(&value) {
        out.values.insert(0, value.clone());
    }
    if out.default.iter().any(auto_chosen) || out.default.is_empty() {
        out.default = vec![value.clone()];
    }
    notes.push(format!(
        "`auto` is {value} here, for the dashboard's range of {} ({count} steps, at least {}); it does not follow the range",
        duration_text(range),
        duration_text(min)
    ));
}

/// Grafana's `roundInterval`: the interval a computed one rounds to.
fn nice_interval(interval: Duration) -> Duration {
    // (below, becomes) in milliseconds, as Grafana's table.
    const STEPS: [(u64, u64); 27] = [
        (15, 10),
        (35, 20),
        (75, 50),
        (150, 100),
        (350, 200),
        (750, 500),
        (1_500, 1_000),
        (3_500, 2_000),
        (7_500, 5_000),
        (12_500, 10_000),
        (17_500, 15_000),
        (25_000, 20_000),
        (45_000, 30_000),
        (90_000, 60_000),
        (210_000, 120_000),
        (450_000, 300_000),
        (750_000, 600_000),
        (1_050_000, 900_000),
        (1_500_000, 1_200_000),
        (2_700_000, 1_800_000),
        (5_400_000, 3_600_000),
        (9_000_000, 7_200_000),
        (16_200_000, 10_800_000),
        (32_400_000, 21_600_000),
        (86_400_000, 43_200_000),
        (604_800_000, 86_400_000),
        (1_814_400_000, 604_800_000),
    ];
    let ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
    let rounded = match STEPS.iter().find(|(below, _)| ms < *below) {
        Some((_, to)) => *to,
        None if ms < 3_628_800_000 => 2_592_000_000,
        None => 31_536_000_000,
    };
    Duration::from_millis(rounded)
}

/// A duration as PromQL writes it, in its largest whole unit (`1m`, `12h`, `500ms`).
fn duration_text(d: Duration) -> String {
    let ms = d.as_millis();
    let units = [
        ("y", 31_536_000_000),
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ];
    units
        .iter()
        .find(|(_, size)| ms >= *size && ms.is_multiple_of(*size))
        .map_or_else(
            || format!("{ms}ms"),
            |(unit, size)| format!("{}{unit}", ms / size),
        )
}

/// The span of a dashboard's `time` (`now-6h` to `now`), or Grafana's default of 6 hours
/// for absolute times and anything else.
fn dashboard_range(dashboard: &Value) -> Duration {
    let time = dashboard.get("time").unwrap_or(&Value::Null);
    let ago = |key: &str| match json::text(time, key)? {
        "now" => Some(Duration::ZERO),
        text => promql_parser::util::duration::parse_duration(text.strip_prefix("now-")?).ok(),
    };
    match (ago("from"), ago("to")) {
        (Some(from), Some(to)) if from > to => from - to,
        _ => Duration::from_secs(6 * 3600),
    }
}

/// Grafana's import dialog fills an export's constant inputs (`${VAR_X}`) with their
/// values before the dashboard is read; datasource inputs are the panels' to judge.
pub fn fill_constant_inputs(dashboard: &mut Value) {
    let inputs: Vec<(String, String)> = json::list(dashboard, "__inputs")
        .iter()
        .filter(|input| json::text(input, "type") == Some("constant"))
        .filter_map(|input| {
            let name = json::text(input, "name")?;
            let value = json::text(input, "value").unwrap_or("");
            Some((format!("${{{name}}}"), value.to_string()))
        })
        .collect();
    if !inputs.is_empty() {
        fill(dashboard, &inputs);
    }
}

fn fill(value: &mut Value, inputs: &[(String, String)]) {
    match value {
        Value::String(text) => {
            for (input, filled) in inputs {
                if text.contains(input.as_str()) {
                    *text = text.replace(input.as_str(), filled);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| fill(item, inputs)),
        Value::Object(fields) => fields.values_mut().for_each(|field| fill(field, inputs)),
        _ => {}
    }
}

/// A variable the layout cannot take, kept as a constant holding its saved value, so the
/// panels that use it still convert (Grafana would show them with that value too).
pub fn as_constant(name: &str, label: Option<String>, saved: &[String]) -> VariableOut {
    let saved = saved.iter().find(|v| *v != crate::variables::ALL);
    VariableOut {
        name: name.to_string(),
        label,
        kind: Kind::Constant,
        query: None,
        regex: None,
        values: Vec::new(),
        value: Some(saved.cloned().unwrap_or_default()),
        multi: false,
        include_all: false,
        all_value: None,
        default: Vec::new(),
    }
}

/// Why a variable became a constant, for the report.
pub fn kept_as_constant(why: &str, constant: &VariableOut) -> String {
    format!(
        "{why}; kept as a constant holding its saved value {:?} so the panels that use it still convert",
        constant.value.as_deref().unwrap_or_default()
    )
}

/// Every variable of a dashboard; `known` holds names already taken by an earlier dashboard.
pub fn variables(
    dashboard: &Value,
    file: &str,
    known: &mut Vec<VariableOut>,
    entries: &mut Vec<Entry>,
) {
    let range = dashboard_range(dashboard);
    for variable in json::list(dashboard.get("templating").unwrap_or(&Value::Null), "list") {
        let name = json::text(variable, "name").unwrap_or("");
        let grafana_type = json::text(variable, "type").unwrap_or("?");
        let mut notes = Vec::new();
        let converted = convert(variable, name, range, &mut notes).or_else(|why| {
            // A datasource choice or ad hoc filter is no `$name` in a query.
            if matches!(grafana_type, "datasource" | "adhoc") {
                return Err(why);
            }
            let label = json::text(variable, "label").map(str::to_string);
            let constant = as_constant(name, label, &current(variable));
            notes.push(kept_as_constant(&why, &constant));
            Ok(constant)
        });
        match converted {
            Ok(_) if name.is_empty() => entries.push(Entry::skipped(
                file,
                "variable",
                None,
                name,
                grafana_type,
                "a variable without a name".into(),
            )),
            Ok(out) => {
                if let Some(earlier) = known.iter().find(|v| v.name == out.name) {
                    if *earlier != out {
                        notes.push(format!(
                            "an earlier dashboard defines ${name} differently; its definition is kept"
                        ));
                    }
                } else {
                    known.push(out.clone());
                }
                entries.push(Entry::converted(
                    file,
                    "variable",
                    None,
                    name,
                    grafana_type,
                    &format!("{} variable", word(&out.kind)),
                    notes,
                ));
            }
            Err(why) => entries.push(Entry::skipped(
                file,
                "variable",
                None,
                name,
                grafana_type,
                why,
            )),
        }
    }
}

/// A Grafana colour as a layout colour: `#rrggbb`, or a colour name without Grafana's
/// shade prefixes (`dark-yellow` → `yellow`), as themes name their colours.
fn colour(grafana: &str) -> Option<String> {
    if let Some((r, g, b)) = super::fields::rgb(&grafana.to_ascii_lowercase()) {
        return Some(format!("#{r:02x}{g:02x}{b:02x}"));
    }
    let lower = grafana.trim().to_ascii_lowercase();
    let name = ["super-light-", "light-", "semi-dark-", "dark-"]
        .iter()
        .find_map(|shade| lower.strip_prefix(shade))
        .unwrap_or(&lower)
        .to_string();
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        .then_some(name)
        .filter(|n| !n.is_empty())
}

/// Whether `text` refers to the variable `name` (`$name`, `${name…}`, `[[name…]]`).
fn uses(text: &str, name: &str) -> bool {
    let bare = format!("${name}");
    let bare_use = text.match_indices(&bare).any(|(at, _)| {
        !text[at + bare.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    bare_use
        || [
            format!("${{{name}}}"),
            format!("${{{name}:"),
            format!("[[{name}]]"),
            format!("[[{name}:"),
        ]
        .iter()
        .any(|form| text.contains(form.as_str()))
}

/// The variables with each after those its query uses (Grafana allows any order, a layout
/// only looking back); otherwise in the order given. A cycle keeps its order.
pub fn in_dependency_order<T>(mut pending: Vec<(T, VariableOut)>) -> Vec<(T, VariableOut)> {
    let mut ordered: Vec<(T, VariableOut)> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, v)| {
                let query = v.query.as_deref().unwrap_or("");
                pending
                    .iter()
                    .all(|(_, other)| other.name == v.name || !uses(query, &other.name))
            })
            .unwrap_or(0);
        ordered.push(pending.remove(ready));
    }
    ordered
}

/// PromQL annotations (others are Grafana's own store or another datasource's); the
/// others go to `entries` as skipped.
pub fn annotations(dashboard: &Value, file: &str, entries: &mut Vec<Entry>) -> Vec<AnnotationOut> {
    let list = json::list(dashboard.get("annotations").unwrap_or(&Value::Null), "list");
    let mut out = Vec::new();
    for a in list {
        let name = json::text(a, "name").unwrap_or("");
        let skip =
            |why: &str| Entry::skipped(file, "annotation", None, name, "annotation", why.into());
        if a.get("builtIn").and_then(Value::as_i64) == Some(1) {
            entries.push(skip(
                "Grafana's own annotations and alerts live in Grafana, not in Prometheus",
            ));
            continue;
        }
        let Some(expr) = json::text(a, "expr") else {
            entries.push(skip("not a PromQL annotation"));
            continue;
        };
        out.push(AnnotationOut {
            name: name.to_string(),
            query: expr.to_string(),
            title: json::text(a, "titleFormat").map(str::to_string),
            colour: json::text(a, "iconColor").and_then(colour),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotation_colours_become_hex_or_names() {
        assert_eq!(colour("rgba(255, 96, 96, 1)").as_deref(), Some("#ff6060"));
        assert_eq!(colour("#F2CC0C").as_deref(), Some("#f2cc0c"));
        assert_eq!(colour("Red").as_deref(), Some("red"));
        assert_eq!(colour("dark-yellow").as_deref(), Some("yellow"));
        assert_eq!(colour("hsl(1 2 3)"), None);
    }

    #[test]
    fn a_variable_moves_after_the_ones_its_query_uses() {
        let var = |name: &str, query: &str| {
            (
                (),
                VariableOut {
                    name: name.into(),
                    label: None,
                    kind: Kind::Query,
                    query: Some(query.into()),
                    regex: None,
                    values: Vec::new(),
                    value: None,
                    multi: false,
                    include_all: false,
                    all_value: None,
                    default: Vec::new(),
                },
            )
        };
        let ordered = in_dependency_order(vec![
            var(
                "version",
                "label_values(vm_app_version{instance=~\"$instance\"}, version)",
            ),
            var(
                "instance",
                "label_values(up{job=~\"${job:regex}\"}, instance)",
            ),
            var("job", "label_values(up, job)"),
            var("jobs", "label_values(up{x=\"$jobx\"}, job)"),
        ]);
        let names: Vec<&str> = ordered.iter().map(|(_, v)| v.name.as_str()).collect();
        assert_eq!(names, ["job", "instance", "version", "jobs"]);
    }

    #[test]
    fn query_custom_and_interval_variables_are_kept_verbatim() {
        let dashboard = json!({"templating": {"list": [
            {"name": "job", "type": "query", "label": "Job",
             "query": {"query": "label_values(node_uname_info, job)", "refId": "x"},
             "current": {"value": "node"}},
            {"name": "instance", "type": "query", "multi": true, "includeAll": true,
             "allValue": ".*", "regex": "/(.*):\\d+/",
             "definition": "label_values(node_uname_info{job=\"$job\"}, instance)",
             "query": "label_values(node_uname_info{job=\"$job\"}, instance)",
             "current": {"value": ["$__all"]}},
            {"name": "env", "type": "custom", "query": "prod,staging"},
            {"name": "step", "type": "interval", "query": "1m,5m", "auto": true},
            {"name": "ds", "type": "datasource", "query": "prometheus"}]}});
        let (mut vars, mut entries) = (Vec::new(), Vec::new());
        variables(&dashboard, "d.json", &mut vars, &mut entries);
        assert_eq!(vars.len(), 4);
        assert_eq!(
            vars[0].query.as_deref(),
            Some("label_values(node_uname_info, job)")
        );
        assert_eq!(vars[0].default, ["node"]);
        assert!(vars[1].multi && vars[1].include_all);
        assert_eq!(vars[1].default, ["$__all"]);
        assert_eq!(vars[1].regex.as_deref(), Some("/(.*):\\d+/"));
        assert_eq!(vars[2].values, ["prod", "staging"]);
        assert_eq!(entries[3].because.len(), 1);
        assert_eq!(entries[4].converted_as, None);
    }
}
