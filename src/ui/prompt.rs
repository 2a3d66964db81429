//! The one-line prompt: a marker's note, a replay time to jump to, or the alert filter.

use crate::app::{Prompt, PromptPurpose};
use crate::config::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub struct PromptBox<'a> {
    pub prompt: &'a Prompt,
    pub theme: &'a Theme,
}

impl Widget for PromptBox<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let (title, hint) = match self.prompt.purpose {
            PromptPurpose::Marker => (" Marker ", "a short note for this moment"),
            PromptPurpose::GoTo => (" Go to ", "14:03:10, 14:03, -5m or +30s"),
            PromptPurpose::Filter => (
                " Filter alerts and rules ",
                "text, severity=critical, route=~\"/api/.*\", !silenced",
            ),
        };
        let (popup, block) = super::popup::open(area, 70, 4, title, theme, buf);
        // A note longer than the box scrolls: its end, where the typing is, stays in sight.
        let room = usize::from(popup.width.saturating_sub(3));
        let typed = self.prompt.text.chars().count();
        let text: String = self
            .prompt
            .text
            .chars()
            .skip(typed.saturating_sub(room))
            .collect();
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(text, theme.text),
                Span::styled("█", theme.title),
            ]),
            match &self.prompt.error {
                Some(error) => Line::styled(format!("⚠ {error}"), theme.error),
                None => Line::styled(
                    match self.prompt.purpose {
                        PromptPurpose::Filter => format!("{hint} · Enter to apply, Esc clears"),
                        _ => format!("{hint} · Enter to confirm, Esc to cancel"),
                    },
                    theme.muted,
                ),
            },
        ])
        .block(block)
        .render(popup, buf);
    }
}
