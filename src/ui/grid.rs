//! A tab's rows and panels, sized by their relative heights and widths. Panels that do
//! not fit are named on the last line rather than squeezed to nothing.

use super::widgets::{PanelWidget, targets, tsdb};
use crate::app::focus::Focus;
use crate::config::Theme;
use crate::config::layout::{Panel, PanelKind, Tab};
use crate::store::Store;
use crate::view::Context;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Widget;

pub struct TabGrid<'a> {
    pub tab: &'a Tab,
    pub focus: Focus,
    pub store: &'a Store,
    pub theme: &'a Theme,
    pub ctx: Context,
    pub alerts: &'a crate::view::alert_groups::AlertsView,
    /// Every backend; `store` is the first one's.
    pub backends: &'a [crate::app::Backend<'a>],
}

/// Columns a panel needs to say anything useful: its borders and a value.
const MIN_WIDTH: u16 = 10;

/// Lines a panel's content takes at `width` columns (borders included), when it is known
/// and bounded: the server panels list what the server said, and more room would stay
/// empty while the other rows are squeezed. `None`: the panel uses any height given.
/// Side by side, the backends' contents one above the other, each under its name.
fn content_height(panel: &Panel, stores: &[&Store], width: u16) -> Option<u16> {
    let inner = width.saturating_sub(2);
    let one = |store: &Store| match panel.kind {
        PanelKind::Targets => Some(targets::height(store, inner)),
        PanelKind::Tsdb => Some(tsdb::height(store)),
        _ => None,
    };
    let content = match stores {
        [store] => one(store)?,
        stores => stores
            .iter()
            .map(|store| one(store).map(|h| h.saturating_add(1)))
            .try_fold(0u16, |all, h| h.map(|h| all.saturating_add(h)))?,
    };
    Some(content.saturating_add(2).max(panel.min_height()))
}

/// Splits `total` lines by relative weights, each row `(weight, min, max)`: rows whose
/// share is too small get their minimum, rows whose share is more than their content
/// needs get that, and the others share what is left.
fn allocate(total: u16, rows: &[(u16, u16, u16)]) -> Vec<u16> {
    let mut fixed: Vec<Option<u16>> = vec![None; rows.len()];
    loop {
        let taken: u16 = fixed.iter().flatten().fold(0, |a, h| a.saturating_add(*h));
        let weights: u32 = rows
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| f.is_none())
            .map(|((w, _, _), _)| u32::from(*w))
            .sum();
        let left = u32::from(total.saturating_sub(taken));
        let share = |w: u16| (left * u32::from(w)).checked_div(weights).unwrap_or(0) as u16;
        let open = |i: usize| fixed[i].is_none();
        let starved: Vec<usize> = (0..rows.len())
            .filter(|&i| open(i) && share(rows[i].0) < rows[i].1)
            .collect();
        if !starved.is_empty() {
            for i in starved {
                fixed[i] = Some(rows[i].1);
            }
            continue;
        }
        let sated: Vec<usize> = (0..rows.len())
            .filter(|&i| open(i) && share(rows[i].0) > rows[i].2)
            .collect();
        if sated.is_empty() {
            return rows
                .iter()
                .zip(&fixed)
                .map(|(&(w, _, _), f)| f.unwrap_or_else(|| share(w)))
                .collect();
        }
        for i in sated {
            fixed[i] = Some(rows[i].2);
        }
    }
}

/// The panels to draw in `area`, row by row: rows from the top while their minimum heights
/// fit, in each as many panels from the left as keep [`MIN_WIDTH`]. When some are left
/// out, the last line is kept to say so.
fn fitting(tab: &Tab, area: Rect) -> Vec<&[Panel]> {
    let across = usize::from(area.width / MIN_WIDTH);
    let rows: Vec<&[Panel]> = tab
        .rows
        .iter()
        .map(|row| &row.panels[..row.panels.len().min(across)])
        .collect();
    let height = |panels: &[Panel]| u32::from(row_min_height(panels));
    let cut = rows
        .iter()
        .zip(&tab.rows)
        .any(|(shown, row)| shown.len() < row.panels.len());
    if !cut && rows.iter().map(|panels| height(panels)).sum::<u32>() <= u32::from(area.height) {
        return rows;
    }
    let room = u32::from(area.height.saturating_sub(1));
    let mut used = 0;
    rows.into_iter()
        .take_while(|panels| {
            used += height(panels);
            !panels.is_empty() && used <= room
        })
        .collect()
}

/// A row is as tall as its tallest panel needs.
fn row_min_height(panels: &[Panel]) -> u16 {
    panels.iter().map(Panel::min_height).max().unwrap_or(0)
}

