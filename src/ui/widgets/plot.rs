//! The lines of a time chart painted in one pass. ratatui's `Chart` gives every line a
//! canvas layer of its own, a grid allocated, saved and copied per line and frame, which
//! made the charts the costliest part of a frame; here every line paints one grid of
//! cells. A cell shows the dots of the last line that reached it, as ratatui's layers show
//! them, so the picture is the same, dot for dot.

use line_clipping::cohen_sutherland::clip_line;
use line_clipping::{LineSegment, Point, Window};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::symbols::braille::BRAILLE;
use ratatui::symbols::half_block;

/// How a layer draws its points.
#[derive(Clone, Copy, PartialEq)]
pub enum Mark {
    /// Braille dots (2×4 a cell), each point joined to the next.
    Line,
    /// Half blocks (1×2 a cell), the points alone.
    Points,
}

/// What the last layer to reach a cell left in it.
#[derive(Clone, Copy, Default)]
struct Cell {
    /// That layer's number, from 1; 0: no layer reached the cell.
    layer: u16,
    /// Braille dots, one bit each (row-major, as ratatui's grid stores them).
    dots: u8,
    /// A half-block layer's upper and lower pixel.
    upper: Option<Color>,
    lower: Option<Color>,
    fg: Option<Color>,
    /// A background an earlier half-block layer left: later layers keep it.
    bg: Option<Color>,
}

impl Cell {
    /// The symbol, foreground and background this cell's last layer gives it.
    fn look(&self, mark: Mark) -> (char, Option<Color>, Option<Color>) {
        match (mark, self.upper, self.lower) {
            (Mark::Line, ..) => (BRAILLE[usize::from(self.dots)], self.fg, self.bg),
            (Mark::Points, None, Some(lower)) => (half_block::LOWER, Some(lower), self.bg),
            (Mark::Points, Some(upper), None) => (half_block::UPPER, Some(upper), self.bg),
            (Mark::Points, Some(upper), Some(lower)) if upper == lower => {
                (half_block::FULL, Some(upper), Some(lower))
            }
            (Mark::Points, Some(upper), Some(lower)) => {
                (half_block::UPPER, Some(upper), Some(lower))
            }
            (Mark::Points, None, None) => (' ', self.fg, self.bg),
        }
    }
}

/// A grid over the chart's graph area and its data bounds, painted layer after layer.
pub struct Plot {
    width: u16,
    height: u16,
    x_bounds: [f64; 2],
    y_bounds: [f64; 2],
    cells: Vec<Cell>,
    /// Each layer's mark, by number − 1.
    marks: Vec<Mark>,
}

impl Plot {
    pub fn new(area: Rect, x_bounds: [f64; 2], y_bounds: [f64; 2]) -> Self {
        Self {
            width: area.width,
            height: area.height,
            x_bounds,
            y_bounds,
            cells: vec![Cell::default(); usize::from(area.width) * usize::from(area.height)],
            marks: Vec::new(),
        }
    }

    /// Paints a layer over the ones before: `points` in `color`, as `mark` says.
    pub fn layer(&mut self, points: &[(f64, f64)], color: Color, mark: Mark) {
        self.marks.push(mark);
        let layer = u16::try_from(self.marks.len()).unwrap_or(u16::MAX);
        for &(x, y) in points {
            if let Some((x, y)) = self.dot(x, y, mark) {
                self.paint(layer, mark, x, y, color);
            }
        }
        if mark == Mark::Line {
            for pair in points.windows(2) {
                self.segment(layer, pair[0], pair[1], color);
            }
        }
    }

    /// The dot of a point within bounds, counted from the top left (ratatui's rounding).
    fn dot(&self, x: f64, y: f64, mark: Mark) -> Option<(usize, usize)> {
        let [left, right] = self.x_bounds;
        let [bottom, top] = self.y_bounds;
        if x < left || x > right || y < bottom || y > top {
            return None;
        }
        let (width, height) = (right - left, top - bottom);
        if width <= 0.0 || height <= 0.0 {
            return None;
        }
        let (across, down) = match mark {
            Mark::Line => (2.0, 4.0),
            Mark::Points => (1.0, 2.0),
        };
        let columns = f64::from(self.width) * across - 1.0;
        let rows = f64::from(self.height) * down - 1.0;
        let x = ((x - left) * columns / width).round() as usize;
        let y = ((top - y) * rows / height).round() as usize;
        Some((x, y))
    }

