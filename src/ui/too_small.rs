//! What a view says instead of drawing itself when the terminal is too small for it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Widget};

/// Whether `area` lacks the room a view needs to draw anything meaningful.
pub fn too_small(area: Rect, need: Size) -> bool {
    area.width < need.width || area.height < need.height
}

/// `terminal too small (need W×H)` across the middle of `area`, shortened to fit.
pub struct TooSmall {
    /// The terminal size that would show the view.
    need: Size,
    style: Style,
}

impl TooSmall {
    /// For a view that needs a terminal of `need` in one of `screen`: the size to ask for
    /// grows the terminal only where it falls short.
    pub fn new(screen: Rect, need: Size, style: Style) -> Self {
        let need = Size::new(screen.width.max(need.width), screen.height.max(need.height));
        TooSmall { need, style }
    }
}

impl Widget for TooSmall {
    fn render(self, area: Rect, buf: &mut Buffer) {
        Clear.render(area, buf);
        let need = format!("need {}×{}", self.need.width, self.need.height);
        let long = format!("terminal too small ({need})");
        let width = usize::from(area.width);
        // The size matters more than the words: the short form, then whatever fits of it.
        let line = if long.chars().count() <= width {
            Line::styled(long, self.style).centered()
        } else if need.chars().count() <= width {
            Line::styled(need, self.style).centered()
        } else {
            Line::styled(need, self.style)
        };
        let middle = Rect {
            y: area.y + area.height / 2,
            height: area.height.min(1),
            ..area
        };
        line.render(middle, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(width: u16, height: u16) -> Vec<String> {
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        TooSmall::new(Rect::default(), Size::new(30, 6), Style::default()).render(area, &mut buf);
        (0..height)
            .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    #[test]
    fn the_message_shortens_to_fit() {
        assert_eq!(say(32, 3)[1], " terminal too small (need 30×6) ");
        assert_eq!(say(11, 1), [" need 30×6 "]);
        assert_eq!(say(4, 2), ["    ", "need"]);
        assert_eq!(say(0, 0), Vec::<String>::new());
    }

    #[test]
    fn the_size_asked_for_grows_the_terminal_where_it_falls_short() {
        let need = Size::new(30, 13);
        let wide = TooSmall::new(Rect::new(0, 0, 100, 12), need, Style::default());
        assert_eq!(wide.need, Size::new(100, 13));
    }

    #[test]
    fn a_view_needs_both_dimensions() {
        let need = Size::new(30, 6);
        assert!(!too_small(Rect::new(5, 5, 30, 6), need));
        assert!(too_small(Rect::new(0, 0, 29, 60), need));
        assert!(too_small(Rect::new(0, 0, 300, 5), need));
    }
}