/// `12 panels do not fit: Foo, Bar, … (enlarge the terminal)`, with as many names as fit
/// in `width` columns.
fn not_fitting(names: &[&str], width: usize) -> String {
    let head = match names.len() {
        1 => "1 panel does not fit: ".to_string(),
        n => format!("{n} panels do not fit: "),
    };
    let tail = " (enlarge the terminal)";
    let room = width.saturating_sub(head.chars().count() + tail.chars().count());
    let mut listed = Vec::new();
    let mut used = 0;
    for (i, name) in names.iter().enumerate() {
        let cost = name.chars().count() + if i > 0 { ", ".len() } else { 0 };
        // Room for ", …" after this name, unless it is the last.
        let ellipsis = if i + 1 < names.len() { 3 } else { 0 };
        if used + cost + ellipsis > room {
            listed.push("…");
            break;
        }
        used += cost;
        listed.push(name);
    }
    format!("{head}{}{tail}", listed.join(", "))
}

/// Where a tab's panels go in `area`: each drawn panel's (row, column) in the grid and its
/// rectangle, and the line naming the panels left out, if any. The renderer and the mouse's
/// hit-testing both take the geometry from here.
pub(crate) struct Placed<'a> {
    pub panels: Vec<(usize, usize, &'a Panel, Rect)>,
    pub note: Option<(Rect, Vec<&'a str>)>,
}

/// Where `tab`'s panels go in `area`, for the backends' `stores` (the first one's first).
pub(crate) fn place<'a>(tab: &'a Tab, stores: &[&Store], area: Rect) -> Placed<'a> {
    let rows = fitting(tab, area);
    let left_out: Vec<&str> = tab
        .rows
        .iter()
        .enumerate()
        .flat_map(|(i, row)| &row.panels[rows.get(i).map_or(0, |shown| shown.len())..])
        .map(|panel| panel.title.as_str())
        .collect();
    let (area, note) = if left_out.is_empty() {
        (area, None)
    } else {
        let [grid, note] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        (grid, Some((note, left_out)))
    };
    let across = |shown: &[Panel]| side_by_side(area, shown);
    let needs: Vec<(u16, u16, u16)> = tab
        .rows
        .iter()
        .zip(&rows)
        .map(|(row, panels)| {
            let min = row_min_height(panels);
            // A row needs what its tallest panel's content needs; any unbounded panel
            // makes the row take its share.
            let max = panels
                .iter()
                .zip(across(panels).iter())
                .map(|(p, cell)| content_height(p, stores, cell.width))
                .try_fold(min, |most, h| h.map(|h| most.max(h)))
                .unwrap_or(u16::MAX);
            (row.height, min, max)
        })
        .collect();
    let heights = allocate(area.height, &needs);
    // Rounding leaves a line or two over; the last row takes them.
    let last = heights.len().saturating_sub(1);
    let mut y = area.y;
    let row_areas: Vec<Rect> = heights
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let height = if i == last {
                area.bottom().saturating_sub(y)
            } else {
                (*h).min(area.bottom().saturating_sub(y))
            };
            let row = Rect::new(area.x, y, area.width, height);
            y = y.saturating_add(height);
            row
        })
        .collect();
    let mut panels = Vec::new();
    for (r, (shown, row_area)) in rows.iter().zip(row_areas.iter()).enumerate() {
        let cells = side_by_side(*row_area, shown);
        for (c, (panel, cell)) in shown.iter().zip(cells.iter()).enumerate() {
            panels.push((r, c, panel, *cell));
        }
    }
    Placed { panels, note }
}

/// `area` split across `panels` by their relative widths, the rounding's leftover cells
/// to the largest remainders. Plain arithmetic, not ratatui's constraint solver: with many
/// `Fill`s the solver may loop for ever on some sizes (ratatui issue 1855), which a tab of
/// thirty panels in a row hit at 300 columns.
fn side_by_side(area: Rect, panels: &[Panel]) -> Vec<Rect> {
    let widths = shares(
        area.width,
        &panels.iter().map(|p| p.width).collect::<Vec<_>>(),
    );
    let mut x = area.x;
    widths
        .into_iter()
        .map(|w| {
            let cell = Rect::new(x, area.y, w, area.height);
            x = x.saturating_add(w);
            cell
        })
        .collect()
}

/// `total` split by `weights` (all equal when they are all 0): each edge at its exact
/// place rounded to the nearest cell, so the rounding never adds up across a row.
fn shares(total: u16, weights: &[u16]) -> Vec<u16> {
    let all_zero = weights.iter().all(|w| *w == 0);
    let weight = |w: &u16| if all_zero { 1 } else { u64::from(*w) };
    let sum: u64 = weights.iter().map(weight).sum();
    if sum == 0 {
        return Vec::new();
    }
    let mut reached = 0u64;
    let mut edge = 0u16;
    weights
        .iter()
        .map(|w| {
            reached += weight(w);
            let next = ((u64::from(total) * reached * 2 + sum) / (2 * sum)) as u16;
            let width = next - edge;
            edge = next;
            width
        })
        .collect()
}

