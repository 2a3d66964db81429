//! Line charts: one line per series over the panel's window, target and alert thresholds
//! drawn as lines, units on the y axis and relative times on the x axis.

use super::PanelData;
use crate::config::duration::short;
use crate::model::labels::legend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Widget};
use std::time::Duration;

/// A threshold drawn across the chart: its legend, style and two end points.
type ThresholdLine = (String, Style, [(f64, f64); 2]);

/// More lines than this are unreadable in a terminal; the rest are summarised.
const MAX_LINES: usize = 10;

pub fn render(data: &PanelData, area: Rect, buf: &mut Buffer) {
    let panel = data.panel;
    let window = panel.window.as_secs_f64();
    let now = data.ctx.now;
    // x is seconds relative to now, so axis labels read "-15m … now".
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for pq in &panel.queries {
        let Some(query) = data.store.query(pq.id) else {
            continue;
        };
        for series in &query.series {
            let points: Vec<(f64, f64)> = series
                .points()
                .filter(|(t, v)| v.is_finite() && now - t <= window)
                .map(|(t, v)| (t - now, v))
                .collect();
            if !points.is_empty() {
                lines.push((legend(pq.legend.as_deref(), &series.labels), points));
            }
        }
    }
    // The worst series first, so that what is cut is the least interesting.
    let peak = |points: &[(f64, f64)]| points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    lines.sort_by(|a, b| peak(&b.1).total_cmp(&peak(&a.1)));
    let hidden = lines.len().saturating_sub(MAX_LINES);
    lines.truncate(MAX_LINES);

    let data_max = lines
        .iter()
        .map(|l| peak(&l.1))
        .fold(f64::NEG_INFINITY, f64::max);
    let data_min = lines
        .iter()
        .flat_map(|l| l.1.iter().map(|p| p.1))
        .fold(f64::INFINITY, f64::min);
    let thresholds = &panel.thresholds;
    // Keep the nearest threshold in view so "how far from target" is visible at a glance.
    let reference = thresholds
        .target
        .or(thresholds.alert)
        .unwrap_or(f64::NEG_INFINITY);
    let hi = data_max.max(reference).max(0.0);
    let y_max = if hi > 0.0 { hi * 1.1 } else { 1.0 };
    let y_min = data_min.min(0.0);

    let threshold_lines: Vec<ThresholdLine> = [
        (thresholds.target, "target", data.theme.warn),
        (thresholds.alert, "alert", data.theme.alert),
    ]
    .into_iter()
    .filter_map(|(v, name, style)| {
        let v = v?;
        (v <= y_max).then(|| {
            (
                format!("{name} {}", data.format(v)),
                style,
                [(-window, v), (0.0, v)],
            )
        })
    })
    .collect();

    let mut datasets: Vec<Dataset> = lines
        .iter()
        .enumerate()
        .map(|(i, (name, points))| {
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::default().fg(data.theme.series_color(i)))
                .data(points)
        })
        .collect();
    for (name, style, points) in &threshold_lines {
        datasets.push(
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(*style)
                .data(points),
        );
    }

    let axis = data.theme.axis;
    let x_labels = vec![
        Span::styled(format!("-{}", short(Duration::from_secs_f64(window))), axis),
        Span::styled(
            format!("-{}", short(Duration::from_secs_f64(window / 2.0))),
            axis,
        ),
        Span::styled("now", axis),
    ];
    let y_labels = vec![
        Span::styled(data.format(y_min), axis),
        Span::styled(data.format((y_min + y_max) / 2.0), axis),
        Span::styled(data.format(y_max), axis),
    ];
    let mut chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([-window, 0.0])
                .labels(x_labels)
                .style(axis),
        )
        .y_axis(
            Axis::default()
                .bounds([y_min, y_max])
                .labels(y_labels)
                .style(axis),
        )
        .legend_position(Some(LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(60)));
    if hidden > 0 {
        chart = chart.x_axis(
            Axis::default()
                .bounds([-window, 0.0])
                .title(Span::styled(
                    format!("+{hidden} more series"),
                    data.theme.muted,
                ))
                .labels(vec![
                    Span::styled(format!("-{}", short(Duration::from_secs_f64(window))), axis),
                    Span::styled("now", axis),
                ])
                .style(axis),
        );
    }
    chart.render(area, buf);
}
