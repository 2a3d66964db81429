//! What a panel's widget is given: the panel, the data and the view it draws from. Its
//! own file, so that each kind's widget and the frame that picks one both use it without
//! a circle between them.

use crate::app::Backend;
use crate::config::Theme;
use crate::config::layout::{Panel, PanelQuery};
use crate::model::labels::legend;
use crate::store::{QueryData, SeriesData, Store};
use crate::view::Context;
use crate::view::alert_groups::AlertsView;

/// A panel in its frame, and everything its kind needs to draw itself.
#[derive(Clone, Copy)]
pub struct PanelWidget<'a> {
    pub panel: &'a Panel,
    pub store: &'a Store,
    pub theme: &'a Theme,
    pub ctx: Context,
    /// `Some` when the panel has the keyboard: the selected row (a KPI, an alert line, a
    /// silence, a target).
    pub focus: Option<usize>,
    /// The alert list's filter and open groups.
    pub alerts: &'a AlertsView,
    /// Every backend; `store` is the first one's. Several show side by side.
    pub backends: &'a [Backend<'a>],
}

impl<'a> PanelWidget<'a> {
    /// The stores the panel is drawn from: every backend's, or the one `store`.
    pub fn stores(&self) -> impl Iterator<Item = &'a Store> + 'a {
        let backends = self.backends;
        let lone = backends.is_empty().then_some(self.store);
        backends.iter().map(|b| b.store).chain(lone)
    }

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

    /// The panel's first query and its data: what a stat or a sparkline shows.
    pub fn first_query(&self) -> Option<(&'a PanelQuery, &'a QueryData)> {
        let pq = self.panel.queries.first()?;
        Some((pq, self.store.query(pq.id)?))
    }

    /// The value as the panel shows it: a mapping's text, else the number in its unit.
    pub fn format(&self, value: f64) -> String {
        match crate::model::mapping::text_for(&self.panel.mappings, value) {
            Some(text) => text.to_string(),
            None => self.panel.unit.format(value, self.panel.decimals),
        }
    }
}
