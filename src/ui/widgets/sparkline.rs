//! Sparklines: the current value and the window's history as bars, each bar in the
//! status its value earns, so a spike past the alert threshold shows red.

use super::PanelWidget;
use crate::view::{reading, reduced_history, resample};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Sparkline, SparklineBar, Widget};

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let panel = data.panel;
    let Some((_, query)) = data.first_query() else {
        return;
    };
    let r = reading(query, panel.reduce, &panel.thresholds, data.ctx);
    let history = reduced_history(query, panel.reduce, &panel.thresholds);
    let [value_line, spark] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    if let Some(v) = r.value {
        let mut spans = vec![Span::styled(data.format(v), data.theme.status(r.status))];
        let finite: Vec<f64> = history
            .iter()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .collect();
        if let (Some(lo), Some(hi)) = (
            finite.iter().copied().reduce(f64::min),
            finite.iter().copied().reduce(f64::max),
        ) {
            spans.push(Span::styled(
                format!("  min {} · max {}", data.format(lo), data.format(hi)),
                data.theme.muted,
            ));
        }
        Line::from(spans).render(value_line, buf);
    }
    bars(data, &history, spark, buf);
}

/// Draws `history` over the panel's window as one bar per column.
pub fn bars(data: &PanelWidget, history: &[(f64, f64)], area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let window = data.panel.window.as_secs_f64();
    let columns = resample(
        history,
        data.ctx.now - window,
        data.ctx.now,
        usize::from(area.width),
    );
    let finite = columns.iter().flatten().copied().filter(|v| v.is_finite());
    let hi = finite.clone().fold(f64::NEG_INFINITY, f64::max);
    let lo = finite.fold(0.0_f64, f64::min);
    let span = if hi > lo { hi - lo } else { 1.0 };
    // Bars are integers; 1000 steps are finer than any terminal's rows.
    let scale = |v: f64| {
        if v.is_finite() {
            ((v - lo) / span * 1000.0).round().max(1.0) as u64
        } else {
            1000
        }
    };
    let thresholds = &data.panel.thresholds;
    let bars: Vec<SparklineBar> = columns
        .iter()
        .map(|c| match c {
            Some(v) => {
                let bar = SparklineBar::from(Some(scale(*v)));
                if thresholds.is_empty() {
                    bar.style(Some(data.theme.text))
                } else {
                    bar.style(Some(data.theme.status(thresholds.classify(*v))))
                }
            }
            None => SparklineBar::from(None),
        })
        .collect();
    Sparkline::default()
        .data(bars)
        .max(1000)
        .style(data.theme.text)
        .render(area, buf);
}
