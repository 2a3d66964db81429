//! Keys to actions, written once: the [`Keymap`] is what the keys do, what the help
//! overlay lists and what `--help` prints, so the three cannot drift. It starts as
//! [`BINDINGS`] and takes the config file's `[keys]` over them ([`Keymap::with_keys`]).

mod defaults;
pub(crate) mod key;
mod rebind;

use super::focus::Dir;
use super::{Action, InputMode};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
pub use defaults::BINDINGS;
use key::Key;

/// Where the keys come from when no config file was read (the manual page).
pub const AS_SHIPPED: &str = "as shipped; [keys] in the config file rebinds them";

/// One line of help as shipped: the keys as written, what they do, and its actions.
pub struct Binding {
    pub label: &'static str,
    pub help: &'static str,
    pub actions: &'static [Bound],
}

/// An action and its default keys; `name` is how `[keys]` names it (`quit`, `tab_1`).
pub struct Bound {
    pub name: &'static str,
    pub action: Action,
    pub keys: &'static [Key],
}

/// The keys in force: the defaults, with a config file's `[keys]` over them.
#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    lines: Vec<HelpLine>,
}

/// One line of help as in force.
#[derive(Clone, Debug, PartialEq)]
pub struct HelpLine {
    /// The keys as help writes them: as shipped (`1–9`), or from the keys once rebound.
    pub label: String,
    pub help: &'static str,
    pub actions: Vec<Slot>,
}

/// An action and the keys it has now.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    pub name: &'static str,
    pub action: Action,
    pub keys: Vec<Key>,
}

impl Default for Keymap {
    fn default() -> Self {
        let lines = BINDINGS
            .iter()
            .map(|b| HelpLine {
                label: b.label.to_string(),
                help: b.help,
                actions: b
                    .actions
                    .iter()
                    .map(|a| Slot {
                        name: a.name,
                        action: a.action,
                        keys: a.keys.to_vec(),
                    })
                    .collect(),
            })
            .collect();
        Self { lines }
    }
}

impl Keymap {
    pub fn lines(&self) -> &[HelpLine] {
        &self.lines
    }

    /// The key table as `--help` prints it; `whence` says where the keys come from.
    pub fn help_text(&self, whence: &str) -> String {
        let width = self
            .lines
            .iter()
            .map(|l| l.label.chars().count())
            .max()
            .unwrap_or(0);
        let mut text = format!("Keys ({whence}; also under ? in the dashboard):");
        for line in &self.lines {
            let pad = width - line.label.chars().count();
            text.push_str(&format!(
                "\n  {}{}   {}",
                line.label,
                " ".repeat(pad),
                line.help
            ));
        }
        text
    }

    pub fn action_for(&self, event: KeyEvent, mode: InputMode) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::pressed(event);
        if mode == InputMode::Text {
            if key.modifiers.contains(KeyModifiers::CONTROL) {
                // Text has no Ctrl keys: quitting and suspending still work while typing.
                return self
                    .find(key)
                    .filter(|a| matches!(a, Action::Quit | Action::Suspend));
            }
            return text_action(event.code);
        }
        self.find(key)
    }

    /// The key's action; without a binding of its own, Alt and Shift are ignored (`Alt-q`
    /// is `q`, Shift-← is ←), Ctrl never is.
    fn find(&self, key: Key) -> Option<Action> {
        self.exact(key)
            .or_else(|| self.exact(key.only(KeyModifiers::CONTROL)))
    }

    fn exact(&self, key: Key) -> Option<Action> {
        self.slots()
            .find(|slot| slot.keys.contains(&key))
            .map(|slot| slot.action)
    }

    fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.lines.iter().flat_map(|line| &line.actions)
    }
}

/// A prompt's keys: text, and the few that steer it.
fn text_action(code: KeyCode) -> Option<Action> {
    match code {
        KeyCode::Enter => Some(Action::Submit),
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Backspace => Some(Action::InputBackspace),
        KeyCode::Tab => Some(Action::InputNextField),
        KeyCode::Char(c) => Some(Action::Input(c)),
        // The variables picker's list; a prompt ignores them.
        KeyCode::Up => Some(Action::Focus(Dir::Up)),
        KeyCode::Down => Some(Action::Focus(Dir::Down)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn action_for(key: KeyEvent, mode: InputMode) -> Option<Action> {
        Keymap::default().action_for(key, mode)
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
        let ctrl_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_l, InputMode::Text), None);
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
        // As before keys could be rebound: Alt and Shift are ignored, Ctrl is not.
        let alt_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT);
        assert_eq!(action_for(alt_q, InputMode::Normal), Some(Action::Quit));
        let shift_left = KeyEvent::new(KeyCode::Left, KeyModifiers::SHIFT);
        assert_eq!(
            action_for(shift_left, InputMode::Normal),
            Some(Action::Focus(Dir::Left))
        );
        let ctrl_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_l, InputMode::Normal), None);
        let ctrl_alt_c = KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL | KeyModifiers::ALT,
        );
        assert_eq!(
            action_for(ctrl_alt_c, InputMode::Normal),
            Some(Action::Quit)
        );
    }

    #[test]
    fn every_key_is_bound_once_and_listed_in_help() {
        let keymap = Keymap::default();
        let keys: Vec<Key> = keymap.slots().flat_map(|s| s.keys.clone()).collect();
        let mut unique = keys.clone();
        unique.sort_by_key(|k| format!("{k:?}"));
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "a key bound twice");
        let mut names: Vec<&str> = keymap.slots().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), keymap.slots().count(), "an action named twice");
        let help = keymap.help_text("the defaults");
        for b in BINDINGS {
            assert!(
                help.contains(b.label) && help.contains(b.help),
                "{}",
                b.label
            );
        }
    }
}
