//! The mouse: a click on a tab switches to it, on a panel or KPI row focuses it, a double
//! click drills in; the wheel moves through a table's rows and zooms a drill view's chart.
//! What lies under the pointer is found by `ui::hit` from the geometry the screen is drawn
//! with; here it only becomes a change of state, like a key would.

use super::focus::{Dir, Focus};
use super::{Action, App};
use std::time::Duration;

/// What is under the pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseTarget {
    Tab(usize),
    /// A panel of the current tab's grid, by row and column.
    Panel {
        row: usize,
        col: usize,
    },
    /// A row of a KPI table.
    KpiRow {
        row: usize,
        col: usize,
        kpi: usize,
    },
    /// The open drill view.
    Drill,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseAction {
    Click,
    DoubleClick,
    WheelUp,
    WheelDown,
}

/// Two clicks on one cell this close together are a double click.
pub const DOUBLE_CLICK: Duration = Duration::from_millis(400);

/// Tells double clicks from single ones, from when and where clicks happened.
#[derive(Debug, Default)]
pub struct Clicks {
    last: Option<(Duration, u16, u16)>,
}

impl Clicks {
    /// A click at `at` (time since any fixed start) on cell (`column`, `row`).
    pub fn click(&mut self, at: Duration, column: u16, row: u16) -> MouseAction {
        match self.last.take() {
            Some((before, c, r))
                if (c, r) == (column, row) && at.saturating_sub(before) <= DOUBLE_CLICK =>
            {
                MouseAction::DoubleClick
            }
            _ => {
                self.last = Some((at, column, row));
                MouseAction::Click
            }
        }
    }
}

impl App {
    pub(super) fn mouse(&mut self, action: MouseAction, target: MouseTarget) {
        // Over help or a prompt the mouse does nothing: it has no target there.
        if self.overlay.is_some() {
            self.dirty = false;
            return;
        }
        match (action, target) {
            (MouseAction::Click | MouseAction::DoubleClick, MouseTarget::Tab(tab))
                if tab < self.layout.tabs.len() =>
            {
                self.select_tab(tab);
            }
            (MouseAction::Click, MouseTarget::Panel { row, col }) => self.focus_at(row, col, None),
            (MouseAction::Click, MouseTarget::KpiRow { row, col, kpi }) => {
                self.focus_at(row, col, Some(kpi));
            }
            (MouseAction::DoubleClick, MouseTarget::Panel { row, col }) => {
                self.focus_at(row, col, None);
                self.open();
            }
            (MouseAction::DoubleClick, MouseTarget::KpiRow { row, col, kpi }) => {
                self.focus_at(row, col, Some(kpi));
                self.open();
            }
            (MouseAction::WheelUp | MouseAction::WheelDown, MouseTarget::Drill) => {
                let zoom = if action == MouseAction::WheelUp {
                    Action::ZoomIn
                } else {
                    Action::ZoomOut
                };
                self.navigate_time(zoom);
            }
            (
                MouseAction::WheelUp | MouseAction::WheelDown,
                MouseTarget::Panel { row, col } | MouseTarget::KpiRow { row, col, .. },
            ) => self.scroll_rows(row, col, action == MouseAction::WheelUp),
            _ => self.dirty = false,
        }
    }

    /// Focuses the grid's panel at (`row`, `col`) and, in a table, its row `kpi` (else the
    /// row a key would select on entering it).
    fn focus_at(&mut self, row: usize, col: usize, kpi: Option<usize>) {
        if !self.drill.is_empty() {
            return;
        }
        let tab = self.tab;
        let Some(panel) = self.grid_panel(tab, row, col) else {
            return;
        };
        let rows = self.selectable_rows(panel);
        let kpi = match kpi {
            Some(kpi) if kpi < rows => kpi,
            _ if (self.focus[tab].row, self.focus[tab].col) == (row, col) => self.focus[tab].kpi,
            _ => self.worst_kpi(tab, row, col),
        };
        self.focus[tab] = Focus { row, col, kpi };
    }

    /// The wheel over a panel: focuses it and moves its selected row, never out of it.
    fn scroll_rows(&mut self, row: usize, col: usize, up: bool) {
        self.focus_at(row, col, None);
        let tab = self.tab;
        let Some(panel) = self.grid_panel(tab, row, col) else {
            return;
        };
        let rows = self.selectable_rows(panel);
        let focus = self.focus[tab];
        let within = if up {
            focus.kpi > 0
        } else {
            focus.kpi + 1 < rows
        };
        if within && (focus.row, focus.col) == (row, col) && self.drill.is_empty() {
            self.move_focus(if up { Dir::Up } else { Dir::Down });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_click_on_the_same_cell_soon_after_is_a_double_click() {
        let mut clicks = Clicks::default();
        let ms = Duration::from_millis;
        assert_eq!(clicks.click(ms(1000), 5, 5), MouseAction::Click);
        assert_eq!(clicks.click(ms(1200), 5, 5), MouseAction::DoubleClick);
        assert_eq!(
            clicks.click(ms(1300), 5, 5),
            MouseAction::Click,
            "a third starts again"
        );
        assert_eq!(
            clicks.click(ms(1400), 6, 5),
            MouseAction::Click,
            "another cell"
        );
        assert_eq!(clicks.click(ms(2000), 6, 5), MouseAction::Click, "too late");
    }
}
