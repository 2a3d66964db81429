//! Template variables on screen: the line under the tabs (`job=node  instance=10.0.0.5`)
//! and the `v` picker.

use crate::app::App;
use crate::app::variables::Picker;
use crate::variables::ALL;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

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
                // Grafana's empty value, of a variable without options or given as `x=`.
                _ if value.is_empty() && !selection.values.is_empty() => {
                    spans.push(Span::styled("(none)", theme.muted))
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
        let (popup, block) = super::popup::open(area, 60, height, title, theme, buf);
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
                Some(i) => match (self.app.variable_error(i), self.app.variable_options(i)) {
                    (Some(error), _) => format!("no options: {error}"),
                    (None, Some(_)) if self.picker.filter.is_empty() => {
                        "Prometheus offers no options: the empty value is used".to_string()
                    }
                    (None, Some(_)) => "no option matches".to_string(),
                    (None, None) => "no options (yet): waiting for Prometheus".to_string(),
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

#[cfg(test)]
mod tests {
    use crate::app::{Action, App, Msg, SourceInfo};
    use crate::config::{Layout, Source, Theme};
    use crate::event::DataEvent;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::time::Duration;

    const LAYOUT: &str = r#"
[[variable]]
name = "instance"
label = "Instance"
kind = "query"
query = 'label_values(up, instance)'
multi = true
include_all = true
[[variable]]
name = "env"
kind = "custom"
values = ["prod", "staging"]
[[tab]]
title = "T"
[[tab.row]]
[[tab.row.panel]]
title = "Up of $instance"
kind = "stat"
query = 'up{instance=~"$instance", env="$env"}'
"#;

    /// The layout `text` live.
    fn started(text: String) -> App {
        let layout = Layout::parse(Source {
            origin: "v.toml".into(),
            text,
        })
        .unwrap();
        let info = SourceInfo {
            label: "test".into(),
            refresh: Duration::from_secs(5),
            note: None,
        };
        App::new(layout, Theme::load("default").unwrap(), info)
            .with_variables(Vec::new(), Duration::from_secs(15))
    }

    fn app() -> App {
        let mut app = started(LAYOUT.into());
        let options = (1..=30).map(|i| format!("10.0.0.{i}:9100")).collect();
        app.update(Msg::Data(DataEvent::VariableOptions {
            name: "instance".into(),
            result: Ok(options),
        }));
        app
    }

    fn screen(app: &App, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| crate::ui::render(frame, app))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..height)
            .map(|y| {
                (0..width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_line_under_the_tabs_shows_each_choice() {
        let text = screen(&app(), 80, 24);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.starts_with("Instance=10.0.0.1:9100  env=prod"),
            "{line}"
        );
        assert!(text.contains("Up of 10.0.0.1:9100"), "{text}");
    }

    /// A chain whose first variable Prometheus has no options for (node-mixin's hidden
    /// `cluster` on a server without that label).
    #[test]
    fn a_variable_without_options_shows_none_and_the_picker_does_not_wait() {
        let mut app = started(
            LAYOUT.replace("label_values(up, instance)", "label_values(up, cluster)")
                + "[[variable]]\nname = \"node\"\nkind = \"query\"\nquery = 'label_values(up{cluster=~\"$instance\"}, instance)'\n",
        );
        for name in ["instance", "node"] {
            app.update(Msg::Data(DataEvent::VariableOptions {
                name: name.into(),
                result: Ok(Vec::new()),
            }));
        }
        let text = screen(&app, 80, 24);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.starts_with("Instance=All  env=prod  node=(none)"),
            "{line}"
        );
        app.update(Msg::Action(Action::PickVariables));
        for c in "node".chars() {
            app.update(Msg::Action(Action::Input(c)));
        }
        app.update(Msg::Action(Action::Submit));
        let text = screen(&app, 80, 24);
        assert!(
            text.contains("Prometheus offers no options: the empty value is used"),
            "{text}"
        );
        assert!(!text.contains("waiting for Prometheus"), "{text}");
    }

    #[test]
    fn the_picker_lists_scrolls_and_fits_any_size() {
        let mut app = app();
        for action in [Action::PickVariables, Action::Submit] {
            app.update(Msg::Action(action));
        }
        let text = screen(&app, 80, 24);
        assert!(text.contains(" Instance "), "{text}");
        assert!(
            text.contains("[ ] All") && text.contains("[x] 10.0.0.1:9100"),
            "{text}"
        );
        // Past the first page the highlighted row is still in sight.
        for _ in 0..20 {
            app.update(Msg::Action(Action::Focus(crate::app::focus::Dir::Down)));
        }
        assert!(screen(&app, 80, 24).contains("10.0.0.20:9100"));
        for (width, height) in [(30, 6), (31, 7), (40, 10), (80, 24), (200, 60)] {
            screen(&app, width, height);
        }
    }
}
