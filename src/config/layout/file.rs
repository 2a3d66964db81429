//! The layout file as written: what serde reads, spans kept for error messages. Unknown
//! keys are errors (`deny_unknown_fields`), so a typo fails instead of being ignored.

use crate::config::duration::ConfigDuration;
use crate::model::{Direction, Unit};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

use super::{PanelKind, Reduce};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LayoutFile {
    pub(super) title: Option<String>,
    #[serde(rename = "tab", default)]
    pub(super) tabs: Vec<TabFile>,
    /// Named breakdowns that panels and KPI rows refer to with `drill = "NAME"`.
    #[serde(default)]
    pub(super) drill: BTreeMap<String, DrillFile>,
    /// Template variables, `$name` in queries and titles.
    #[serde(rename = "variable", default)]
    pub(super) variables: Vec<super::variable::VariableFile>,
    /// `[[annotation]]`: queries whose samples mark moments on every chart.
    #[serde(rename = "annotation", default)]
    pub(super) annotations: Vec<AnnotationFile>,
    /// `[[slo]]`: service level objectives and their error budgets.
    #[serde(rename = "slo", default)]
    pub(super) slos: Vec<SloFile>,
}

/// `[[slo]]`: an objective over a window, and an SLI: `errors` of `total`, or the requests
/// of histogram `bucket` slower than `le`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SloFile {
    pub(super) name: Spanned<String>,
    pub(super) service: Option<Spanned<String>>,
    pub(super) description: Option<String>,
    pub(super) objective: Spanned<f64>,
    pub(super) window: Spanned<ConfigDuration>,
    pub(super) errors: Option<Spanned<String>>,
    pub(super) total: Option<Spanned<String>>,
    pub(super) bucket: Option<Spanned<String>>,
    pub(super) le: Option<Spanned<f64>>,
    /// The alert rules' name (`slo rules`).
    pub(super) alert: Option<Spanned<String>>,
    /// Burn windows by their 30-day name (`5m = "5s"`), for short SLO windows.
    pub(super) burn_windows: Option<Spanned<BTreeMap<String, Spanned<ConfigDuration>>>>,
}

/// `[[annotation]]`: a PromQL expression whose samples mark moments (deploys, restarts).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnnotationFile {
    pub(super) name: Spanned<String>,
    pub(super) query: Spanned<String>,
    pub(super) title: Option<Spanned<String>>,
    pub(super) colour: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TabFile {
    pub(super) title: Spanned<String>,
    #[serde(rename = "row", default)]
    pub(super) rows: Vec<Spanned<RowFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RowFile {
    pub(super) height: Option<Spanned<u16>>,
    #[serde(rename = "panel", default)]
    pub(super) panels: Vec<PanelFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PanelFile {
    pub(super) title: Spanned<String>,
    pub(super) kind: Spanned<PanelKind>,
    pub(super) query: Option<Spanned<String>>,
    pub(super) legend: Option<String>,
    #[serde(default)]
    pub(super) series: Vec<SeriesFile>,
    #[serde(default)]
    pub(super) unit: Unit,
    pub(super) decimals: Option<u8>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<Spanned<f64>>,
    pub(super) target: Option<Spanned<f64>>,
    pub(super) alert: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) direction: Direction,
    pub(super) width: Option<Spanned<u16>>,
    pub(super) window: Option<ConfigDuration>,
    pub(super) reduce: Option<Reduce>,
    pub(super) description: Option<String>,
    #[serde(rename = "kpi", default)]
    pub(super) kpis: Vec<KpiFile>,
    pub(super) drill: Option<Spanned<String>>,
    /// A table's label columns.
    pub(super) columns: Option<Spanned<Vec<String>>>,
    #[serde(rename = "mapping", default)]
    pub(super) mappings: Vec<Spanned<MappingFile>>,
}

/// `[[...mapping]]`: a value (`value`) or range (`from`, `to`) shown as `text`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MappingFile {
    pub(super) value: Option<f64>,
    pub(super) from: Option<f64>,
    pub(super) to: Option<f64>,
    pub(super) text: String,
}

/// `[drill.NAME]`: how a drill view breaks a value down by label.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DrillFile {
    pub(super) by: Spanned<Vec<String>>,
    /// The broken-down query the drill view charts instead of the panel's own.
    pub(super) query: Option<Spanned<String>>,
    pub(super) legend: Option<String>,
    #[serde(rename = "panel", default)]
    pub(super) panels: Vec<DrillPanelFile>,
}

/// A chart of the per-label view; `$label` in its title and queries is substituted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DrillPanelFile {
    pub(super) title: Spanned<String>,
    pub(super) query: Option<Spanned<String>>,
    pub(super) legend: Option<String>,
    #[serde(default)]
    pub(super) series: Vec<SeriesFile>,
    #[serde(default)]
    pub(super) unit: Unit,
    pub(super) decimals: Option<u8>,
    pub(super) target: Option<Spanned<f64>>,
    pub(super) alert: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) direction: Direction,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeriesFile {
    pub(super) query: Spanned<String>,
    pub(super) legend: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KpiFile {
    pub(super) name: Spanned<String>,
    pub(super) short: Option<Spanned<String>>,
    pub(super) query: Spanned<String>,
    pub(super) legend: Option<String>,
    #[serde(default)]
    pub(super) unit: Unit,
    pub(super) decimals: Option<u8>,
    pub(super) target: Option<Spanned<f64>>,
    pub(super) alert: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) direction: Direction,
    pub(super) reduce: Option<Reduce>,
    pub(super) drill: Option<Spanned<String>>,
}
