//! Line charts in a panel: one line per series over the panel's window, drawn by the same
//! [`TimeChart`] as the drill views, with times relative to now on the x axis. Side by
//! side, every backend's series share one chart and one y axis, so "is it everywhere, or
//! only in eu?" reads at a glance: each legend names its backend, and each line keeps its
//! colour while the lines trade places.

use super::PanelWidget;
use super::time_chart::{ChartLine, TimeChart};
use crate::model::labels::{legend, on_backend};
use crate::store::Store;
use crate::view::drill::decimate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

/// More lines than this are unreadable in a terminal; the rest are summarised.
const MAX_LINES: usize = 10;

/// One series as the chart draws it: where its colour comes from, its legend, its points.
struct Drawn {
    order: usize,
    name: String,
    points: Vec<(f64, f64)>,
}

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let panel = data.panel;
    let window = panel.window.as_secs_f64();
    let now = data.ctx.now;
    let several = data.backends.len() > 1;
    let stores: Vec<(&str, &Store)> = if several {
        data.backends.iter().map(|b| (b.name, b.store)).collect()
    } else {
        vec![("", data.store)]
    };
    let mut lines: Vec<Drawn> = Vec::new();
    for (backend, store) in &stores {
        for pq in &panel.queries {
            let Some(query) = store.query(pq.id) else {
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
                    let name = on_backend(backend, &legend(pq.legend.as_deref(), &series.labels));
                    lines.push(Drawn {
                        order: lines.len(),
                        name,
                        points,
                    });
                }
            }
        }
    }
    // The worst series first, so that what is cut is the least interesting.
    let peak = |points: &[(f64, f64)]| points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    lines.sort_by(|a, b| peak(&b.points).total_cmp(&peak(&a.points)));
    let hidden_lines = lines.len().saturating_sub(MAX_LINES);
    lines.truncate(MAX_LINES);
    let markers = stores
        .iter()
        .flat_map(|(_, store)| super::markers::chart_markers(store, data.theme, now - window, now))
        .collect();
    TimeChart {
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(rank, line)| ChartLine {
                // Side by side, a line's colour is its place among every backend's series,
                // not its rank: eu's stays eu's when us' climbs past it.
                style: Style::default().fg(data.theme.series_color(if several {
                    line.order
                } else {
                    rank
                })),
                name: line.name,
                points: line.points,
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
        markers,
        theme: data.theme,
    }
    .render(area, buf);
}
