//! Dashboard layouts: tabs of rows of panels, each panel a query (or KPI rows) with a kind,
//! a unit and thresholds. Everything a panel shows comes from here; Rust names no metric.

mod annotation;
mod build;
mod chart;
mod file;
mod kind;
pub(crate) mod slo;
mod slo_build;
mod table;
mod variable;

use super::{ConfigError, Source};
use crate::model::mapping::ValueText;
use crate::model::{Thresholds, Unit};
pub use annotation::Annotation;
use build::Builder;
pub use chart::{Breakdown, ChartQuery, ChartSpec, QueryId};
use file::LayoutFile;
pub use kind::{Content, PanelKind, Rows, SnapshotKind};
use serde::{Deserialize, Serialize};
pub use slo::{Sli, Slo};
use std::collections::HashMap;
use std::time::Duration;
pub use variable::KindName as VariableKindName;

/// Layouts shipped with the binary, by name.
pub const BUNDLED: &[(&str, &str)] =
    &[("spheroseg", include_str!("../../../layouts/spheroseg.toml"))];

/// History kept for charts, sparklines and stat trends when a panel does not say.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(15 * 60);

// ---- the validated model -------------------------------------------------------------

/// How several series collapse into the one number a stat, gauge or KPI row shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduce {
    /// The worst series under the thresholds' direction (max when above is bad).
    #[default]
    Worst,
    Max,
    Min,
    Sum,
    Avg,
}

/// A distinct expression polled once per refresh, however many panels show it.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryDef {
    pub expr: String,
    /// The longest window a panel needs this query's history for; `None`: latest value only.
    pub history: Option<Duration>,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub title: String,
    pub tabs: Vec<Tab>,
    pub queries: Vec<QueryDef>,
    /// Template variables, in declaration order (a variable may use those before it).
    pub variables: Vec<crate::variables::Variable>,
    /// `[[annotation]]` entries: moments marked on charts.
    pub annotations: Vec<Annotation>,
    /// `[[slo]]` entries: objectives, error budgets and burn rates.
    pub slos: Vec<Slo>,
    /// The layout's own text, kept so a session can say exactly what it showed.
    pub source: Source,
}

#[derive(Clone, Debug)]
pub struct Tab {
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub height: u16,
    pub panels: Vec<Panel>,
}

/// One query on a panel, with the legend template that names its series.
#[derive(Clone, Debug)]
pub struct PanelQuery {
    pub id: QueryId,
    pub legend: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub kind: PanelKind,
    pub queries: Vec<PanelQuery>,
    pub unit: Unit,
    pub decimals: Option<u8>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub thresholds: Thresholds,
    pub width: u16,
    pub window: Duration,
    pub reduce: Reduce,
    pub description: Option<String>,
    pub kpis: Vec<Kpi>,
    pub drill: Option<Drill>,
    /// A table's label columns; `None`: the labels that differ between its series.
    pub columns: Option<Vec<String>>,
    /// Values shown as words (`[[...mapping]]`), first match wins.
    pub mappings: Vec<ValueText>,
    /// An `slo` panel's objectives: the layout's `[[slo]]`, in order.
    pub slos: Vec<Slo>,
}

#[derive(Clone, Debug)]
pub struct Kpi {
    pub name: String,
    /// A shorter name for narrow tables (`short`), used before values are cut.
    pub short: Option<String>,
    pub query: PanelQuery,
    pub unit: Unit,
    pub decimals: Option<u8>,
    pub thresholds: Thresholds,
    pub reduce: Reduce,
    pub drill: Option<Drill>,
}

impl Panel {
    /// What a drill view of this panel charts.
    pub fn chart_spec(&self, queries: &[QueryDef]) -> ChartSpec {
        let own = self
            .queries
            .iter()
            .map(|pq| ChartQuery {
                expr: queries[pq.id].expr.clone(),
                legend: pq.legend.clone(),
            })
            .collect();
        ChartSpec {
            title: self.title.clone(),
            queries: own,
            unit: self.unit,
            decimals: self.decimals,
            thresholds: self.thresholds,
            breakdown: None,
        }
        .broken_down(self.drill.as_ref())
    }

