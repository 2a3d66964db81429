//! The tab bar: every tab with its number, marked with its worst status. When they do not
//! all fit it scrolls to keep the active tab in sight, with `‹`/`›` where tabs are hidden.

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
        let title = Span::styled(format!(" {} ", self.app.layout().title), theme.title);
        let tabs: Vec<[Span; 3]> = self
            .app
            .layout()
            .tabs
            .iter()
            .enumerate()
            .map(|(i, tab)| {
                let status = tab_status(tab, self.app.store(), self.ctx);
                let style = if i == self.app.tab() {
                    theme.tab_active
                } else {
                    theme.tab
                };
                [
                    Span::raw(" "),
                    Span::styled(format!(" {} {} ", i + 1, tab.title), style),
                    Span::styled(status_glyph(status), theme.status(status)),
                ]
            })
            .collect();
        let widths: Vec<usize> = tabs
            .iter()
            .map(|tab| tab.iter().map(Span::width).sum())
            .collect();
        let active = self.app.tab().min(tabs.len().saturating_sub(1));
        // The layout's title gives way when the active tab alone does not fit beside it.
        let width = usize::from(area.width);
        let beside_title = width.saturating_sub(title.width());
        let alone = Window {
            first: active,
            last: active,
        };
        let keep_title = alone.width(&widths) <= beside_title;
        let room = if keep_title { beside_title } else { width };
        let window = Window::around(active, &widths, room);
        let mut spans = Vec::new();
        if keep_title {
            spans.push(title);
        }
        if window.first > 0 {
            spans.push(Span::styled("‹", theme.muted));
        }
        spans.extend(
            tabs.into_iter()
                .skip(window.first)
                .take(window.last + 1 - window.first)
                .flatten(),
        );
        if window.last + 1 < widths.len() {
            spans.push(Span::styled("›", theme.muted));
        }
        Line::from(spans).style(theme.status_bar).render(area, buf);
    }
}

/// The tabs shown, `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Window {
    first: usize,
    last: usize,
}

impl Window {
    /// The columns these tabs take, with a mark on each side that hides tabs.
    fn width(self, widths: &[usize]) -> usize {
        let marks = usize::from(self.first > 0) + usize::from(self.last + 1 < widths.len());
        let tabs: usize = widths
            .get(self.first..=self.last)
            .map_or(0, |w| w.iter().sum());
        tabs + marks
    }

    /// The active tab and as many of its neighbours as fit in `room`, one each side in turn,
    /// so that tabs stay in sight both ways.
    fn around(active: usize, widths: &[usize], room: usize) -> Window {
        let fits = |window: Window| window.width(widths) <= room;
        let mut window = Window {
            first: active,
            last: active,
        };
        loop {
            let before = window;
            let right = Window {
                last: window.last + 1,
                ..window
            };
            if right.last < widths.len() && fits(right) {
                window = right;
            }
            if window.first > 0 {
                let left = Window {
                    first: window.first - 1,
                    ..window
                };
                if fits(left) {
                    window = left;
                }
            }
            if window == before {
                return window;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Window;
    use proptest::prelude::*;

    #[test]
    fn the_window_keeps_the_active_tab_and_its_neighbours() {
        let widths = [10; 10];
        let all = Window { first: 0, last: 9 };
        assert_eq!(Window::around(4, &widths, 100), all, "all fit: no marks");
        assert_eq!(Window::around(0, &widths, 32), Window { first: 0, last: 2 });
        assert_eq!(Window::around(5, &widths, 32), Window { first: 4, last: 6 });
        assert_eq!(Window::around(9, &widths, 32), Window { first: 7, last: 9 });
        assert_eq!(
            Window::around(5, &widths, 5),
            Window { first: 5, last: 5 },
            "the active tab even when it does not fit"
        );
        assert_eq!(Window::around(0, &[], 5), Window { first: 0, last: 0 });
    }

    proptest! {
        #[test]
        fn the_active_tab_is_always_shown_and_the_rest_fit(
            (widths, active) in prop::collection::vec(1usize..30, 1..80)
                .prop_flat_map(|widths| {
                    let tabs = widths.len();
                    (Just(widths), 0..tabs)
                }),
            room in 0usize..300,
        ) {
            let window = Window::around(active, &widths, room);
            prop_assert!(window.first <= active && active <= window.last);
            prop_assert!(window.last < widths.len());
            if window.first < window.last {
                prop_assert!(window.width(&widths) <= room);
            }
            if widths.iter().sum::<usize>() <= room {
                prop_assert_eq!(window, Window { first: 0, last: widths.len() - 1 });
            }
        }
    }
}
