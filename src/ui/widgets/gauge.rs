//! Gauges: one bar per series between the panel's min and max, in the series' status.

use super::PanelWidget;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols;
use ratatui::widgets::{Gauge, LineGauge, Widget};

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let panel = data.panel;
    let (min, max) = (panel.min.unwrap_or(0.0), panel.max.unwrap_or(1.0));
    let series = data.current_series();
    let ratio = |v: f64| {
        if v.is_finite() {
            ((v - min) / (max - min)).clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    // One series with room to spare gets a solid gauge; several get a line each.
    if let [(_, _, value)] = series.as_slice()
        && area.height >= 3
    {
        let style = data.theme.status(panel.thresholds.classify(*value));
        let [_, bar, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(3.min(area.height)),
            Constraint::Fill(1),
        ])
        .areas(area);
        Gauge::default()
            .ratio(ratio(*value))
            .label(data.format(*value))
            .gauge_style(style)
            .use_unicode(true)
            .render(bar, buf);
        return;
    }
    let width = series
        .iter()
        .map(|(name, _, _)| name.chars().count())
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width) / 3);
    let rows = Layout::vertical(vec![Constraint::Length(1); series.len()]).split(area);
    for ((name, _, value), row) in series.iter().zip(rows.iter()) {
        let style = data.theme.status(panel.thresholds.classify(*value));
        LineGauge::default()
            .ratio(ratio(*value))
            .label(format!("{name:<width$} {:>9}", data.format(*value)))
            .filled_style(style)
            .unfilled_style(data.theme.muted)
            .filled_symbol(symbols::line::THICK.horizontal)
            .render(*row, buf);
    }
}
