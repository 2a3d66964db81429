//! What a drill view charts: its queries, unit and thresholds, and the breakdown Enter
//! opens next. Plain values, shared by panels, KPI rows, drills and SLOs.

use crate::model::{Thresholds, Unit};

/// Index of a distinct PromQL expression in [`super::Layout::queries`].
pub type QueryId = usize;

/// One line source of a drill chart: fetched on demand with range queries, never polled.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartQuery {
    pub expr: String,
    pub legend: Option<String>,
}

/// What a drill view charts: queries, unit and thresholds, and where Enter leads next.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    pub title: String,
    pub queries: Vec<ChartQuery>,
    pub unit: Unit,
    pub decimals: Option<u8>,
    pub thresholds: Thresholds,
    pub breakdown: Option<Breakdown>,
}

/// A breakdown by label: Enter on a series opens `panels` with `$label` replaced by the
/// series' values (e.g. the lag, pool and query latency of one replica).
#[derive(Clone, Debug, PartialEq)]
pub struct Breakdown {
    pub by: Vec<String>,
    /// Charts of one label value; titles and queries still hold `$label` placeholders.
    pub panels: Vec<ChartSpec>,
}

impl ChartSpec {
    /// This spec with every `$label` replaced by the label's value.
    pub fn substitute(&self, values: &[(String, String)]) -> ChartSpec {
        let apply = |text: &str| {
            // Longest names first, so `$pool` never eats the start of `$pool_name`.
            let mut sorted: Vec<&(String, String)> = values.iter().collect();
            sorted.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
            sorted.iter().fold(text.to_string(), |acc, (name, value)| {
                acc.replace(&format!("${name}"), value)
            })
        };
        ChartSpec {
            title: apply(&self.title),
            queries: self
                .queries
                .iter()
                .map(|q| ChartQuery {
                    expr: apply(&q.expr),
                    legend: q.legend.clone(),
                })
                .collect(),
            breakdown: None,
            ..self.clone()
        }
    }
}
