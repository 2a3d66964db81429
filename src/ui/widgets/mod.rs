//! One widget per panel kind, and the panel frame around them.

mod alert_list;
mod alerts;
mod bar;
mod chart;
mod columns;
mod gauge;
mod kpi_table;
pub mod log_pane;
pub mod markers;
mod panel;
mod sparkline;
mod stat;
mod table;
pub(crate) mod targets;
pub mod time_chart;
pub(crate) mod tsdb;

pub use panel::{PanelWidget, frame};

use crate::config::layout::Panel;
use crate::model::labels::legend;
use crate::store::{SeriesData, Store};
use crate::view::Context;

/// Everything a panel kind needs to draw itself.
#[derive(Clone, Copy)]
pub struct PanelData<'a> {
    pub panel: &'a Panel,
    pub store: &'a Store,
    pub theme: &'a crate::config::Theme,
    pub ctx: Context,
    /// The KPI row the keyboard selected, when the panel has focus.
    pub selected_kpi: Option<usize>,
    /// The alert list's filter and open groups.
    pub alerts: &'a crate::view::alert_groups::AlertsView,
}

impl<'a> PanelData<'a> {
    /// Every current series of every query on the panel, with its legend and value.
    pub fn current_series(&self) -> Vec<(String, &'a SeriesData, f64)> {
        let mut out = Vec::new();
        for pq in &self.panel.queries {
            let Some(query) = self.store.query(pq.id) else {
                continue;
            };
            for (series, value) in query.current() {
                out.push((legend(pq.legend.as_deref(), &series.labels), series, value));
            }
        }
        out
    }

    /// The value as the panel shows it: a mapping's text, else the number in its unit.
    pub fn format(&self, value: f64) -> String {
        match crate::model::mapping::text_for(&self.panel.mappings, value) {
            Some(text) => text.to_string(),
            None => self.panel.unit.format(value, self.panel.decimals),
        }
    }
}
