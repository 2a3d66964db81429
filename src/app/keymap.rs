//! Keys to actions. The help overlay is generated from [`BINDINGS`], so it cannot drift.

use super::focus::Dir;
use super::{Action, InputMode};
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
    ("p", "pause / resume polling or replay"),
    ("R", "start / stop recording the session"),
    ("m", "add a marker with a note"),
    ("< / >", "replay slower / faster (1×…64×)"),
    (", / .", "replay one sample back / forward"),
    ("g", "replay: go to 14:03:10, -5m, +30s"),
    ("n / N", "replay: next / previous alert or marker"),
    ("r", "refresh now"),
    ("L", "show / hide the log pane"),
    ("?", "show / hide this help"),
    ("q / Ctrl-C", "quit"),
];

pub fn action_for(key: KeyEvent, mode: InputMode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c')).then_some(Action::Quit);
    }
    if mode == InputMode::Text {
        return match key.code {
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Backspace => Some(Action::InputBackspace),
            KeyCode::Char(c) => Some(Action::Input(c)),
            _ => None,
        };
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
        KeyCode::Char('R') => Action::ToggleRecording,
        KeyCode::Char('m') => Action::AddMarker,
        KeyCode::Char('g') => Action::GoTo,
        KeyCode::Char('>') => Action::SpeedUp,
        KeyCode::Char('<') => Action::SpeedDown,
        KeyCode::Char('.') => Action::StepForward,
        KeyCode::Char(',') => Action::StepBack,
        KeyCode::Char('n') => Action::NextEvent,
        KeyCode::Char('N') => Action::PrevEvent,
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
    fn a_prompt_takes_keys_as_text() {
        let typed = |c| action_for(key(KeyCode::Char(c)), InputMode::Text);
        assert_eq!(typed('q'), Some(Action::Input('q')));
        assert_eq!(
            action_for(key(KeyCode::Enter), InputMode::Text),
            Some(Action::Submit)
        );
        assert_eq!(
            action_for(
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                InputMode::Text
            ),
            Some(Action::Quit)
        );
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(
            action_for(key(KeyCode::Char('3')), InputMode::Normal),
            Some(Action::SelectTab(2))
        );
        assert_eq!(
            action_for(key(KeyCode::BackTab), InputMode::Normal),
            Some(Action::PrevTab)
        );
        assert_eq!(
            action_for(
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                InputMode::Normal
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(key(KeyCode::Char('L')), InputMode::Normal),
            Some(Action::ToggleLog)
        );
        assert_eq!(action_for(key(KeyCode::Char('z')), InputMode::Normal), None);
    }
}
