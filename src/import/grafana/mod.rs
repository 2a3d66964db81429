//! `import grafana`: classic Grafana dashboard JSON (schemaVersion 16 and later) as a
//! layout that loads as is, and a report of every panel, row, variable and annotation:
//! converted, approximated (why) or skipped (why). Nothing is dropped silently.
//!
//! Rows become tabs, the 24-column grid rows and relative widths (`grid`), panels and their
//! field config layout panels (`panels`, `fields`), templating variables `[[variable]]`
//! (`variables`). Each panel is tried on the layout loader before it is written, so what
//! the loader refuses is reported, never written.

mod fields;
mod grid;
mod json;
mod legacy;
mod panels;
pub(crate) mod report;
mod text;
mod variables;
mod write;

use crate::config::{ConfigError, Layout, Source};
use report::{Dashboard, Entry, Report};
use serde_json::Value;
use variables::{AnnotationOut, VariableOut};

/// The largest layout written: what the loader reads of a layout file.
const LAYOUT_LIMIT: usize = crate::config::file::Kind::Config.limit() as usize;

/// What the layout's header and tab titles take at most (titles are cut).
const HEADER_ROOM: usize = 64 << 10;

/// The longest dashboard title kept; a longer one is cut with `…`.
const TITLE_CHARS: usize = 1000;

/// The oldest dashboard JSON read: Grafana 5's, with panels on a grid.
const MIN_SCHEMA_VERSION: i64 = 16;

/// One dashboard export: where it came from (for messages) and its text.
pub struct Input {
    pub origin: String,
    pub text: String,
}

/// The layout (when anything could be converted) and the report.
pub struct Conversion {
    pub layout: Option<String>,
    pub report: Report,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{origin}:{line}:{column}: not valid JSON: {message}")]
    Json {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: {message}")]
    NotADashboard { origin: String, message: String },
    /// A bug: every panel was tried on the loader, yet the whole does not load.
    #[error("the converted layout does not load (please report this): {0}")]
    Unloadable(String),
}

/// Parses `input` as a classic dashboard (unwrapping `{"dashboard": …}` exports).
fn dashboard(input: &Input) -> Result<Value, ImportError> {
    // Editors on Windows save a byte-order mark; JSON has no use for it.
    let text = input.text.strip_prefix('\u{feff}').unwrap_or(&input.text);
    let mut value: Value = serde_json::from_str(text).map_err(|e| {
        let text = e.to_string();
        let message = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(m, _)| m)
            .to_string();
        ImportError::Json {
            origin: input.origin.clone(),
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    if value.get("dashboard").is_some_and(Value::is_object) {
        value = value["dashboard"].take();
    }
    let refuse = |message: String| ImportError::NotADashboard {
        origin: input.origin.clone(),
        message,
    };
    if !value.is_object() {
        return Err(refuse(
            "not a Grafana dashboard (expected a JSON object)".into(),
        ));
    }
    // A Kubernetes-style resource: `v1beta1` (and `v0alpha1`) carry the classic model in
    // `spec`; only `v2…` has the new one.
    if value.get("apiVersion").is_some() && value.get("spec").is_some_and(is_classic) {
        value = value["spec"].take();
    } else if value.get("apiVersion").is_some() && value.get("spec").is_some() {
        return Err(refuse(
            "a Grafana 12 dashboard resource (schema v2); export it as classic JSON (Export → Export as JSON, classic model)".into(),
        ));
    }
    let version = value.get("schemaVersion").and_then(Value::as_i64);
    match version {
        Some(v) if v >= MIN_SCHEMA_VERSION && value.get("panels").is_some_and(Value::is_array) => {
            Ok(value)
        }
        Some(v) if v < MIN_SCHEMA_VERSION || value.get("rows").is_some() => Err(refuse(format!(
            "schemaVersion {v} predates Grafana 5's grid (16); open and save it in Grafana 5 or later to upgrade it"
        ))),
        _ => Err(refuse(
            "not a Grafana dashboard: it needs `schemaVersion` (16 or later) and a `panels` list"
                .into(),
        )),
    }
}

/// Whether `spec` is the classic dashboard model (a `schemaVersion` and `panels`), not
/// schema v2's `elements` and `layout`.
fn is_classic(spec: &Value) -> bool {
    spec.get("schemaVersion").is_some() && spec.get("panels").is_some_and(Value::is_array)
}

/// A group of panels that becomes one tab: a row and its panels, or the panels above the
/// first row.
struct Section<'a> {
    title: String,
    row: Option<&'a Value>,
    panels: Vec<&'a Value>,
}

fn sections<'a>(dashboard: &'a Value, title: &str) -> Vec<Section<'a>> {
    let mut out = vec![Section {
        title: title.to_string(),
        row: None,
        panels: Vec::new(),
    }];
    // Depth first, in order: a row found in a collapsed row's panels (exports nest them)
    // is a section of its own, as any other row.
    let mut pending: Vec<&Value> = json::list(dashboard, "panels").iter().rev().collect();
    while let Some(panel) = pending.pop() {
        if json::text(panel, "type") == Some("row") {
            out.push(Section {
                title: json::text(panel, "title").unwrap_or(title).to_string(),
                row: Some(panel),
                panels: Vec::new(),
            });
            // A collapsed row holds its panels; an open one is followed by them.
            pending.extend(json::list(panel, "panels").iter().rev());
        } else if let Some(current) = out.last_mut() {
            current.panels.push(panel);
        }
    }
    out
}

