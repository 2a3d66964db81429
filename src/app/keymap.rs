//! Keys to actions. The help overlay is generated from [`BINDINGS`], so it cannot drift.

use super::Action;
use super::focus::Dir;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Key descriptions and what they do, in the order the help overlay lists them.
pub const BINDINGS: &[(&str, &str)] = &[
    ("1–9", "go to tab"),
    ("Tab / Shift-Tab", "next / previous tab"),
    ("← ↓ ↑ → / h j k l", "move focus; KPI rows; series; cursor"),
    ("Enter", "drill into panel, KPI row, series, chart"),
    ("Esc / Backspace", "back one level (help, cursor first)"),
    ("+ / -", "zoom drill range in / out (5m … 7d)"),
    ("[ / ]", "pan the range back / forward"),
    ("0", "range back to live"),
    ("c", "inspect cursor on / off"),
    ("Space", "hide / show series (drill); else pause"),
    ("p", "pause / resume polling"),
    ("r", "refresh now"),
    ("L", "show / hide the log pane"),
    ("?", "show / hide this help"),
    ("q / Ctrl-C", "quit"),
];

pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c')).then_some(Action::Quit);
    }
    Some(match key.code {
        KeyCode::Char(c @ '1'..='9') => Action::SelectTab(c as usize - '1' as usize),
        KeyCode::Tab => Action::NextTab,
        KeyCode::BackTab => Action::PrevTab,
        KeyCode::Left | KeyCode::Char('h') => Action::Focus(Dir::Left),
        KeyCode::Right | KeyCode::Char('l') => Action::Focus(Dir::Right),
        KeyCode::Up | KeyCode::Char('k') => Action::Focus(Dir::Up),
        KeyCode::Down | KeyCode::Char('j') => Action::Focus(Dir::Down),
        KeyCode::Enter => Action::Open,
        KeyCode::Esc | KeyCode::Backspace => Action::Back,
        KeyCode::Char('+' | '=') => Action::ZoomIn,
        KeyCode::Char('-' | '_') => Action::ZoomOut,
        KeyCode::Char('[') => Action::PanBack,
        KeyCode::Char(']') => Action::PanForward,
        KeyCode::Char('0') => Action::Live,
        KeyCode::Char('c') => Action::ToggleCursor,
        KeyCode::Char(' ') => Action::ToggleSelected,
        KeyCode::Char('p') => Action::TogglePause,
        KeyCode::Char('r') => Action::RefreshNow,
        KeyCode::Char('L') => Action::ToggleLog,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(
            action_for(key(KeyCode::Char('3'))),
            Some(Action::SelectTab(2))
        );
        assert_eq!(action_for(key(KeyCode::BackTab)), Some(Action::PrevTab));
        assert_eq!(
            action_for(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(action_for(key(KeyCode::Char('L'))), Some(Action::ToggleLog));
        assert_eq!(action_for(key(KeyCode::Char('z'))), None);
    }
}
