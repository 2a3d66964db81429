//! A time chart's axes: the value labels on the left, the time labels below, the two axis
//! lines, placed cell for cell where ratatui's `Chart` places them with labels on both
//! axes (the x ones left-aligned, its default). Drawn here rather than by `Chart`, whose
//! two passes over every cell of the chart (its style, then its canvas' background) cost
//! more than the axes themselves; `time_chart`'s test holds the two pictures equal.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::line;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

fn width(text: &str) -> u16 {
    u16::try_from(Line::from(text).width()).unwrap_or(u16::MAX)
}

/// Where the parts go in a chart's area.
struct Places {
    graph: Rect,
    /// The row of the time labels, the row of the x axis, the column of the y axis.
    x_labels: Option<u16>,
    x_axis: Option<u16>,
    y_axis: Option<u16>,
}

/// Below the graph a row of labels, then the x axis; left of it the widest value label
/// (or the first time label's overhang, at most a third of the width), then the y axis.
fn places(area: Rect, y_labels: &[String], first_x_label: &str) -> Places {
    let mut bottom = area.bottom() - 1;
    let mut below = || {
        (bottom > area.top()).then(|| {
            bottom -= 1;
            bottom + 1
        })
    };
    let x_labels = below();
    let x_axis = below();
    let widest = y_labels.iter().map(|l| width(l)).max().unwrap_or(0);
    let left = widest
        .max(width(first_x_label).saturating_sub(1))
        .min(area.width / 3);
    let mut x = area.left() + left;
    let y_axis = (x + 1 < area.right()).then(|| {
        x += 1;
        x - 1
    });
    let graph = Rect::new(
        x,
        area.top(),
        area.right().saturating_sub(x),
        bottom.saturating_sub(area.top()) + 1,
    );
    Places {
        graph,
        x_labels,
        x_axis,
        y_axis,
    }
}

/// Draws the axes of a chart in `area` with three labels each (first, middle, last; the
/// value labels from the bottom up) in `style`, and returns the graph's area, its
/// background reset, for the lines.
pub fn draw(
    area: Rect,
    buf: &mut Buffer,
    x_labels: &[String; 3],
    y_labels: &[String; 3],
    style: Style,
) -> Rect {
    if area.is_empty() {
        return Rect::default();
    }
    let places = places(area, y_labels, &x_labels[0]);
    let graph = places.graph;
    let label = |text: &String, at: Rect, alignment: Alignment, buf: &mut Buffer| {
        Line::from(Span::styled(text.clone(), style))
            .alignment(alignment)
            .render(at, buf);
    };
    if let Some(y) = places.x_labels {
        let tick = graph.width / 3;
        let first = Rect::new(area.left(), y, graph.left() - area.left(), 1);
        label(&x_labels[0], first, Alignment::Right, buf);
        let middle = Rect::new(graph.left() + tick + 1, y, tick.saturating_sub(1), 1);
        label(&x_labels[1], middle, Alignment::Center, buf);
        let last = Rect::new(graph.right() - tick, y, tick, 1);
        label(&x_labels[2], last, Alignment::Right, buf);
    }
    let label_width = (graph.left() - area.left()).saturating_sub(1);
    for (i, text) in (0u16..).zip(y_labels) {
        let up = i * (graph.height - 1) / 2;
        let at = Rect::new(area.left(), graph.bottom() - 1 - up, label_width, 1);
        label(text, at, Alignment::Left, buf);
    }
    let mut mark = |x: u16, y: u16, symbol: &str| {
        if let Some(cell) = buf.cell_mut((x, y)) {
            cell.set_symbol(symbol).set_style(style);
        }
    };
    if let Some(y) = places.x_axis {
        (graph.left()..graph.right()).for_each(|x| mark(x, y, line::HORIZONTAL));
    }
    if let Some(x) = places.y_axis {
        (graph.top()..graph.bottom()).for_each(|y| mark(x, y, line::VERTICAL));
    }
    if let (Some(y), Some(x)) = (places.x_axis, places.y_axis) {
        mark(x, y, line::BOTTOM_LEFT);
    }
    reset_background(graph, buf);
    graph
}

/// The terminal's own background under the lines, as ratatui's canvas leaves it, a row at
/// a time.
fn reset_background(area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        let start = buf.index_of(area.left(), y);
        let row = start..start + usize::from(area.width);
        buf.content[row]
            .iter_mut()
            .for_each(|cell| _ = cell.set_bg(Color::Reset));
    }
}