/// Why a panel or row is left out when it is a copy Grafana saved of a repeated one
/// (`repeatPanelId`): the original here shows every value of the variable at once, so a
/// copy would only draw the same again.
fn saved_repeat(panel: &Value) -> Option<String> {
    let original = panel.get("repeatPanelId")?.as_i64()?;
    let var = panel
        .get("scopedVars")
        .and_then(Value::as_object)
        .and_then(|vars| vars.keys().next())
        .map_or_else(|| "a variable".to_string(), |v| format!("${v}"));
    Some(format!(
        "a copy Grafana saved of #{original}, repeated per {var}; #{original} here shows every value"
    ))
}

/// Whether the layout loader accepts `prelude` (variables, annotations) with `panel`.
fn loads(prelude: &str, panel: &str) -> Result<(), String> {
    let text = format!("{prelude}[[tab]]\ntitle = 't'\n[[tab.row]]\n{panel}");
    match Layout::parse(Source {
        origin: "import".into(),
        text,
    }) {
        Ok(_) => Ok(()),
        // The probe's own place (`tab[0].row[0].panel[0].`) means nothing to the reader.
        Err(ConfigError::Invalid(located)) => {
            let key = located
                .key
                .rsplit_once("panel[0].")
                .map_or(located.key.as_str(), |(_, k)| k);
            Err(format!("`{key}`: {}", located.message))
        }
        Err(other) => Err(other.to_string()),
    }
}

const PROBE_PANEL: &str = "[[tab.row.panel]]\ntitle = 'p'\nkind = 'stat'\nquery = 'vector(1)'\n";

/// Keeps the variables and annotations the loader accepts, one by one, each after those
/// before it; the report says why the others were left out. Returns the accepted prelude.
fn prelude(
    variables: Vec<(String, VariableOut)>,
    annotations: Vec<(String, AnnotationOut)>,
    report: &mut Report,
) -> String {
    let mut accepted = String::new();
    for (file, variable) in variables {
        let text = write::variables(std::slice::from_ref(&variable));
        match loads(&format!("{accepted}{text}"), PROBE_PANEL) {
            Ok(()) => accepted.push_str(&text),
            Err(why) => {
                let name = variable.name.as_str();
                let why = format!("the layout loader refuses it: {why}");
                let constant =
                    variables::as_constant(name, variable.label.clone(), &variable.default);
                let constant_text = write::variables(std::slice::from_ref(&constant));
                let entry = report
                    .entries
                    .iter_mut()
                    .find(|e| e.dashboard == file && e.what == "variable" && e.title == name);
                if let (Some(entry), Ok(())) = (
                    entry,
                    loads(&format!("{accepted}{constant_text}"), PROBE_PANEL),
                ) {
                    accepted.push_str(&constant_text);
                    entry.converted_as = Some(report::word(&constant.kind));
                    entry.approximate(variables::kept_as_constant(&why, &constant));
                    continue;
                }
                match report
                    .entries
                    .iter_mut()
                    .find(|e| e.dashboard == file && e.what == "variable" && e.title == name)
                {
                    Some(entry) => {
                        *entry =
                            Entry::skipped(&file, "variable", None, name, &entry.grafana_type, why)
                    }
                    None => report.push(Entry::skipped(
                        &file,
                        "variable",
                        None,
                        name,
                        &report::word(&variable.kind),
                        why,
                    )),
                }
            }
        }
    }
    for (file, annotation) in annotations {
        let text = write::annotations(std::slice::from_ref(&annotation));
        match loads(&format!("{accepted}{text}"), PROBE_PANEL) {
            Ok(()) => {
                accepted.push_str(&text);
                report.push(Entry::converted(
                    &file,
                    "annotation",
                    None,
                    &annotation.name,
                    "annotation",
                    "annotation",
                    Vec::new(),
                ));
            }
            Err(why) => report.push(Entry::skipped(
                &file,
                "annotation",
                None,
                &annotation.name,
                "annotation",
                format!("the layout loader refuses it: {why}"),
            )),
        }
    }
    accepted
}

