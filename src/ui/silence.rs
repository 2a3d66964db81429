//! The silence form (comment, duration, matchers; Tab between them) and the y/N question
//! before a silence is expired.

use crate::app::silence::{Field, SilenceForm, SilenceOverlay};
use crate::config::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub struct SilenceBox<'a> {
    pub overlay: &'a SilenceOverlay,
    pub theme: &'a Theme,
}

/// The form's lines; long fields (matchers) wrap, so all of them stays readable.
fn form_lines<'a>(form: &SilenceForm, theme: &Theme) -> Vec<Line<'a>> {
    let fields = [
        (Field::Comment, "Comment ", &form.comment),
        (Field::Duration, "Duration", &form.duration),
        (Field::Matchers, "Matchers", &form.matchers),
    ];
    let mut lines: Vec<Line> = fields
        .iter()
        .map(|(field, label, text)| {
            let active = *field == form.field;
            let mut spans = vec![
                Span::styled(
                    format!("{} {label}  ", if active { "▸" } else { " " }),
                    if active { theme.title } else { theme.muted },
                ),
                Span::styled(text.to_string(), theme.text),
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
        let width = 90.min(area.width);
        let (title, lines) = match self.overlay {
            SilenceOverlay::Form(form) => (" Silence in Alertmanager ", form_lines(form, theme)),
            SilenceOverlay::ConfirmExpire { matchers, .. } => (
                " Expire silence ",
                vec![
                    Line::styled(matchers.clone(), theme.text),
                    Line::raw(""),
                    Line::styled("Expire it now? y / N", theme.title),
                ],
            ),
        };
        // Wrapped lines plus the borders.
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let wrapped: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
        let height = u16::try_from(wrapped + 2).unwrap_or(u16::MAX);
        let (popup, block) = super::popup::open(area, width, height, title, theme, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(popup, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::silence::DEFAULT_DURATION;

    fn form() -> SilenceOverlay {
        SilenceOverlay::Form(SilenceForm {
            comment: "deploy in progress".into(),
            duration: DEFAULT_DURATION.into(),
            matchers: r#"alertname="HighAPIResponseTime", instance="127.0.0.1:9100", job="spheroseg", severity="warning""#.into(),
            field: Field::Comment,
            error: Some("HTTP 400: silence invalid".into()),
            sending: false,
        })
    }

    #[test]
    fn long_matchers_wrap_whole_and_any_size_draws() {
        let theme = Theme::load("default").unwrap();
        let overlay = form();
        let area = Rect::new(0, 0, 100, 30);
        let mut buf = Buffer::empty(area);
        SilenceBox {
            overlay: &overlay,
            theme: &theme,
        }
        .render(area, &mut buf);
        let text: String = (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("alertname=\"HighAPIResponseTime\""), "{text}");
        assert!(text.contains("severity=\"warning\""), "{text}");
        assert!(text.contains("⚠ HTTP 400: silence invalid"), "{text}");
        let confirm = SilenceOverlay::ConfirmExpire {
            id: "s1".into(),
            matchers: "alertname=\"X\"".into(),
        };
        for overlay in [&overlay, &confirm] {
            for width in 0..40 {
                for height in 0..12 {
                    let area = Rect::new(0, 0, width, height);
                    SilenceBox {
                        overlay,
                        theme: &theme,
                    }
                    .render(area, &mut Buffer::empty(area));
                }
            }
        }
    }
}
