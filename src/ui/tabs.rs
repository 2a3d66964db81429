//! The tab bar: every tab with its number, marked with its worst status.

use crate::app::App;
use crate::model::Status;
use crate::view::{Context, tab_status};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct TabBar<'a> {
    pub app: &'a App,
    pub ctx: Context,
}

/// A glyph per status so the tab bar reads without colour too.
pub fn status_glyph(status: Status) -> &'static str {
    match status {
        Status::Ok => "●",
        Status::NoData | Status::Stale => "○",
        Status::Error => "✖",
        Status::Warn => "▲",
        Status::Alert => "◆",
    }
}

impl Widget for TabBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme();
        let mut spans = vec![Span::styled(
            format!(" {} ", self.app.layout().title),
            theme.title,
        )];
        for (i, tab) in self.app.layout().tabs.iter().enumerate() {
            let status = tab_status(tab, self.app.store(), self.ctx);
            let style = if i == self.app.tab() {
                theme.tab_active
            } else {
                theme.tab
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(format!(" {} {} ", i + 1, tab.title), style));
            spans.push(Span::styled(status_glyph(status), theme.status(status)));
        }
        Line::from(spans).style(theme.status_bar).render(area, buf);
    }
}
