//! The config file's `[keys]` over the defaults: `quit = ["q", "ctrl-c"]` gives the action
//! exactly those keys (`[]` none). An unknown action or key, a key given twice, or a key
//! another action holds — one the file gives it, or a default the file leaves — is refused
//! at its file, line and column.

use super::key::Key;
use super::{Keymap, Slot};
use crate::app::Action;
use crate::config::ConfigError;
use crate::config::keys::{KeyEntry, KeyTable};
use std::collections::HashMap;

impl Keymap {
    /// The defaults with the actions `table` names bound to its keys instead.
    pub fn with_keys(table: &KeyTable) -> Result<Self, ConfigError> {
        let mut keymap = Self::default();
        let mut given: Vec<(&KeyEntry, Vec<Key>)> = Vec::new();
        for entry in &table.entries {
            let keys = keymap.rebind(table, entry)?;
            given.push((entry, keys));
        }
        keymap.refuse_conflicts(table, &given)?;
        Ok(keymap)
    }

    /// Reads one `action = [keys]` and gives the action those keys.
    fn rebind(&mut self, table: &KeyTable, entry: &KeyEntry) -> Result<Vec<Key>, ConfigError> {
        let name = entry.action.get_ref();
        let Some((l, a)) = self.position(name) else {
            let message = format!("unknown action \"{name}\" (actions: {})", self.names());
            return Err(table.error(entry.action.span(), name, message));
        };
        let mut keys = Vec::new();
        for text in entry.keys.get_ref() {
            let key = Key::parse(text.get_ref()).map_err(|m| table.error(text.span(), name, m))?;
            if keys.contains(&key) {
                let message = format!("\"{}\" is given twice", text.get_ref());
                return Err(table.error(text.span(), name, message));
            }
            keys.push(key);
        }
        let line = &mut self.lines[l];
        if keys.is_empty() && line.actions[a].action == Action::Quit {
            let message = "quit needs a key: without one the dashboard cannot be left";
            return Err(table.error(entry.keys.span(), name, message));
        }
        line.actions[a].keys = keys.clone();
        line.label = label(&line.actions);
        Ok(keys)
    }

    /// A key is one action's: a conflict is reported where the file gives the key second,
    /// or, against a default, where the file gives it at all.
    fn refuse_conflicts(
        &self,
        table: &KeyTable,
        given: &[(&KeyEntry, Vec<Key>)],
    ) -> Result<(), ConfigError> {
        let rebound: Vec<&str> = given
            .iter()
            .map(|(e, _)| e.action.get_ref().as_str())
            .collect();
        let mut holders: HashMap<Key, (&str, bool)> = self
            .lines
            .iter()
            .flat_map(|line| &line.actions)
            .filter(|slot| !rebound.contains(&slot.name))
            .flat_map(|slot| slot.keys.iter().map(|key| (*key, (slot.name, true))))
            .collect();
        for (entry, keys) in given {
            let name = entry.action.get_ref();
            for (key, text) in keys.iter().zip(entry.keys.get_ref()) {
                let Some((holder, default)) = holders.insert(*key, (name, false)) else {
                    continue;
                };
                let message = if default {
                    format!(
                        "\"{}\" is {holder}'s key by default: bind {holder} to other keys to use it here",
                        text.get_ref()
                    )
                } else {
                    format!("\"{}\" is bound to {holder} already", text.get_ref())
                };
                return Err(table.error(text.span(), name, message));
            }
        }
        Ok(())
    }

    /// Which line, and which action on it, `name` is.
    fn position(&self, name: &str) -> Option<(usize, usize)> {
        self.lines.iter().enumerate().find_map(|(l, line)| {
            let a = line.actions.iter().position(|slot| slot.name == name)?;
            Some((l, a))
        })
    }

    /// Every action's name, for the message refusing an unknown one.
    fn names(&self) -> String {
        self.slots().map(|s| s.name).collect::<Vec<_>>().join(", ")
    }
}

