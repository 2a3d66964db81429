//! Stat panels: the number, its trend over the window, and a sparkline when there is room.

use super::{PanelWidget, sparkline};
use crate::model::duration::Form;
use crate::model::labels::legend;
use crate::view::{reading, reduced_history};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let panel = data.panel;
    let Some((pq, query)) = data.first_query() else {
        return;
    };
    let r = reading(query, panel.reduce, &panel.thresholds, data.ctx);
    let Some(value) = r.value else { return };
    let style = data.theme.status(r.status).add_modifier(Modifier::BOLD);

    let mut headline = vec![Span::styled(data.format(value), style)];
    if query.current().nth(1).is_some()
        && let Some(series) = r.series
    {
        headline.push(Span::styled(
            format!("  {}", legend(pq.legend.as_deref(), &series.labels)),
            data.theme.muted,
        ));
    }
    let history = reduced_history(query, panel.reduce, &panel.thresholds);
    // A trend needs some history behind it; the first refreshes have none worth a word.
    let min_span = 2.0 * data.panel.window.as_secs_f64() / crate::store::POINTS_PER_SERIES as f64;
    let trend = history
        .iter()
        .find(|(_, v)| v.is_finite())
        .filter(|(t, _)| data.ctx.now - t > min_span.max(5.0))
        .map(|&(t, first)| {
            let delta = value - first;
            let arrow = if delta > 0.0 {
                "▲"
            } else if delta < 0.0 {
                "▼"
            } else {
                "="
            };
            let change = format!("{arrow} {}", panel.unit.format(delta.abs(), panel.decimals));
            let long = format!("{change} in {}", Form::Age.seconds(data.ctx.now - t));
            if long.chars().count() <= usize::from(area.width) {
                long
            } else {
                change
            }
        });

    let [number, trend_line, spark] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    Line::from(headline)
        .alignment(Alignment::Center)
        .render(number, buf);
    if let Some(trend) = trend {
        Line::from(Span::styled(trend, data.theme.muted))
            .alignment(Alignment::Center)
            .render(trend_line, buf);
    }
    if spark.height > 0 {
        sparkline::bars(data, &history, spark, buf);
    }
}
