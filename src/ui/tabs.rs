//! The tab bar: every tab with its number, marked with its worst status. When they do not
//! all fit it scrolls to keep the active tab in sight, with `‹`/`›` where tabs are hidden.

use crate::app::App;
use crate::model::Status;
use crate::view::{Context, tab_status_across};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct TabBar<'a> {
    pub app: &'a App,
    pub ctx: Context,
}

/// What the tab bar shows at a width: whether the layout's title, each tab's label and
/// which tabs. The renderer and the mouse's hit-testing both take it from here.
struct BarLayout {
    title: String,
    keep_title: bool,
    /// Each tab's label and status.
    tabs: Vec<(String, Status)>,
    window: Window,
}

impl BarLayout {
    fn new(app: &App, ctx: Context, width: usize) -> BarLayout {
        let title = format!(" {} ", app.layout().title);
        let titles: Vec<&str> = app.layout().tabs.iter().map(|t| t.title.as_str()).collect();
        let active = app.tab().min(titles.len().saturating_sub(1));
        // Give way in this order: the layout's title, then the other tabs' names (shorter,
        // then none), so every tab's number and status glyph stays in sight; only when even
        // numbers alone do not fit does the bar scroll around the active tab.
        let beside_title = width.saturating_sub(Span::raw(title.as_str()).width());
        let (keep_title, names) = match fitting_names(&titles, active, beside_title) {
            Some(names) => (true, names),
            None => (
                false,
                fitting_names(&titles, active, width)
                    .unwrap_or_else(|| names_of_length(&titles, active, 0)),
            ),
        };
        let backends = app.backends();
        let stores: Vec<&crate::store::Store> = backends.iter().map(|b| b.store).collect();
        let tabs: Vec<(String, Status)> = names
            .into_iter()
            .zip(&app.layout().tabs)
            .map(|(name, tab)| (name, tab_status_across(tab, &stores, ctx)))
            .collect();
        let widths: Vec<usize> = tabs
            .iter()
            .map(|(name, status)| tab_width(name, *status))
            .collect();
        let room = if keep_title { beside_title } else { width };
        let window = Window::around(active, &widths, room);
        BarLayout {
            title,
            keep_title,
            tabs,
            window,
        }
    }
}

/// A tab's columns: a space, its label and its status glyph.
fn tab_width(name: &str, status: Status) -> usize {
    1 + Span::raw(name).width() + Span::raw(status.glyph()).width()
}

/// The tab under column `x` of the tab bar drawn in `area`, if any.
pub(crate) fn tab_at(app: &App, ctx: Context, area: Rect, x: u16) -> Option<usize> {
    let bar = BarLayout::new(app, ctx, usize::from(area.width));
    let mut left = usize::from(area.x);
    if bar.keep_title {
        left += Span::raw(bar.title.as_str()).width();
    }
    if bar.window.first > 0 {
        left += 1;
    }
    let x = usize::from(x);
    for i in bar.window.first..=bar.window.last {
        let (name, status) = bar.tabs.get(i)?;
        let right = left + tab_width(name, *status);
        if (left..right).contains(&x) {
            return Some(i);
        }
        left = right;
    }
    None
}

impl Widget for TabBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme();
        let bar = BarLayout::new(self.app, self.ctx, usize::from(area.width));
        let active = self.app.tab();
        let count = bar.tabs.len();
        let mut spans = Vec::new();
        if bar.keep_title {
            spans.push(Span::styled(bar.title, theme.title));
        }
        if bar.window.first > 0 {
            spans.push(Span::styled("‹", theme.muted));
        }
        let (first, last) = (bar.window.first, bar.window.last);
        for (i, (name, status)) in bar.tabs.into_iter().enumerate() {
            if i < first || i > last {
                continue;
            }
            let style = if i == active {
                theme.tab_active
            } else {
                theme.tab
            };
            spans.extend([
                Span::raw(" "),
                Span::styled(name, style),
                Span::styled(status.glyph(), theme.status(status)),
            ]);
        }
        if last + 1 < count {
            spans.push(Span::styled("›", theme.muted));
        }
        Line::from(spans).style(theme.status_bar).render(area, buf);
    }
}

/// Each tab's label with the other tabs' names cut to at most `length` characters (`…`
/// marks a cut; below 2 only the number is left); the active tab keeps its whole name.
fn names_of_length(titles: &[&str], active: usize, length: usize) -> Vec<String> {
    titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let n = i + 1;
            let count = title.chars().count();
            if i == active || count <= length {
                format!(" {n} {title} ")
            } else if length < 2 {
                // A lone `…` says nothing: the number alone.
                n.to_string()
            } else {
                let cut: String = title.chars().take(length.saturating_sub(1)).collect();
                format!(" {n} {cut}… ")
            }
        })
        .collect()
}

/// The longest names with which every tab fits in `room` (a space, the label and the
/// glyph each), or `None` when even numbers alone do not fit.
fn fitting_names(titles: &[&str], active: usize, room: usize) -> Option<Vec<String>> {
    let longest = titles.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    (0..=longest).rev().find_map(|length| {
        let names = names_of_length(titles, active, length);
        let width: usize = names.iter().map(|n| 2 + n.chars().count()).sum();
        (width <= room).then_some(names)
    })
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
    use super::{Window, fitting_names};

    #[test]
    fn names_shorten_then_drop_before_any_tab_does() {
        let titles = ["Overview", "API", "WebSocket", "Database"];
        let all = fitting_names(&titles, 0, 200).unwrap();
        assert_eq!(all[2], " 3 WebSocket ");
        let short = fitting_names(&titles, 0, 45).unwrap();
        assert_eq!(short, [" 1 Overview ", " 2 API ", " 3 WebS… ", " 4 Data… "]);
        let numbers = fitting_names(&titles, 2, 28).unwrap();
        assert_eq!(numbers, ["1", "2", " 3 WebSocket ", "4"]);
        assert_eq!(fitting_names(&titles, 2, 10), None);
    }
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