    /// A line from `a` to `b`, cut to the bounds, dot by dot (Bresenham, as ratatui draws).
    fn segment(&mut self, layer: u16, a: (f64, f64), b: (f64, f64), color: Color) {
        let window = Window::new(
            self.x_bounds[0],
            self.x_bounds[1],
            self.y_bounds[0],
            self.y_bounds[1],
        );
        let segment = LineSegment::new(Point::new(a.0, a.1), Point::new(b.0, b.1));
        let Some(LineSegment { p1, p2 }) = clip_line(segment, window) else {
            return;
        };
        let (Some((x1, y1)), Some((x2, y2))) = (
            self.dot(p1.x, p1.y, Mark::Line),
            self.dot(p2.x, p2.y, Mark::Line),
        ) else {
            return;
        };
        line_dots(x1, y1, x2, y2, |x, y| {
            self.paint(layer, Mark::Line, x, y, color);
        });
    }

    fn paint(&mut self, layer: u16, mark: Mark, x: usize, y: usize, color: Color) {
        let (across, down) = match mark {
            Mark::Line => (2, 4),
            Mark::Points => (1, 2),
        };
        let index = (y / down) * usize::from(self.width) + x / across;
        let Some(cell) = self.cells.get_mut(index) else {
            return;
        };
        if cell.layer != layer {
            // The layer before is done with this cell: only a background of it stays.
            let bg = match (cell.upper, cell.lower) {
                (Some(_), Some(lower)) => Some(lower),
                _ => cell.bg,
            };
            *cell = Cell {
                layer,
                bg,
                ..Cell::default()
            };
        }
        match mark {
            Mark::Line => {
                cell.dots |= 1 << ((x % 2) + 2 * (y % 4));
                cell.fg = Some(color);
            }
            Mark::Points if y.is_multiple_of(2) => cell.upper = Some(color),
            Mark::Points => cell.lower = Some(color),
        }
    }

    /// Writes the painted cells into `area` of `buf` (the area the plot was made for).
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let width = usize::from(self.width);
        for (index, cell) in self.cells.iter().enumerate() {
            let Some(&mark) = cell
                .layer
                .checked_sub(1)
                .and_then(|l| self.marks.get(usize::from(l)))
            else {
                continue;
            };
            let x = area.x + (index % width) as u16;
            let y = area.y + (index / width) as u16;
            let Some(target) = buf.cell_mut((x, y)) else {
                continue;
            };
            let (symbol, fg, bg) = cell.look(mark);
            target.set_char(symbol);
            if let Some(fg) = fg {
                target.set_fg(fg);
            }
            if let Some(bg) = bg {
                target.set_bg(bg);
            }
        }
    }
}

/// Each dot of a line between two dots, as ratatui's canvas chooses them (Bresenham).
fn line_dots(x1: usize, y1: usize, x2: usize, y2: usize, mut dot: impl FnMut(usize, usize)) {
    let (dx, dy) = (x2.abs_diff(x1), y2.abs_diff(y1));
    if dx == 0 {
        (y1.min(y2)..=y1.max(y2)).for_each(|y| dot(x1, y));
        return;
    }
    if dy == 0 {
        (x1.min(x2)..=x1.max(x2)).for_each(|x| dot(x, y1));
        return;
    }
    // Step along the longer side; `steep` swaps x and y so that one loop serves both.
    let steep = dy >= dx;
    let (a1, b1, a2, b2) = if steep {
        (y1, x1, y2, x2)
    } else {
        (x1, y1, x2, y2)
    };
    let ((a1, b1), (a2, b2)) = if a1 > a2 {
        ((a2, b2), (a1, b1))
    } else {
        ((a1, b1), (a2, b2))
    };
    let da = (a2 - a1) as isize;
    let db = (b2 as isize - b1 as isize).abs();
    let mut d = 2 * db - da;
    let mut b = b1;
    for a in a1..=a2 {
        if steep {
            dot(b, a)
        } else {
            dot(a, b)
        }
        if d > 0 {
            b = if b1 > b2 {
                b.saturating_sub(1)
            } else {
                b.saturating_add(1)
            };
            d -= 2 * da;
        }
        d += 2 * db;
    }
}