/// The keys of a line as help writes them once rebound: `x / Ctrl-Q` for one action,
/// `a ← / d →` (each action's keys, then the next action's) for several.
fn label(actions: &[Slot]) -> String {
    let keys = |slot: &Slot, between: &str| {
        if slot.keys.is_empty() {
            return "–".to_string();
        }
        let keys: Vec<String> = slot.keys.iter().map(Key::to_string).collect();
        keys.join(between)
    };
    match actions {
        [one] if one.keys.is_empty() => "(no key)".to_string(),
        [one] => keys(one, " / "),
        several => several
            .iter()
            .map(|slot| keys(slot, " "))
            .collect::<Vec<_>>()
            .join(" / "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::profile::Profiles;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use std::path::Path;

    fn keymap(toml: &str) -> Result<Keymap, String> {
        let profiles =
            Profiles::parse(Path::new("config.toml"), toml).map_err(|e| e.to_string())?;
        Keymap::with_keys(&profiles.keys).map_err(|e| e.to_string())
    }

    fn press(keymap: &Keymap, code: KeyCode, modifiers: KeyModifiers) -> Option<Action> {
        keymap.action_for(
            KeyEvent::new(code, modifiers),
            crate::app::InputMode::Normal,
        )
    }

    #[test]
    fn an_action_takes_exactly_the_keys_given() {
        let keys = keymap("[keys]\nquit = [\"x\", \"ctrl-q\"]\nlog = []\nhelp = [\"f1\", \"?\"]\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let none = KeyModifiers::NONE;
        assert_eq!(press(&keys, KeyCode::Char('x'), none), Some(Action::Quit));
        let ctrl = KeyModifiers::CONTROL;
        assert_eq!(press(&keys, KeyCode::Char('q'), ctrl), Some(Action::Quit));
        assert_eq!(
            press(&keys, KeyCode::Char('q'), none),
            None,
            "q is free now"
        );
        assert_eq!(press(&keys, KeyCode::Char('c'), ctrl), None, "Ctrl-C too");
        assert_eq!(press(&keys, KeyCode::Char('L'), none), None, "log unbound");
        assert_eq!(press(&keys, KeyCode::F(1), none), Some(Action::ToggleHelp));
        let label = |help: &str| {
            let line = keys.lines().iter().find(|l| l.help == help).expect(help);
            line.label.clone()
        };
        assert_eq!(label("quit"), "x / Ctrl-Q");
        assert_eq!(label("show / hide the log pane"), "(no key)");
        assert_eq!(label("show / hide this help"), "F1 / ?");
        // Untouched lines keep the labels as shipped.
        assert_eq!(label("go to tab"), "1–9");
    }

    #[test]
    fn a_line_of_several_actions_is_written_from_its_keys() {
        let keys = keymap("[keys]\nfocus_left = [\"a\"]\n").unwrap_or_else(|e| panic!("{e}"));
        let line = keys
            .lines()
            .iter()
            .find(|l| l.help.starts_with("move focus"));
        assert_eq!(line.map(|l| l.label.as_str()), Some("a / ↓ j / ↑ k / → l"));
    }

    #[test]
    fn mistakes_are_refused_where_they_are() {
        for (toml, says) in [
            (
                "[keys]\nquitt = [\"x\"]\n",
                "config.toml:2:1: key `keys.quitt`: unknown action \"quitt\" (actions: tab_1,",
            ),
            (
                "[keys]\nquit = [\"x\", \"ctrl-foo\"]\n",
                "config.toml:2:14: key `keys.quit`: unknown key \"ctrl-foo\"",
            ),
            (
                "[keys]\nquit = [\"x\", \"x\"]\n",
                "config.toml:2:14: key `keys.quit`: \"x\" is given twice",
            ),
            (
                "[keys]\nquit = []\n",
                "config.toml:2:8: key `keys.quit`: quit needs a key",
            ),
            // A default the file leaves in place holds its key.
            (
                "[keys]\nquit = [\"h\"]\n",
                "config.toml:2:9: key `keys.quit`: \"h\" is focus_left's key by default: bind focus_left to other keys to use it here",
            ),
            // Two actions the file binds: refused where the key comes second.
            (
                "[keys]\nrefresh = [\"x\"]\nquit = [\"q\", \"x\"]\n",
                "config.toml:3:14: key `keys.quit`: \"x\" is bound to refresh already",
            ),
            (
                "[keys]\nquit = [\"shift-q\"]\n",
                "config.toml:2:9: key `keys.quit`: \"shift-q\": write the character Shift gives (\"Q\", not \"shift-q\")",
            ),
            (
                "[keys]\nquit = \"x\"\n",
                "config.toml:2:8: key `quit`: invalid type",
            ),
        ] {
            let error = keymap(toml).expect_err(toml);
            assert!(error.starts_with(says), "{toml}\n{error}");
        }
    }

    #[test]
    fn a_key_moved_away_from_its_default_frees_it() {
        // h goes to quit once focus_left is given other keys.
        let keys = keymap("[keys]\nquit = [\"h\"]\nfocus_left = [\"left\"]\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let none = KeyModifiers::NONE;
        assert_eq!(press(&keys, KeyCode::Char('h'), none), Some(Action::Quit));
        assert_eq!(
            press(&keys, KeyCode::Left, none),
            Some(Action::Focus(crate::app::focus::Dir::Left))
        );
    }
}