/// Bytes a written panel takes besides its probe text: its comments, its row's header.
const PANEL_OVERHEAD: usize = 256;

/// One section as a tab (`None` when nothing in it converts) and its report entries in
/// the dashboard's order: the row, then its panels. `room` is what the layout may still
/// grow by: a panel past it is skipped, so that the layout stays a file the loader reads.
fn section_tab(
    section: &Section,
    file: &str,
    inputs: &[(String, String)],
    prelude: &str,
    room: &mut usize,
) -> (Option<String>, Vec<Entry>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut converted = Vec::new();
    let row_copy = section.row.and_then(saved_repeat);
    for panel in &section.panels {
        let title = json::text(panel, "title").unwrap_or("");
        let grafana_type = json::text(panel, "type").unwrap_or("graph");
        let id = json::id(panel);
        if let Some(why) = saved_repeat(panel).or_else(|| row_copy.clone()) {
            entries.push(Entry::skipped(file, "panel", id, title, grafana_type, why));
            continue;
        }
        let tried = convert_within(panel, inputs, prelude, room);
        match tried {
            Ok((mut out, notes)) => {
                let kind = report::word(&out.kind);
                let mut entry =
                    Entry::converted(file, "panel", id, title, grafana_type, &kind, notes);
                entry.notes = out.remarks.clone();
                out.entry = entries.len();
                converted.push(out);
                entries.push(entry);
            }
            Err(why) => entries.push(Entry::skipped(file, "panel", id, title, grafana_type, why)),
        }
    }
    let row = row_entry(section, file, converted.is_empty(), row_copy);
    let tab = (!converted.is_empty()).then(|| {
        let (rows, placement) = grid::rows(converted);
        for (entry, note) in placement {
            entries[entry].approximate(note);
        }
        let written = write::rows(&rows, |p| write::panel(p, &entries[p.entry].because));
        write::tab(&section.title, &written)
    });
    (tab, row.into_iter().chain(entries).collect())
}

/// A panel converted, if it converts, loads and fits in the `room` the layout has left
/// (which it then takes).
fn convert_within(
    panel: &Value,
    inputs: &[(String, String)],
    prelude: &str,
    room: &mut usize,
) -> Result<(panels::PanelOut, Vec<String>), String> {
    let (out, notes) = panels::convert(panel, inputs)?;
    let probe = write::panel(&out, &[]);
    let size = probe.len()
        + PANEL_OVERHEAD
        + notes
            .iter()
            .chain(&out.remarks)
            .map(String::len)
            .sum::<usize>();
    if size > *room {
        return Err(format!(
            "the layout is full: a layout file holds at most {} MiB",
            LAYOUT_LIMIT >> 20
        ));
    }
    loads(prelude, &probe).map_err(|why| format!("the layout loader refuses it: {why}"))?;
    *room -= size;
    Ok((out, notes))
}

/// The report entry of a section's row: a tab, or why none (its panels are rows, none,
/// none converted, or it is a saved repeat copy).
fn row_entry(
    section: &Section,
    file: &str,
    nothing_converted: bool,
    row_copy: Option<String>,
) -> Option<Entry> {
    let row = section.row?;
    let (id, title) = (json::id(row), section.title.as_str());
    if nothing_converted {
        if let Some(why) = row_copy {
            return Some(Entry::skipped(file, "row", id, title, "row", why));
        }
        let nested = json::list(row, "panels")
            .iter()
            .any(|p| json::text(p, "type") == Some("row"));
        let why = if nested {
            "it holds only rows, each a tab of its own"
        } else if section.panels.is_empty() {
            "it holds no panels"
        } else {
            "no panel in it could be converted"
        };
        return Some(Entry::skipped(file, "row", id, title, "row", why.into()));
    }
    let notes = json::text(row, "repeat")
        .map(|var| format!("repeated per ${var} in Grafana; one tab here shows every value"))
        .into_iter()
        .collect();
    Some(Entry::converted(
        file, "row", id, title, "row", "tab", notes,
    ))
}

/// The dashboard's title, cut at [`TITLE_CHARS`] characters.
fn title(dash: &Value) -> String {
    text::cut(
        json::text(dash, "title").unwrap_or("Grafana dashboard"),
        TITLE_CHARS,
    )
}

