//! What to write to a terminal showing one frame so that it shows the next: the cells that
//! changed. ratatui's own diff measures the display width of every cell's symbol, through
//! Unicode tables, before it even compares two cells; on a 200×60 dashboard that was a
//! quarter of a frame's instructions. Here a one-byte symbol is one column wide without a
//! lookup, and an unchanged cell's old width is its new one.
//!
//! Wide symbols (two columns, as CJK text or emoji in a label) follow the terminal's rules:
//! the cell a wide symbol covers is never written (that would cut the symbol), and where a
//! wide symbol was or now is, the cells it spans are written again, since the terminal drew
//! over them.

use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use unicode_width::UnicodeWidthStr;

/// The columns `cell`'s symbol takes on screen.
fn width(cell: &Cell) -> usize {
    let symbol = cell.symbol();
    match cell.diff_option {
        CellDiffOption::ForcedWidth(width) => usize::from(width.get()),
        _ if symbol.len() == 1 => 1,
        _ => symbol.width(),
    }
}

/// Whether two cells look the same: `Cell`'s own equality, the cheap fields first and a
/// one-byte symbol (most of a dashboard) compared without a call to `memcmp`.
fn same(a: &Cell, b: &Cell) -> bool {
    let (x, y) = (a.symbol().as_bytes(), b.symbol().as_bytes());
    let symbols = match (x, y) {
        ([x], [y]) => x == y,
        _ => x == y,
    };
    #[allow(deprecated)] // Compared as `Cell`'s equality compares it.
    let skips = a.skip == b.skip;
    a.fg == b.fg
        && a.bg == b.bg
        && a.modifier == b.modifier
        && a.underline_color == b.underline_color
        && a.diff_option == b.diff_option
        && skips
        && symbols
}

/// The cells of `next` that a terminal showing `previous` must be sent, with their
/// positions, left to right and top to bottom. Both buffers cover the same area.
pub fn changes<'a>(previous: &Buffer, next: &'a Buffer) -> Vec<(u16, u16, &'a Cell)> {
    let area = next.area;
    let columns = usize::from(area.width.max(1));
    let mut updates = Vec::new();
    // Cells still covered by the wide symbol just written or kept.
    let mut covered = 0;
    // Cells to write even if unchanged: a wide symbol was or is over them.
    let mut redraw = 0;
    for (i, (new, old)) in next.content.iter().zip(&previous.content).enumerate() {
        let changed = !same(new, old) || matches!(new.diff_option, CellDiffOption::AlwaysUpdate);
        let skip = matches!(new.diff_option, CellDiffOption::Skip);
        if covered == 0 && (changed || redraw > 0) && !skip {
            let x = area.x + (i % columns) as u16;
            let y = area.y + (i / columns) as u16;
            updates.push((x, y, new));
        }
        // An unchanged cell is as wide as before: the old width matters only at a change.
        let new_width = width(new);
        let old_width = if changed { width(old) } else { new_width };
        covered = new_width.saturating_sub(1);
        redraw = new_width.max(old_width).max(redraw).saturating_sub(1);
    }
    updates
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    /// A buffer of `lines`, with `style` over its first cells.
    fn buffer(lines: &[&str], styled: u16) -> Buffer {
        let mut buf = Buffer::with_lines(lines.iter().copied());
        let area = Rect::new(0, 0, styled.min(buf.area.width), 1);
        buf.set_style(area, Style::default().fg(Color::Red));
        buf
    }

    /// What a terminal shows, symbol by column, after `updates` over a screen that showed
    /// `screen`: a wide symbol covers the column after it (`None`), and writing over either
    /// half of a wide symbol leaves the other half garbage until it is written too.
    fn shown(screen: &Buffer, updates: &[(u16, u16, &Cell)]) -> Vec<Vec<Option<String>>> {
        let (w, h) = (screen.area.width as usize, screen.area.height as usize);
        let blank = Some(format!(" {:?}", Color::Reset));
        let mut rows: Vec<Vec<Option<String>>> = vec![vec![blank.clone(); w]; h];
        let write = |rows: &mut Vec<Vec<Option<String>>>, x: usize, y: usize, cell: &Cell| {
            let row = &mut rows[y];
            // The strictest terminal: half a wide symbol left is garbage until written.
            if row[x].is_none() && x > 0 {
                row[x - 1] = Some("garbage".into());
            }
            if x + 1 < w && row[x + 1].is_none() {
                row[x + 1] = Some("garbage".into());
            }
            row[x] = Some(format!("{}{:?}", cell.symbol(), cell.fg));
            for covered in 1..width(cell) {
                if x + covered < w {
                    row[x + covered] = None;
                }
            }
        };
        let all: Vec<(u16, u16, &Cell)> = Buffer::empty(screen.area).diff(screen);
        for (x, y, cell) in all.iter().chain(updates) {
            write(&mut rows, usize::from(*x), usize::from(*y), cell);
        }
        rows
    }

    #[test]
    fn a_terminal_ends_up_showing_the_next_frame_whatever_it_showed() {
        let frames: &[&[&str]] = &[
            &["plain ascii text", "second line here"],
            &["plain ASCII text", "second line here"],
            &["⣀⣀⠤⠒ braille ⡇ ──", "│ box drawing ◆ ●"],
            &["wide 漢字 here   ", "emoji 🙂 and more"],
            &["wide 字漢 here   ", "emoji x  and more"],
            &["narrow now here ", "🙂🙂 two emoji  "],
            &["", ""],
        ];
        for (a, before) in frames.iter().enumerate() {
            for (b, after) in frames.iter().enumerate() {
                for styled in [0, 3] {
                    let (previous, next) = (buffer(before, 0), buffer(after, styled));
                    if previous.area != next.area {
                        continue;
                    }
                    let ours = changes(&previous, &next);
                    let theirs = previous.diff(&next);
                    assert_eq!(
                        shown(&previous, &ours),
                        shown(
                            &Buffer::empty(next.area),
                            &Buffer::empty(next.area).diff(&next)
                        ),
                        "frame {a} → {b}: the next frame, as drawn on a blank screen"
                    );
                    // As few writes as ratatui's own diff, give or take the halves of a
                    // wide symbol it leaves to the terminal.
                    assert!(ours.len() <= theirs.len() + 2, "{a} → {b}: minimal");
                    if a == b && styled == 0 {
                        assert!(ours.is_empty(), "{a}: nothing changed");
                    }
                }
            }
        }
    }

    #[test]
    fn cells_are_the_same_exactly_when_cell_equality_says_so() {
        use ratatui::style::Modifier;
        let mut cells = Vec::new();
        for symbol in [" ", "a", "b", "ab", "界", "⣿"] {
            for style in [
                Style::default(),
                Style::default().fg(Color::Red),
                Style::default().bg(Color::Indexed(3)),
                Style::default().underline_color(Color::Rgb(1, 2, 3)),
                Style::default().add_modifier(Modifier::BOLD),
            ] {
                let mut cell = Cell::new(symbol);
                cell.set_style(style);
                cells.push(cell.clone());
                cell.set_diff_option(CellDiffOption::Skip);
                cells.push(cell);
            }
        }
        cells.push(Cell::EMPTY);
        for a in &cells {
            for b in &cells {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
