//! The bottom line of a replay, in place of the live status bar (so the panels keep the
//! live layout): play state and speed, the replay clock, and a timeline with the alert
//! spans, the stretches lost to damage and the markers on it.

use super::status_bar::alert_counts;
use super::widgets::time_chart::clock;
use crate::app::App;
use crate::app::replay::ReplayState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct ReplayBar<'a> {
    pub app: &'a App,
    pub state: &'a ReplayState,
}

impl ReplayBar<'_> {
    /// One character per slice of the recording: played, to come, alert spans, markers
    /// and the position.
    fn timeline(&self, width: usize) -> Vec<Span<'static>> {
        let theme = self.app.theme();
        let state = self.state;
        let span = (state.end - state.start).max(1e-9);
        let cell = |t: f64| {
            (((t - state.start) / span) * width as f64).clamp(0.0, width as f64 - 1.0) as usize
        };
        let mut cells: Vec<(char, Style)> = (0..width)
            .map(|i| {
                let t = state.start + (i as f64 + 0.5) / width as f64 * span;
                let played = t <= state.position;
                let within =
                    |spans: &[(f64, f64)]| spans.iter().any(|(a, b)| (*a..=*b).contains(&t));
                if within(&state.lost_spans) {
                    return ('╳', theme.error);
                }
                let style = match (within(&state.alert_spans), played) {
                    (true, _) => theme.alert,
                    (false, true) => theme.text,
                    (false, false) => theme.muted,
                };
                (if played { '━' } else { '─' }, style)
            })
            .collect();
        for marker in self.app.markers() {
            if (state.start..=state.end).contains(&marker.at) {
                cells[cell(marker.at)] = ('▼', theme.warn);
            }
        }
        cells[cell(state.position)] = ('●', theme.title);
        cells
            .into_iter()
            .map(|(c, style)| Span::styled(c.to_string(), style))
            .collect()
    }
}

impl Widget for ReplayBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme();
        let state = self.state;
        let play = if state.playing { "▶" } else { "⏸" };
        let head = format!(
            " {play} {:.0}× {} ",
            state.speed,
            clock(state.position, false)
        );
        let range = format!(
            " {}–{} ",
            clock(state.start, false),
            clock(state.end, false)
        );
        let alerts = alert_counts(self.app);
        let notice = self.app.notice();
        let tail_width = range.chars().count()
            + alerts.as_ref().map_or(0, |a| a.width() + 1)
            + notice.as_ref().map_or(0, |n| n.chars().count() + 1)
            + 9;
        let width = usize::from(area.width)
            .saturating_sub(head.chars().count() + tail_width)
            .max(10);
        let mut spans = vec![Span::styled(head, theme.tab_active)];
        spans.push(Span::raw(" "));
        spans.extend(self.timeline(width));
        spans.push(Span::styled(range, theme.status_bar));
        if let Some(alerts) = alerts {
            spans.push(alerts);
            spans.push(Span::raw(" "));
        }
        if let Some(notice) = notice {
            spans.push(Span::styled(notice, theme.warn));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(" ? help ", theme.status_bar));
        Line::from(spans).style(theme.status_bar).render(area, buf);
    }
}
