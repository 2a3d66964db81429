//! The log pane (`L`): the newest records of the app's own log under a rule, each as
//! `HH:MM:SS L message` in its level's colour, long ones wrapped, the newest at the bottom.

use super::time_chart::clock;
use crate::config::Theme;
use crate::logbook::Entry;
use log::Level;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use unicode_width::UnicodeWidthChar;

pub struct LogPane<'a> {
    /// Oldest first.
    pub entries: &'a [Entry],
    pub theme: &'a Theme,
}

impl Widget for LogPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let block = Block::new()
            .borders(Borders::TOP)
            .title(" Log ")
            .border_style(theme.border)
            .title_style(theme.title);
        let inner = block.inner(area);
        block.render(area, buf);
        let height = usize::from(inner.height);
        if inner.width == 0 || height == 0 {
            return;
        }
        // From the newest back, as many records as fit.
        let mut shown: Vec<Vec<Line>> = Vec::new();
        let mut used = 0;
        for entry in self.entries.iter().rev() {
            if used >= height {
                break;
            }
            let style = level_style(entry.level, theme);
            let text = format!(
                "{} {} {}",
                clock(entry.at, false),
                letter(entry.level),
                entry.message
            );
            let lines: Vec<Line> = wrapped(&text, usize::from(inner.width))
                .into_iter()
                .map(|line| Line::styled(line, style))
                .collect();
            used += lines.len();
            shown.push(lines);
        }
        let mut lines: Vec<Line> = shown.into_iter().rev().flatten().collect();
        // The oldest record shown may have wrapped past the top: its end stays.
        let cut = lines.len().saturating_sub(height);
        let lines = lines.split_off(cut);
        Paragraph::new(lines).style(theme.text).render(inner, buf);
    }
}

fn letter(level: Level) -> char {
    match level {
        Level::Error => 'E',
        Level::Warn => 'W',
        Level::Info => 'I',
        Level::Debug => 'D',
        Level::Trace => 'T',
    }
}

fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Error => theme.alert,
        Level::Warn => theme.warn,
        Level::Info => theme.text,
        Level::Debug | Level::Trace => theme.muted,
    }
}

/// `text` cut into lines of at most `width` columns (at least one character each), and at
/// its own line breaks (a failed query's PromQL comes on a line of its own).
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        if c == '\n' {
            lines.push(String::new());
            used = 0;
            continue;
        }
        if c.is_control() {
            continue;
        }
        let w = c.width().unwrap_or(0);
        if used + w > width && used > 0 {
            lines.push(String::new());
            used = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        used += w;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unwrap_used)]
    fn theme() -> Theme {
        Theme::load("default").unwrap()
    }

    fn entry(level: Level, message: &str) -> Entry {
        Entry {
            at: 0.0,
            level,
            message: message.to_string(),
        }
    }

    fn screen(entries: &[Entry], width: u16, height: u16) -> Vec<String> {
        let theme = theme();
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        LogPane {
            entries,
            theme: &theme,
        }
        .render(area, &mut buf);
        (0..height)
            .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    #[test]
    fn the_newest_records_fill_the_pane_from_the_bottom_wrapped() {
        let entries = [
            entry(Level::Info, "first"),
            entry(Level::Warn, "query 3 failed: connection refused"),
            entry(Level::Error, "last"),
        ];
        let lines = screen(&entries, 24, 4);
        assert!(lines[0].contains("Log"), "{lines:#?}");
        assert!(lines[1].ends_with(" W query 3 faile"), "{lines:#?}");
        assert_eq!(lines[2].trim_end(), "d: connection refused");
        assert!(lines[3].contains(" E last"), "{lines:#?}");
    }

    #[test]
    fn wraps_by_columns_and_never_loops_on_a_narrow_pane() {
        assert_eq!(wrapped("abcde", 2), ["ab", "cd", "e"]);
        assert_eq!(wrapped("日本語", 3), ["日", "本", "語"]);
        assert_eq!(wrapped("日本", 1), ["日", "本"]);
        assert_eq!(wrapped("a\tb", 5), ["ab"]);
        assert_eq!(
            wrapped("failed\n  PromQL: up", 40),
            ["failed", "  PromQL: up"]
        );
        assert!(screen(&[entry(Level::Info, "x")], 1, 1).len() == 1);
    }
}