/// What the report says of a dashboard read: where from, its title, uid, schema and time.
fn dashboard_info(input: &Input, dash: &Value) -> Dashboard {
    Dashboard {
        file: input.origin.clone(),
        title: title(dash),
        uid: json::text(dash, "uid").map(str::to_string),
        schema_version: dash
            .get("schemaVersion")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        time: dash.get("time").and_then(|t| {
            Some(format!(
                "{} → {}",
                json::text(t, "from")?,
                json::text(t, "to")?
            ))
        }),
    }
}

/// The datasource inputs of an export (`${DS_X}`), by name, with their plugin.
fn datasource_inputs(dash: &Value) -> Vec<(String, String)> {
    json::list(dash, "__inputs")
        .iter()
        .filter_map(|i| {
            Some((
                json::text(i, "name")?.to_string(),
                json::text(i, "pluginId")?.to_string(),
            ))
        })
        .collect()
}

/// Every dashboard's tabs, one after another, their entries added to the report.
fn tabs(inputs: &[Input], parsed: &[Value], prelude: &str, report: &mut Report) -> String {
    let mut tabs = String::new();
    let mut room = LAYOUT_LIMIT.saturating_sub(prelude.len() + HEADER_ROOM);
    for (input, dash) in inputs.iter().zip(parsed) {
        let datasources = datasource_inputs(dash);
        for section in sections(dash, &title(dash)) {
            let (tab, entries) =
                section_tab(&section, &input.origin, &datasources, prelude, &mut room);
            for entry in entries {
                report.push(entry);
            }
            tabs.push_str(&tab.unwrap_or_default());
        }
    }
    tabs
}

/// Converts the dashboards, in order, into one layout: their tabs one after another.
pub fn convert(inputs: &[Input]) -> Result<Conversion, ImportError> {
    let mut parsed: Vec<Value> = inputs.iter().map(dashboard).collect::<Result<_, _>>()?;
    parsed.iter_mut().for_each(variables::fill_constant_inputs);
    let mut report = Report::default();
    let mut variables_out: Vec<VariableOut> = Vec::new();
    let mut owners: Vec<(String, VariableOut)> = Vec::new();
    let mut annotations_out = Vec::new();
    for (input, dash) in inputs.iter().zip(&parsed) {
        report.dashboards.push(dashboard_info(input, dash));
        let before = variables_out.len();
        let mut entries = Vec::new();
        variables::variables(dash, &input.origin, &mut variables_out, &mut entries);
        owners.extend(
            variables_out[before..]
                .iter()
                .map(|v| (input.origin.clone(), v.clone())),
        );
        for annotation in variables::annotations(dash, &input.origin, &mut entries) {
            annotations_out.push((input.origin.clone(), annotation));
        }
        for entry in entries {
            report.push(entry);
        }
    }
    let owners = variables::in_dependency_order(owners);
    let prelude = prelude(owners, annotations_out, &mut report);
    let tabs = tabs(inputs, &parsed, &prelude, &mut report);
    // The dashboards' trees are the largest thing held; the check below needs only text.
    drop(parsed);
    if tabs.is_empty() {
        return Ok(Conversion {
            layout: None,
            report,
        });
    }
    let text = format!("{}{prelude}{tabs}", header(&report));
    if let Err(e) = Layout::parse(Source {
        origin: "import".into(),
        text: text.clone(),
    }) {
        return Err(ImportError::Unloadable(e.to_string()));
    }
    Ok(Conversion {
        layout: Some(text),
        report,
    })
}

/// The file's opening comment and title.
fn header(report: &Report) -> String {
    let mut out = String::from("# Imported from Grafana by `spheroseg-top import grafana`:\n");
    for d in &report.dashboards {
        let uid = d
            .uid
            .as_deref()
            .map(|u| format!("uid {u}, "))
            .unwrap_or_default();
        out.push_str(&format!(
            "#   {}: \"{}\" ({uid}schemaVersion {})\n",
            text::one_line(&d.file),
            text::one_line(&d.title),
            d.schema_version
        ));
        if let Some(time) = &d.time {
            out.push_str(&format!(
                "#     Grafana opens it on {time}; charts here show their `window` (default 15m)\n"
            ));
        }
    }
    let s = report.summary();
    out.push_str(&format!(
        "# {} converted, {} approximated, {} skipped; each panel's comment names its Grafana\n# panel and what was approximated, the conversion report (--report FILE) lists all.\n# The layout format is described at the top of layouts/spheroseg.toml.\n\n",
        s.converted, s.approximated, s.skipped
    ));
    let titles: Vec<&str> = report.dashboards.iter().map(|d| d.title.as_str()).collect();
    out.push_str(&format!(
        "title = {}\n\n",
        write::quote(&titles.join(" + "))
    ));
    out
}
