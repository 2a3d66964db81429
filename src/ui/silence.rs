//! The silence form (comment, duration, matchers; Tab between them) and the y/N question
//! before a silence is expired.

use crate::app::silence::{Field, SilenceForm, SilenceOverlay};
use crate::config::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

pub struct SilenceBox<'a> {
    pub overlay: &'a SilenceOverlay,
    pub theme: &'a Theme,
}

/// The end of `text` that fits in `room` columns: where the typing is stays in sight.
fn tail(text: &str, room: usize) -> String {
    let typed = text.chars().count();
    text.chars().skip(typed.saturating_sub(room)).collect()
}

fn form_lines<'a>(form: &SilenceForm, theme: &Theme, width: u16) -> Vec<Line<'a>> {
    let fields = [
        (Field::Comment, "Comment ", &form.comment),
        (Field::Duration, "Duration", &form.duration),
        (Field::Matchers, "Matchers", &form.matchers),
    ];
    let room = usize::from(width.saturating_sub(14));
    let mut lines: Vec<Line> = fields
        .iter()
        .map(|(field, label, text)| {
            let active = *field == form.field;
            let mut spans = vec![
                Span::styled(
                    format!("{} {label}  ", if active { "▸" } else { " " }),
                    if active { theme.title } else { theme.muted },
                ),
                Span::styled(tail(text, room), theme.text),
            ];
            if active {
                spans.push(Span::styled("█", theme.title));
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(match (&form.error, form.sending) {
        (_, true) => Line::styled("sending to Alertmanager…", theme.muted),
        (Some(error), false) => Line::styled(format!("⚠ {error}"), theme.error),
        (None, false) => Line::styled(
            "Tab next field · duration 30m, 2h, 1d · Enter silences · Esc cancels",
            theme.muted,
        ),
    });
    lines
}

impl Widget for SilenceBox<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let (title, height, lines) = match self.overlay {
            SilenceOverlay::Form(form) => {
                let width = 90.min(area.width);
                (
                    " Silence in Alertmanager ",
                    8,
                    form_lines(form, theme, width),
                )
            }
            SilenceOverlay::ConfirmExpire { matchers, .. } => (
                " Expire silence ",
                5,
                vec![
                    Line::styled(matchers.clone(), theme.text),
                    Line::raw(""),
                    Line::styled("Expire it now? y / N", theme.title),
                ],
            ),
        };
        let [row] = Layout::vertical([Constraint::Length(height)])
            .flex(Flex::Center)
            .areas(area);
        let [popup] = Layout::horizontal([Constraint::Length(90.min(area.width))])
            .flex(Flex::Center)
            .areas(row);
        Clear.render(popup, buf);
        let block = Block::bordered()
            .title(title)
            .style(theme.help)
            .border_style(theme.border_focus);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(popup, buf);
    }
}
