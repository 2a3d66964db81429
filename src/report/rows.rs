//! What a report's rows show: the layout's KPI rows once each, a value in its unit, the
//! series behind it, an alert's labels beside its name.

use crate::config::Layout;
use crate::config::layout::Kpi;
use crate::model::labels::legend;
use crate::model::{Labels, Unit};
use crate::store::{QueryData, SeriesData};

/// The layout's KPI rows, each once: the Overview and a subsystem tab often repeat one.
pub fn kpi_rows(layout: &Layout) -> Vec<Kpi> {
    let mut rows: Vec<Kpi> = Vec::new();
    for kpi in layout
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.panels)
        .flat_map(|p| &p.kpis)
    {
        if !rows
            .iter()
            .any(|k| k.name == kpi.name && k.query.id == kpi.query.id)
        {
            rows.push(kpi.clone());
        }
    }
    rows
}

/// The series behind a reduced value, named like the dashboard names it: only when the
/// query answered with several.
pub fn series_name(kpi: &Kpi, query: &QueryData, series: Option<&SeriesData>) -> Option<String> {
    let series = series?;
    query
        .current()
        .nth(1)
        .map(|_| legend(kpi.query.legend.as_deref(), &series.labels))
}

pub fn format_value(unit: Unit, decimals: Option<u8>, value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| unit.format(v, decimals))
}

/// An alert's labels as a report shows them beside its name: without `alertname` (the
/// name) and `severity` (its own column).
pub fn shown_labels(labels: &Labels) -> String {
    labels
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "alertname" | "severity" | "__name__"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A row's name as people read it: side by side, with its backend (`Lag · us`).
pub fn who(name: &str, backend: Option<&str>) -> String {
    match backend {
        Some(backend) => format!("{name} · {backend}"),
        None => name.to_string(),
    }
}
