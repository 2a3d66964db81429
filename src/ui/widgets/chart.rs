//! Line charts in a panel: one line per series over the panel's window, drawn by the same
//! [`TimeChart`] as the drill views, with times relative to now on the x axis.

use super::PanelWidget;
use super::time_chart::{ChartLine, TimeChart};
use crate::model::labels::legend;
use crate::view::drill::decimate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

/// More lines than this are unreadable in a terminal; the rest are summarised.
const MAX_LINES: usize = 10;

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let panel = data.panel;
    let window = panel.window.as_secs_f64();
    let now = data.ctx.now;
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for pq in &panel.queries {
        let Some(query) = data.store.query(pq.id) else {
            continue;
        };
        for series in &query.series {
            let points: Vec<(f64, f64)> = series
                .points()
                .filter(|(t, v)| v.is_finite() && now - t <= window)
                .collect();
            // What the columns can show (lowest and highest of each), not what history holds.
            let points = decimate(&points, now - window, now, usize::from(area.width));
            if !points.is_empty() {
                lines.push((legend(pq.legend.as_deref(), &series.labels), points));
            }
        }
    }
    // The worst series first, so that what is cut is the least interesting.
    let peak = |points: &[(f64, f64)]| points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    lines.sort_by(|a, b| peak(&b.1).total_cmp(&peak(&a.1)));
    let hidden_lines = lines.len().saturating_sub(MAX_LINES);
    lines.truncate(MAX_LINES);
    TimeChart {
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(i, (name, points))| ChartLine {
                name,
                style: Style::default().fg(data.theme.series_color(i)),
                points,
            })
            .collect(),
        start: now - window,
        end: now,
        thresholds: panel.thresholds,
        unit: panel.unit,
        decimals: panel.decimals,
        alert_columns: Vec::new(),
        cursor: None,
        show_legend: true,
        relative: true,
        hidden_lines,
        markers: super::markers::chart_markers(data.store, data.theme, now - window, now),
        theme: data.theme,
    }
    .render(area, buf);
}
