//! What lies under a screen cell, for the mouse: found with the same geometry the screen is
//! drawn with ([`super::areas`], the tab bar's layout, [`super::grid::place`], the panel
//! frame and the KPI table's header), so a click lands where the user sees things.

use super::too_small::too_small;
use super::{MIN_SCREEN, areas, grid, tabs};
use crate::app::App;
use crate::app::mouse::MouseTarget;
use crate::config::layout::Rows;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Block;

/// The target under cell (`column`, `row`) of a `screen` drawn from `app`, if any.
pub fn target(app: &App, screen: Rect, column: u16, row: u16) -> Option<MouseTarget> {
    if too_small(screen, MIN_SCREEN) || app.overlay().is_some() {
        return None;
    }
    let at = Position::new(column, row);
    let parts = areas(screen, app);
    if parts.tab_bar.contains(at) {
        return tabs::tab_at(app, app.context(), parts.tab_bar, column).map(MouseTarget::Tab);
    }
    if !parts.body.contains(at) {
        return None;
    }
    if !app.drill().is_empty() {
        return Some(MouseTarget::Drill);
    }
    let tab = app.layout().tabs.get(app.tab())?;
    let backends = app.backends();
    let stores: Vec<&crate::store::Store> = backends.iter().map(|b| b.store).collect();
    let placed = grid::place(tab, &stores, parts.body);
    let (r, c, panel, area) = placed
        .panels
        .into_iter()
        .find(|(_, _, _, area)| area.contains(at))?;
    if panel.kind.rows() == Rows::Kpis {
        // The panel's frame, then the table's header line, then one line per KPI.
        let inner = Block::bordered().inner(area);
        let first = inner.y.saturating_add(1);
        if inner.contains(at) && row >= first {
            let kpi = usize::from(row - first);
            if kpi < panel.kpis.len() {
                return Some(MouseTarget::KpiRow {
                    row: r,
                    col: c,
                    kpi,
                });
            }
        }
    }
    Some(MouseTarget::Panel { row: r, col: c })
}
