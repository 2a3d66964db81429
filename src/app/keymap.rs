//! Keys to actions, written once: [`BINDINGS`] is what the keys do, what the help overlay
//! lists and what `--help` prints, so the three cannot drift.

use super::focus::Dir;
use super::{Action, InputMode};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One line of help: the keys as written, what they do, and each key's action.
pub struct Binding {
    pub label: &'static str,
    pub help: &'static str,
    pub keys: &'static [(KeyCode, Action)],
}

const fn key(c: char, action: Action) -> (KeyCode, Action) {
    (KeyCode::Char(c), action)
}

/// Every key, in the order help lists them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        label: "1–9",
        help: "go to tab",
        keys: &[
            key('1', Action::SelectTab(0)),
            key('2', Action::SelectTab(1)),
            key('3', Action::SelectTab(2)),
            key('4', Action::SelectTab(3)),
            key('5', Action::SelectTab(4)),
            key('6', Action::SelectTab(5)),
            key('7', Action::SelectTab(6)),
            key('8', Action::SelectTab(7)),
            key('9', Action::SelectTab(8)),
        ],
    },
    Binding {
        label: "Tab / Shift-Tab",
        help: "next / previous tab",
        keys: &[
            (KeyCode::Tab, Action::NextTab),
            (KeyCode::BackTab, Action::PrevTab),
        ],
    },
    Binding {
        label: "← ↓ ↑ → / h j k l",
        help: "move focus; KPI rows; series; cursor",
        keys: &[
            (KeyCode::Left, Action::Focus(Dir::Left)),
            (KeyCode::Down, Action::Focus(Dir::Down)),
            (KeyCode::Up, Action::Focus(Dir::Up)),
            (KeyCode::Right, Action::Focus(Dir::Right)),
            key('h', Action::Focus(Dir::Left)),
            key('j', Action::Focus(Dir::Down)),
            key('k', Action::Focus(Dir::Up)),
            key('l', Action::Focus(Dir::Right)),
        ],
    },
    Binding {
        label: "Enter",
        help: "drill into panel, KPI row, series, chart",
        keys: &[(KeyCode::Enter, Action::Open)],
    },
    Binding {
        label: "Esc / Backspace",
        help: "back one level (help, cursor first)",
        keys: &[
            (KeyCode::Esc, Action::Back),
            (KeyCode::Backspace, Action::Back),
        ],
    },
    Binding {
        label: "+ / -",
        help: "zoom drill range in / out (5m … 7d)",
        // `=` and `_`: the same keys without Shift.
        keys: &[
            key('+', Action::ZoomIn),
            key('=', Action::ZoomIn),
            key('-', Action::ZoomOut),
            key('_', Action::ZoomOut),
        ],
    },
    Binding {
        label: "[ / ]",
        help: "pan the range back / forward",
        keys: &[key('[', Action::PanBack), key(']', Action::PanForward)],
    },
    Binding {
        label: "0",
        help: "range back to live",
        keys: &[key('0', Action::Live)],
    },
    Binding {
        label: "c",
        help: "inspect cursor on / off",
        keys: &[key('c', Action::ToggleCursor)],
    },
    Binding {
        label: "Space",
        help: "hide / show series (drill); else pause",
        keys: &[key(' ', Action::ToggleSelected)],
    },
    Binding {
        label: "p",
        help: "pause / resume polling or replay",
        keys: &[key('p', Action::TogglePause)],
    },
    Binding {
        label: "R",
        help: "start / stop recording the session",
        keys: &[key('R', Action::ToggleRecording)],
    },
    Binding {
        label: "m",
        help: "add a marker with a note",
        keys: &[key('m', Action::AddMarker)],
    },
    Binding {
        label: "< / >",
        help: "replay slower / faster (1×…64×)",
        keys: &[key('<', Action::SpeedDown), key('>', Action::SpeedUp)],
    },
    Binding {
        label: ", / .",
        help: "replay one sample back / forward",
        keys: &[key(',', Action::StepBack), key('.', Action::StepForward)],
    },
    Binding {
        label: "g",
        help: "replay: go to 14:03:10, -5m, +30s",
        keys: &[key('g', Action::GoTo)],
    },
    Binding {
        label: "n / N",
        help: "replay: next / previous alert or marker",
        keys: &[key('n', Action::NextEvent), key('N', Action::PrevEvent)],
    },
    Binding {
        label: "/",
        help: "filter alerts and rules (severity=critical)",
        keys: &[key('/', Action::Filter)],
    },
    Binding {
        label: "s / S",
        help: "silence alert or group / expire silence",
        keys: &[key('s', Action::Silence), key('S', Action::ExpireSilence)],
    },
    Binding {
        label: "v",
        help: "pick template variables' values",
        keys: &[key('v', Action::PickVariables)],
    },
    Binding {
        label: "r",
        help: "refresh now",
        keys: &[key('r', Action::RefreshNow)],
    },
    Binding {
        label: "L",
        help: "show / hide the log pane",
        keys: &[key('L', Action::ToggleLog)],
    },
    Binding {
        label: "?",
        help: "show / hide this help",
        keys: &[key('?', Action::ToggleHelp)],
    },
    Binding {
        label: "e",
        help: "save the screen as SVG and text (--export-dir)",
        keys: &[key('e', Action::Screenshot)],
    },
    Binding {
        label: "Ctrl-Z",
        help: "suspend (fg brings it back)",
        // Read from the modifiers, like Ctrl-C.
        keys: &[],
    },
    Binding {
        label: "q / Ctrl-C",
        help: "quit",
        // Ctrl-C is read from the modifiers, before the table (see `action_for`).
        keys: &[key('q', Action::Quit)],
    },
];

/// The key table as `--help` prints it.
pub fn help_text() -> String {
    let width = BINDINGS
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::from("Keys (also under ? in the dashboard):");
    for b in BINDINGS {
        let pad = width - b.label.chars().count();
        text.push_str(&format!("\n  {}{}   {}", b.label, " ".repeat(pad), b.help));
    }
    text
}

pub fn action_for(key: KeyEvent, mode: InputMode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('z') => Some(Action::Suspend),
            _ => None,
        };
    }
    if mode == InputMode::Text {
        return match key.code {
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Backspace => Some(Action::InputBackspace),
            KeyCode::Tab => Some(Action::InputNextField),
            KeyCode::Char(c) => Some(Action::Input(c)),
            // The variables picker's list; a prompt ignores them.
            KeyCode::Up => Some(Action::Focus(Dir::Up)),
            KeyCode::Down => Some(Action::Focus(Dir::Down)),
            _ => None,
        };
    }
    BINDINGS
        .iter()
        .flat_map(|b| b.keys)
        .find(|(code, _)| *code == key.code)
        .map(|(_, action)| *action)
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

    #[test]
    fn every_key_is_bound_once_and_listed_in_help() {
        let codes: Vec<KeyCode> = BINDINGS
            .iter()
            .flat_map(|b| b.keys)
            .map(|(c, _)| *c)
            .collect();
        let mut unique = codes.clone();
        unique.sort_by_key(|c| format!("{c:?}"));
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "a key bound twice");
        let help = help_text();
        for b in BINDINGS {
            assert!(
                help.contains(b.label) && help.contains(b.help),
                "{}",
                b.label
            );
        }
    }
}
