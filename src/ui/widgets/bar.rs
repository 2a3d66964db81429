//! Bar panels: one horizontal bar per series (e.g. load per ML instance), longest first.

use super::PanelWidget;
use super::columns::ellipsis;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

/// Eighths of a cell, for bars that end between cells.
const PARTIAL: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let mut series = data.current_series();
    series.sort_by(|a, b| b.2.total_cmp(&a.2));
    let rows = usize::from(area.height);
    let hidden = series.len().saturating_sub(rows);
    // The last line says how many bars did not fit.
    let shown = if hidden > 0 {
        rows.saturating_sub(1)
    } else {
        series.len()
    };
    // Widths in screen columns: a CJK character takes two.
    let label_width = series
        .iter()
        .map(|(n, _, _)| n.width())
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width) / 3);
    let values: Vec<String> = series.iter().map(|(_, _, v)| data.format(*v)).collect();
    let value_width = values.iter().map(|v| v.width()).max().unwrap_or(0);
    let bar_width = usize::from(area.width).saturating_sub(label_width + value_width + 3);
    // The panel's min and max are the bar's ends, as Grafana's bar gauge; without them
    // the bars run from 0 to the largest value.
    let low = data.panel.min.unwrap_or(0.0);
    let high = data.panel.max.unwrap_or_else(|| {
        series
            .iter()
            .map(|s| s.2)
            .filter(|v| v.is_finite())
            .fold(low, f64::max)
    });

    for (i, ((name, _, value), text)) in series.iter().zip(&values).take(shown).enumerate() {
        let eighths = if high > low && value.is_finite() {
            let fraction = ((value - low) / (high - low)).clamp(0.0, 1.0);
            (fraction * (bar_width * 8) as f64).round() as usize
        } else {
            0
        };
        let bar = format!("{}{}", "█".repeat(eighths / 8), PARTIAL[eighths % 8]);
        let style = if data.panel.thresholds.is_empty() {
            ratatui::style::Style::default().fg(data.theme.series_color(i))
        } else {
            data.theme.status(data.panel.thresholds.classify(*value))
        };
        let name = ellipsis(name, u16::try_from(label_width).unwrap_or(u16::MAX));
        let name_pad = " ".repeat(label_width.saturating_sub(name.width()) + 1);
        let value_pad = " ".repeat(value_width.saturating_sub(text.width()) + 1);
        let line = Line::from(vec![
            Span::styled(format!("{name}{name_pad}"), data.theme.text),
            Span::styled(format!("{bar:<bar_width$}"), style),
            Span::styled(format!("{value_pad}{text}"), data.theme.text),
        ]);
        line.render(
            Rect {
                y: area.y + i as u16,
                height: 1,
                ..area
            },
            buf,
        );
    }
    if hidden > 0 {
        let more = Line::from(Span::styled(
            format!("… {} more", series.len() - shown),
            data.theme.muted,
        ));
        more.render(
            Rect {
                y: area.y + shown as u16,
                height: 1,
                ..area
            },
            buf,
        );
    }
}
