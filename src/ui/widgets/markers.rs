//! Annotation marks on time charts: a vertical line at each marked moment in the mark's
//! colour, and the marks listed with their times under a drill view's chart.

use super::time_chart::{ChartMarker, clock};
use crate::config::Theme;
use crate::store::Store;
use crate::view::annotations::{Mark, marks_between};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// The style of a mark: its colour as the theme resolves it, else the theme's warning.
fn style(mark: &Mark, theme: &Theme) -> Style {
    match mark.colour.as_deref().and_then(|c| theme.named_color(c)) {
        Some(colour) => Style::default().fg(colour),
        None => theme.warn,
    }
}

/// The markers of the annotations between `start` and `end`.
pub fn chart_markers(store: &Store, theme: &Theme, start: f64, end: f64) -> Vec<ChartMarker> {
    marks_between(store, start, end)
        .iter()
        .map(|mark| ChartMarker {
            time: mark.time,
            style: style(mark, theme),
        })
        .collect()
}

/// `│ 12:03:04 api restarted · 12:10:00 …`: the marks between `start` and `end`, with their
/// times; `None` when there are none.
pub fn listing(store: &Store, theme: &Theme, start: f64, end: f64) -> Option<Line<'static>> {
    let marks = marks_between(store, start, end);
    if marks.is_empty() {
        return None;
    }
    let with_date = end - start > 86_400.0;
    let mut spans = vec![Span::styled("marks: ", theme.muted)];
    for (i, mark) in marks.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted));
        }
        spans.push(Span::styled(
            format!("│ {} {}", clock(mark.time, with_date), mark.title),
            style(mark, theme),
        ));
    }
    Some(Line::from(spans))
}
