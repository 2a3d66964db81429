//! Template variables on screen: the line under the tabs (`job=node  instance=10.0.0.5`)
//! and the `v` picker.

use crate::app::App;
use crate::app::variables::Picker;
use crate::variables::ALL;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

/// Rows of values the picker shows at most; the list scrolls past them.
const PICKER_ROWS: u16 = 12;

/// `name=value` for every variable, in declaration order.
pub struct VariablesLine<'a> {
    pub app: &'a App,
}

impl Widget for VariablesLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme();
        let mut spans = Vec::new();
        for (i, (variable, selection)) in self.app.variable_values().into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(
                format!("{}=", variable.display_name()),
                theme.muted,
            ));
            let value = selection.text();
            match self.app.variable_error(i) {
                Some(_) if value.is_empty() => {
                    spans.push(Span::styled("(no options)", theme.error))
                }
                _ if value.is_empty() => spans.push(Span::styled("…", theme.muted)),
                _ => spans.push(Span::styled(value, theme.text)),
            }
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}

/// The picker: the variables, or one variable's values with the typed filter.
pub struct PickerBox<'a> {
    pub app: &'a App,
    pub picker: &'a Picker,
}

impl Widget for PickerBox<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme();
        let rows = self.app.picker_rows();
        let variable = self
            .picker
            .variable
            .and_then(|i| self.app.layout().variables.get(i));
        let title = match variable {
            Some(v) => format!(" {} ", v.display_name()),
            None => " Variables ".to_string(),
        };
        let hint = match variable {
            Some(v) if v.multi => "type to filter · ↑↓ · Space ticks · Enter applies · Esc",
            Some(_) => "type to filter · ↑↓ · Enter applies · Esc cancels",
            None => "type to filter · ↑↓ · Enter chooses · Esc cancels",
        };
        let shown = PICKER_ROWS.min(area.height.saturating_sub(4).max(1));
        let height = shown + 4;
        let [column] = Layout::vertical([Constraint::Length(height.min(area.height))])
            .flex(Flex::Center)
            .areas(area);
        let [popup] = Layout::horizontal([Constraint::Length(60.min(area.width))])
            .flex(Flex::Center)
            .areas(column);
        Clear.render(popup, buf);
        let block = Block::bordered()
            .title(title)
            .style(theme.help)
            .border_style(theme.border_focus);
        let mut lines = vec![Line::from(vec![
            Span::styled("/ ", theme.muted),
            Span::styled(self.picker.filter.clone(), theme.text),
            Span::styled("█", theme.title),
        ])];
        let cursor = self.picker.cursor.min(rows.len().saturating_sub(1));
        // The highlighted row stays in sight: the list scrolls by whole pages.
        let page = usize::from(shown);
        let first = (cursor / page) * page;
        for (n, row) in rows.iter().enumerate().skip(first).take(page) {
            let text = if row == ALL { "All" } else { row.as_str() };
            let tick = match variable {
                Some(v) if v.multi => {
                    if self.picker.ticked.contains(row) {
                        "[x] "
                    } else {
                        "[ ] "
                    }
                }
                _ => "",
            };
            let style = if n == cursor {
                theme.selection
            } else {
                theme.text
            };
            lines.push(Line::styled(format!("{tick}{text}"), style));
        }
        if rows.is_empty() {
            let empty = match self.picker.variable {
                Some(i) => match self.app.variable_error(i) {
                    Some(error) => format!("no options: {error}"),
                    None => "no options (yet): waiting for Prometheus".to_string(),
                },
                None => "no variable matches".to_string(),
            };
            lines.push(Line::styled(empty, theme.muted));
        }
        while lines.len() < page + 1 {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(hint, theme.muted));
        Paragraph::new(lines).block(block).render(popup, buf);
    }
}
