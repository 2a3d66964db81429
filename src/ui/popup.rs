//! The boxes drawn over the screen (the key help, prompts, the variable picker, the
//! silence form): centred, the screen under them cleared, bordered in the focus colour.

use crate::config::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};

/// Clears a box of `width` × `height` (each cut to `area`) in the middle of `area`, and
/// returns it with its bordered block titled `title`.
pub fn open<'a>(
    area: Rect,
    width: u16,
    height: u16,
    title: impl Into<Line<'a>>,
    theme: &Theme,
    buf: &mut Buffer,
) -> (Rect, Block<'a>) {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    Clear.render(popup, buf);
    let block = Block::bordered()
        .title(title)
        .style(theme.help)
        .border_style(theme.border_focus);
    (popup, block)
}
