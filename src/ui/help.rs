//! The `?` overlay: the keys in force (from the keymap itself), what the colours mean, and the
//! server's facts (version, scrape interval, retention, config reload) once known.

use crate::app::keymap::HelpLine;
use crate::config::Theme;
use crate::model::Status;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub struct HelpOverlay<'a> {
    pub theme: &'a Theme,
    /// The keymap's lines: the defaults, or the config file's `[keys]` over them.
    pub keys: &'a [HelpLine],
    /// The server's facts, one line each (`view::server::facts_lines`).
    pub server: Vec<String>,
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let key_width = self
            .keys
            .iter()
            .map(|b| b.label.chars().count())
            .max()
            .unwrap_or(0);
        let text_width = self
            .keys
            .iter()
            .map(|b| b.help.chars().count())
            .max()
            .unwrap_or(0);
        let mut lines: Vec<Line> = self
            .keys
            .iter()
            .map(|b| {
                Line::from(vec![
                    Span::styled(format!("{:>key_width$}  ", b.label), theme.title),
                    Span::styled(b.help, theme.help),
                ])
            })
            .collect();
        lines.push(Line::raw(""));
        for (status, meaning) in [
            (Status::Ok, "within target"),
            (Status::Warn, "past target"),
            (Status::Alert, "past alert threshold"),
            (Status::Error, "query failed (see log)"),
            (Status::Stale, "stale / no data"),
        ] {
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{:>width$} {}  ",
                        status.label(),
                        status.glyph(),
                        width = key_width.saturating_sub(2)
                    ),
                    theme.status(status),
                ),
                Span::styled(meaning, theme.help),
            ]));
        }
        if !self.server.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                Span::styled(format!("{:>key_width$}  ", "server"), theme.title),
                Span::styled(self.server.join(" · "), theme.help),
            ]));
        }
        // In a short terminal the last line says how much is cut, rather than cutting silently.
        let room = usize::from(area.height.saturating_sub(2));
        if lines.len() > room && room > 0 {
            let more = lines.len() - room + 1;
            lines.truncate(room - 1);
            lines.push(Line::styled(
                format!("… {more} more lines (enlarge the terminal)"),
                theme.muted,
            ));
        }
        let height = lines.len() as u16 + 2;
        let server_width = self.server.join(" · ").chars().count();
        let width = (key_width + text_width.max(server_width) + 4) as u16;
        let (popup, block) = super::popup::open(area, width, height, " Keys ", theme, buf);
        Paragraph::new(lines).block(block).render(popup, buf);
    }
}