    /// Every query this panel reads, KPI rows included.
    pub fn query_ids(&self) -> impl Iterator<Item = QueryId> + '_ {
        self.queries
            .iter()
            .map(|q| q.id)
            .chain(self.kpis.iter().map(|k| k.query.id))
    }
}

impl Kpi {
    /// What a drill view of this KPI row charts.
    pub fn chart_spec(&self, queries: &[QueryDef]) -> ChartSpec {
        ChartSpec {
            title: self.name.clone(),
            queries: vec![ChartQuery {
                expr: queries[self.query.id].expr.clone(),
                legend: self.query.legend.clone(),
            }],
            unit: self.unit,
            decimals: self.decimals,
            thresholds: self.thresholds,
            breakdown: None,
        }
        .broken_down(self.drill.as_ref())
    }
}

impl ChartSpec {
    /// Applies a declared breakdown: its own query replaces the aggregate one.
    fn broken_down(mut self, drill: Option<&Drill>) -> ChartSpec {
        if let Some(drill) = drill {
            if let Some(query) = &drill.query {
                self.queries = vec![query.clone()];
            }
            self.breakdown = Some(drill.breakdown.clone());
        }
        self
    }
}

/// A validated `[...drill]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Drill {
    pub query: Option<ChartQuery>,
    pub breakdown: Breakdown,
}

impl Layout {
    /// The id of `expr` among the polled queries, adding it (latest value only) if new.
    pub fn add_query(&mut self, expr: &str) -> QueryId {
        let normalized = crate::model::query::normalize(expr);
        match self.queries.iter().position(|q| q.expr == normalized) {
            Some(id) => id,
            None => {
                self.queries.push(QueryDef {
                    expr: normalized,
                    history: None,
                });
                self.queries.len() - 1
            }
        }
    }

    pub fn load(spec: &str) -> Result<Layout, ConfigError> {
        Self::parse(super::resolve(spec, "layouts", BUNDLED)?)
    }

    pub fn parse(source: Source) -> Result<Layout, ConfigError> {
        let file: LayoutFile = toml::from_str(&source.text)
            .map_err(|e| ConfigError::from_toml(&source.origin, &source.text, &e))?;
        Builder {
            source: &source,
            queries: Vec::new(),
            index: HashMap::new(),
            drills: HashMap::new(),
            variables: Vec::new(),
            has_slos: false,
        }
        .build(file, &source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Layout, ConfigError> {
        Layout::parse(Source {
            origin: "test.toml".into(),
            text: text.to_string(),
        })
    }

    const MINIMAL: &str = r#"
[[tab]]
title = "T"
[[tab.row]]
[[tab.row.panel]]
title = "Lag"
kind = "chart"
query = "db_replication_lag_seconds"
legend = "{{replica}}"
unit = "seconds"
window = "5m"
[[tab.row.panel]]
title = "KPIs"
kind = "kpi_table"
[[tab.row.panel.kpi]]
name = "Lag"
query = "db_replication_lag_seconds"
unit = "seconds"
target = 1
alert = 5
"#;

    #[test]
    fn identical_queries_are_polled_once_with_the_longest_history() {
        let layout = parse(MINIMAL).unwrap();
        assert_eq!(layout.queries.len(), 1);
        assert_eq!(layout.queries[0].history, Some(Duration::from_secs(300)));
        let panels = &layout.tabs[0].rows[0].panels;
        assert_eq!(panels[0].queries[0].id, panels[1].kpis[0].query.id);
        assert_eq!(panels[1].kpis[0].thresholds.alert, Some(5.0));
    }

    #[test]
    fn the_bundled_layout_is_valid() {
        let layout = Layout::load("spheroseg").unwrap();
        assert!(layout.tabs.len() >= 7);
    }
}
