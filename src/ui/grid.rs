//! A tab's rows and panels, sized by their relative heights and widths.

use super::widgets::PanelWidget;
use crate::app::focus::Focus;
use crate::config::Theme;
use crate::config::layout::{Panel, PanelKind, Tab};
use crate::store::Store;
use crate::view::Context;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

pub struct TabGrid<'a> {
    pub tab: &'a Tab,
    pub focus: Focus,
    pub store: &'a Store,
    pub theme: &'a Theme,
    pub ctx: Context,
}

/// Lines a panel needs to say anything useful: a KPI table all its rows, others a value.
fn min_height(panel: &Panel) -> u16 {
    match panel.kind {
        PanelKind::KpiTable => panel.kpis.len() as u16 + 3,
        PanelKind::Stat | PanelKind::Sparkline => 4,
        PanelKind::Alerts | PanelKind::Rules | PanelKind::Alertmanager => 6,
        _ => 3,
    }
}

/// Splits `total` lines by relative weights, but never below a row's minimum: rows whose
/// share is too small get their minimum and the others share what is left.
fn allocate(total: u16, rows: &[(u16, u16)]) -> Vec<u16> {
    let mut fixed: Vec<Option<u16>> = vec![None; rows.len()];
    loop {
        let taken: u16 = fixed.iter().flatten().sum();
        let weights: u32 = rows
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| f.is_none())
            .map(|((w, _), _)| u32::from(*w))
            .sum();
        let left = u32::from(total.saturating_sub(taken));
        let share = |w: u16| (left * u32::from(w)).checked_div(weights).unwrap_or(0) as u16;
        let starved: Vec<usize> = (0..rows.len())
            .filter(|&i| fixed[i].is_none() && share(rows[i].0) < rows[i].1)
            .collect();
        if starved.is_empty() {
            return rows
                .iter()
                .zip(&fixed)
                .map(|(&(w, _), f)| f.unwrap_or_else(|| share(w)))
                .collect();
        }
        for i in starved {
            fixed[i] = Some(rows[i].1);
        }
    }
}

impl Widget for TabGrid<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let needs: Vec<(u16, u16)> = self
            .tab
            .rows
            .iter()
            .map(|r| (r.height, r.panels.iter().map(min_height).max().unwrap_or(3)))
            .collect();
        let heights = allocate(area.height, &needs);
        // Rounding leaves a line or two over; the last row takes them.
        let last = heights.len().saturating_sub(1);
        let rows = Layout::vertical(heights.iter().enumerate().map(|(i, h)| {
            if i == last {
                Constraint::Fill(1)
            } else {
                Constraint::Length(*h)
            }
        }))
        .split(area);
        for (r, (row, row_area)) in self.tab.rows.iter().zip(rows.iter()).enumerate() {
            let cells = Layout::horizontal(row.panels.iter().map(|p| Constraint::Fill(p.width)))
                .split(*row_area);
            for (c, (panel, cell)) in row.panels.iter().zip(cells.iter()).enumerate() {
                let focused = (self.focus.row, self.focus.col) == (r, c);
                PanelWidget {
                    panel,
                    store: self.store,
                    theme: self.theme,
                    ctx: self.ctx,
                    focus: focused.then_some(self.focus.kpi),
                }
                .render(*cell, buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allocate;

    #[test]
    fn rows_share_by_weight_but_keep_their_minimum() {
        assert_eq!(allocate(40, &[(1, 7), (1, 4), (2, 3)]), vec![10, 10, 20]);
        assert_eq!(allocate(22, &[(1, 7), (1, 4), (2, 3)]), vec![7, 5, 10]);
        assert_eq!(
            allocate(5, &[(1, 7), (1, 4)]),
            vec![7, 4],
            "too small: the terminal clips"
        );
    }
}
