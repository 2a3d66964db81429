//! Which panel of a tab has the keyboard, and how arrow keys move it: spatially, by the
//! panels' positions in the grid, not by their order in the file.

use crate::config::layout::{Panel, Tab};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Left,
    Right,
    Up,
    Down,
}

/// The focused panel (row and column in the tab's grid) and, in a KPI table, the row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Focus {
    pub row: usize,
    pub col: usize,
    pub kpi: usize,
}

/// Horizontal centre of a panel as a fraction of the row's width.
fn centre(tab: &Tab, row: usize, col: usize) -> f64 {
    let widths: Vec<f64> = tab.rows[row]
        .panels
        .iter()
        .map(|p| f64::from(p.width))
        .collect();
    let total: f64 = widths.iter().sum();
    let before: f64 = widths[..col].iter().sum();
    (before + widths[col] / 2.0) / total.max(1.0)
}

/// Where focus lands after moving `dir` from `from`. Up and down first walk the rows of a
/// panel that has them (`rows`: a KPI table's, the alert list's); leaving a row of panels
/// picks the panel of the next row nearest in x. `entry` chooses the row to select on
/// entering a panel (the app picks the worst KPI).
pub fn moved(
    tab: &Tab,
    from: Focus,
    dir: Dir,
    rows: impl Fn(&Panel) -> usize,
    entry: impl Fn(usize, usize) -> usize,
) -> Focus {
    let Some(row) = tab.rows.get(from.row) else {
        return Focus::default();
    };
    let kpis = rows(&row.panels[from.col.min(row.panels.len() - 1)]);
    let (row, col) = match dir {
        Dir::Up if from.kpi > 0 && kpis > 0 => {
            return Focus {
                kpi: from.kpi - 1,
                ..from
            };
        }
        Dir::Down if from.kpi + 1 < kpis => {
            return Focus {
                kpi: from.kpi + 1,
                ..from
            };
        }
        Dir::Left if from.col > 0 => (from.row, from.col - 1),
        Dir::Right if from.col + 1 < row.panels.len() => (from.row, from.col + 1),
        Dir::Up if from.row > 0 => nearest(tab, from, from.row - 1),
        Dir::Down if from.row + 1 < tab.rows.len() => nearest(tab, from, from.row + 1),
        _ => return from,
    };
    Focus {
        row,
        col,
        kpi: entry(row, col),
    }
}

fn nearest(tab: &Tab, from: Focus, row: usize) -> (usize, usize) {
    let x = centre(tab, from.row, from.col);
    let col = (0..tab.rows[row].panels.len())
        .min_by(|&a, &b| {
            (centre(tab, row, a) - x)
                .abs()
                .total_cmp(&(centre(tab, row, b) - x).abs())
        })
        .unwrap_or(0);
    (row, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::{Layout, Rows};

    #[test]
    fn arrows_move_spatially_and_walk_kpi_rows_first() {
        let layout = Layout::load("spheroseg").unwrap();
        let overview = &layout.tabs[0];
        let first_row = |_, _| 0;
        let kpis = |p: &Panel| {
            if p.kind.rows() == Rows::Kpis {
                p.kpis.len()
            } else {
                0
            }
        };
        let start = Focus::default();
        // Overview: three KPI tables on top, five stats, then two charts.
        let right = moved(overview, start, Dir::Right, kpis, first_row);
        assert_eq!((right.row, right.col), (0, 1));
        assert_eq!(
            moved(overview, start, Dir::Left, kpis, first_row),
            start,
            "edges stay put"
        );
        let down = moved(overview, start, Dir::Down, kpis, first_row);
        assert_eq!(down.kpi, 1, "down walks the KPI rows first");
        let mut f = start;
        for _ in 0..4 {
            f = moved(overview, f, Dir::Down, kpis, first_row);
        }
        assert_eq!(
            (f.row, f.col),
            (1, 0),
            "past the last KPI row to the row below"
        );
        let middle = Focus {
            row: 0,
            col: 1,
            kpi: 2,
        };
        let below = moved(overview, middle, Dir::Down, kpis, first_row);
        assert_eq!(
            (below.row, below.col),
            (1, 2),
            "nearest panel below the middle one"
        );
        let back = moved(overview, below, Dir::Up, kpis, |_, _| 2);
        assert_eq!(
            (back.row, back.col, back.kpi),
            (0, 1, 2),
            "entering a table selects the chosen row"
        );
    }
}
