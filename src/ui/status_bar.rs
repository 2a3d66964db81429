//! The bottom line: where the data comes from, whether it is arriving, and how fast.

use crate::app::App;
use crate::config::duration::short;
use crate::model::Status;
use crate::poller::Connection;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use std::time::Duration;

pub struct StatusBar<'a> {
    pub app: &'a App,
}

/// Seconds as a compact age: 3s, 2m05s, 1h02m.
pub fn age(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let theme = &app.theme;
        let sep = || Span::styled(" │ ", theme.status_bar);
        let mut spans = Vec::new();
        let (glyph, word, style) = match &app.connection {
            Connection::Connecting => ("○", "connecting".to_string(), theme.status(Status::NoData)),
            Connection::Connected => ("●", "connected".to_string(), theme.status(Status::Ok)),
            Connection::Unreachable { error, retry_in } => (
                "✖",
                format!("{error} (retry in {})", short(*retry_in)),
                theme.status(Status::Alert),
            ),
        };
        spans.push(Span::styled(format!(" {glyph} {word} "), style));
        spans.push(Span::styled(app.source.label.clone(), theme.status_bar));
        if app.paused {
            spans.push(sep());
            spans.push(Span::styled(" PAUSED ", theme.warn));
        }
        spans.push(sep());
        spans.push(Span::styled(
            match app.last_refresh_age() {
                Some(a) => format!("updated {} ago", age(a)),
                None => "no data yet".to_string(),
            },
            theme.status_bar,
        ));
        spans.push(Span::styled(
            format!(" · every {}", short(app.source.refresh)),
            theme.status_bar,
        ));

        let queries = app.store.queries();
        let mut latencies: Vec<Duration> = queries.iter().filter_map(|q| q.latency).collect();
        latencies.sort();
        if let (Some(median), Some(max)) = (latencies.get(latencies.len() / 2), latencies.last()) {
            spans.push(sep());
            spans.push(Span::styled(
                format!(
                    "{} queries · p50 {} ms · max {} ms",
                    queries.len(),
                    median.as_millis(),
                    max.as_millis()
                ),
                theme.status_bar,
            ));
        }
        let failing = queries
            .iter()
            .filter(|q| q.error.as_ref().is_some_and(|e| !e.is_connection()))
            .count();
        if failing > 0 {
            spans.push(sep());
            spans.push(Span::styled(
                format!("{failing} failing (L: log)"),
                theme.error,
            ));
        }
        if let Some(note) = &app.source.note {
            spans.push(sep());
            spans.push(Span::styled(note.clone(), theme.status_bar));
        }
        let hint = Span::styled(" ? help  q quit ", theme.status_bar);
        let used: usize = spans.iter().map(Span::width).sum();
        let room = usize::from(area.width).saturating_sub(used + hint.width());
        spans.push(Span::styled(" ".repeat(room), theme.status_bar));
        spans.push(hint);
        Line::from(spans).style(theme.status_bar).render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_are_compact() {
        assert_eq!(super::age(3.2), "3s");
        assert_eq!(super::age(125.0), "2m05s");
        assert_eq!(super::age(3720.0), "1h02m");
    }
}