impl Widget for TabGrid<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let stores: Vec<&Store> = self.backends.iter().map(|b| b.store).collect();
        let placed = place(self.tab, &stores, area);
        if let Some((note, left_out)) = &placed.note {
            Line::styled(
                not_fitting(left_out, usize::from(note.width)),
                self.theme.warn,
            )
            .render(*note, buf);
        }
        for (r, c, panel, cell) in placed.panels {
            let focused = (self.focus.row, self.focus.col) == (r, c);
            PanelWidget {
                panel,
                store: self.store,
                theme: self.theme,
                ctx: self.ctx,
                focus: focused.then_some(self.focus.kpi),
                alerts: self.alerts,
                backends: self.backends,
            }
            .render(cell, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{allocate, not_fitting, shares};
    use proptest::prelude::*;

    #[test]
    fn the_note_names_what_fits_and_counts_the_rest() {
        assert_eq!(
            not_fitting(&["Requests"], 80),
            "1 panel does not fit: Requests (enlarge the terminal)"
        );
        let names = ["Requests", "API p95", "Error rate"];
        assert_eq!(
            not_fitting(&names, 80),
            "3 panels do not fit: Requests, API p95, Error rate (enlarge the terminal)"
        );
        assert_eq!(
            not_fitting(&names, 60),
            "3 panels do not fit: Requests, … (enlarge the terminal)"
        );
        assert_eq!(
            not_fitting(&names, 10),
            "3 panels do not fit: … (enlarge the terminal)",
            "the line is cut where it ends"
        );
    }

    #[test]
    fn rows_share_by_weight_but_keep_their_minimum() {
        let any = u16::MAX;
        assert_eq!(
            allocate(40, &[(1, 7, any), (1, 4, any), (2, 3, any)]),
            vec![10, 10, 20]
        );
        assert_eq!(
            allocate(22, &[(1, 7, any), (1, 4, any), (2, 3, any)]),
            vec![7, 5, 10]
        );
        assert_eq!(
            allocate(5, &[(1, 7, any), (1, 4, any)]),
            vec![7, 4],
            "too small: each keeps its minimum (the grid leaves such rows out)"
        );
    }

    #[test]
    fn a_row_gets_no_more_than_its_content_and_the_others_share_the_rest() {
        let any = u16::MAX;
        // Three targets need 8 lines; the cardinality row takes the rest.
        assert_eq!(allocate(58, &[(3, 6, 8), (3, 6, 60)]), vec![8, 50]);
        assert_eq!(allocate(58, &[(3, 6, 8), (3, 6, any)]), vec![8, 50]);
        // Both bounded and the screen larger: each gets its content (the grid gives the
        // last row the lines left over).
        assert_eq!(allocate(58, &[(3, 6, 8), (3, 6, 20)]), vec![8, 20]);
        // Too small for both: shared by weight as before.
        assert_eq!(allocate(22, &[(3, 6, 30), (3, 6, 60)]), vec![11, 11]);
    }

    proptest! {
        #[test]
        fn rows_that_fit_keep_their_minimum_within_the_total(
            total in 0u16..200,
            rows in prop::collection::vec((1u16..10, 1u16..20, 1u16..80), 0..12),
        ) {
            let rows: Vec<(u16, u16, u16)> =
                rows.into_iter().map(|(w, min, max)| (w, min, max.max(min))).collect();
            let heights = allocate(total, &rows);
            prop_assert_eq!(heights.len(), rows.len());
            for (height, (_, min, max)) in heights.iter().zip(&rows) {
                prop_assert!(height >= min && height <= max);
            }
            if rows.iter().map(|(_, min, _)| min).sum::<u16>() <= total {
                prop_assert!(heights.iter().sum::<u16>() <= total);
            }
        }

        #[test]
        fn the_note_fits_its_line(
            names in prop::collection::vec("[a-zA-Z ]{1,20}", 1..50),
            width in 0usize..300,
        ) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let note = not_fitting(&names, width);
            let count = format!("{} panel", names.len());
            prop_assert!(note.starts_with(&count), "{}", note);
            prop_assert!(note.ends_with(" (enlarge the terminal)"));
            // The shortest note names none: `N panels do not fit: … (enlarge the terminal)`.
            let shortest = not_fitting(&names, 0).chars().count();
            if width >= shortest {
                prop_assert!(note.chars().count() <= width, "{}", note);
            }
        }
    }

    /// Cells side by side as ratatui's `Fill` gave them (the screens' snapshots did not
    /// move), always adding up to the row, for any count of panels.
    #[test]
    fn shares_round_each_edge_and_add_up() {
        assert_eq!(shares(160, &[1, 1, 1]), vec![53, 54, 53]);
        assert_eq!(shares(10, &[0, 0]), vec![5, 5]);
        assert_eq!(shares(7, &[2, 1]), vec![5, 2]);
        assert_eq!(shares(5, &[]), Vec::<u16>::new());
        for total in [0, 1, 79, 300, u16::MAX] {
            for n in 1..=40u16 {
                let weights: Vec<u16> = (1..=n).map(|i| i % 4).collect();
                let got = shares(total, &weights);
                assert_eq!(
                    got.iter().map(|w| u32::from(*w)).sum::<u32>(),
                    u32::from(total)
                );
            }
        }
    }
}
