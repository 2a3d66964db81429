//! A tab's rows and panels, sized by their relative heights and widths.

use super::widgets::PanelWidget;
use crate::config::Theme;
use crate::config::layout::Tab;
use crate::store::Store;
use crate::view::Context;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

pub struct TabGrid<'a> {
    pub tab: &'a Tab,
    pub store: &'a Store,
    pub theme: &'a Theme,
    pub ctx: Context,
}

impl Widget for TabGrid<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let rows =
            Layout::vertical(self.tab.rows.iter().map(|r| Constraint::Fill(r.height))).split(area);
        for (row, row_area) in self.tab.rows.iter().zip(rows.iter()) {
            let cells = Layout::horizontal(row.panels.iter().map(|p| Constraint::Fill(p.width)))
                .split(*row_area);
            for (panel, cell) in row.panels.iter().zip(cells.iter()) {
                PanelWidget {
                    panel,
                    store: self.store,
                    theme: self.theme,
                    ctx: self.ctx,
                }
                .render(*cell, buf);
            }
        }
    }
}
