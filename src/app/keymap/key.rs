//! One key as the keymap knows it: a key code and its Ctrl/Alt/Shift, read strictly from
//! the config file's names (`ctrl-c`, `f5`, `pgup`, `R`) and written back for help.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// The named keys a config file may write, each one way, and their codes.
const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backspace", KeyCode::Backspace),
    ("space", KeyCode::Char(' ')),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("insert", KeyCode::Insert),
    ("delete", KeyCode::Delete),
];

/// What a key may be, for the message refusing one that is not.
pub const GRAMMAR: &str = "one character (q, R, ?), f1–f12, or enter, esc, tab, backspace, \
     space, up, down, left, right, home, end, pgup, pgdown, insert, delete; \
     after ctrl-, alt- or shift-";

impl Key {
    pub const fn char(c: char) -> Self {
        Self::code(KeyCode::Char(c))
    }

    pub const fn code(code: KeyCode) -> Self {
        Self {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    /// A key pressed. Shift is in a character already (`R`) and in Shift-Tab's own
    /// code, so it is dropped there: terminals differ in whether they also report it.
    pub fn pressed(event: KeyEvent) -> Self {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        if !matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers |= event.modifiers & KeyModifiers::SHIFT;
        }
        Self {
            code: event.code,
            modifiers,
        }
    }

    /// The same key with only `kept` of its modifiers.
    pub fn only(self, kept: KeyModifiers) -> Self {
        Self {
            modifiers: self.modifiers & kept,
            ..self
        }
    }

    /// Reads a key as a config file names it: modifiers first (`ctrl-`, `alt-`,
    /// `shift-`), then one character or a named key. Nothing is guessed.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        while let Some((head, tail)) = rest.split_once('-')
            && !tail.is_empty()
        {
            let modifier = match head.to_ascii_lowercase().as_str() {
                "ctrl" => KeyModifiers::CONTROL,
                "alt" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                _ => break,
            };
            if modifiers.contains(modifier) {
                return Err(format!("\"{text}\" names {head}- twice"));
            }
            modifiers |= modifier;
            rest = tail;
        }
        let code =
            base(rest).ok_or_else(|| format!("unknown key \"{text}\": a key is {GRAMMAR}"))?;
        shifted(Self { code, modifiers }, text)
    }
}

/// One character, a named key, or an F-key.
fn base(text: &str) -> Option<KeyCode> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return (!c.is_whitespace() && !c.is_control()).then_some(KeyCode::Char(c));
    }
    let lower = text.to_ascii_lowercase();
    if let Some((_, code)) = NAMED.iter().find(|(name, _)| *name == lower) {
        return Some(*code);
    }
    let number: u8 = lower.strip_prefix('f')?.parse().ok()?;
    (1..=12).contains(&number).then_some(KeyCode::F(number))
}

/// Shift as terminals send it: in the character (`R`), as Shift-Tab's own code, or with
/// the other named keys. Ctrl with a letter arrives as the small letter.
fn shifted(key: Key, text: &str) -> Result<Key, String> {
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    match key.code {
        KeyCode::Char(c) if shift && c != ' ' => Err(format!(
            "\"{text}\": write the character Shift gives (\"{}\", not \"shift-{c}\")",
            c.to_uppercase()
        )),
        KeyCode::Tab if shift => Ok(Key {
            code: KeyCode::BackTab,
            modifiers: key.modifiers - KeyModifiers::SHIFT,
        }),
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => Ok(Key {
            code: KeyCode::Char(c.to_ascii_lowercase()),
            ..key
        }),
        _ => Ok(key),
    }
}

impl fmt::Display for Key {
    /// As help writes keys: `Ctrl-C`, `Shift-Tab`, `←`, `PgUp`, `F5`, `Space`, `q`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (modifier, name) in [
            (KeyModifiers::CONTROL, "Ctrl-"),
            (KeyModifiers::ALT, "Alt-"),
            (KeyModifiers::SHIFT, "Shift-"),
        ] {
            if self.modifiers.contains(modifier) {
                f.write_str(name)?;
            }
        }
        let ctrl = self.modifiers.contains(KeyModifiers::CONTROL);
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            // Spelt here, not by crossterm, which names them the Mac's way on a Mac.
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            code => write!(f, "{code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Key {
        Key::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn keys_are_read_strictly() {
        assert_eq!(parsed("q"), Key::char('q'));
        assert_eq!(parsed("R"), Key::char('R'));
        assert_eq!(parsed("-"), Key::char('-'));
        assert_eq!(parsed("ctrl-c"), Key::ctrl('c'));
        assert_eq!(parsed("Ctrl-C"), Key::ctrl('c'));
        assert_eq!(parsed("ctrl--").code, KeyCode::Char('-'));
        assert_eq!(parsed("space"), Key::char(' '));
        assert_eq!(parsed("Enter"), Key::code(KeyCode::Enter));
        assert_eq!(parsed("pgup"), Key::code(KeyCode::PageUp));
        assert_eq!(parsed("f12"), Key::code(KeyCode::F(12)));
        assert_eq!(parsed("shift-tab"), Key::code(KeyCode::BackTab));
        let alt_shift_up = parsed("alt-shift-up");
        assert_eq!(alt_shift_up.code, KeyCode::Up);
        assert_eq!(
            alt_shift_up.modifiers,
            KeyModifiers::ALT | KeyModifiers::SHIFT
        );
        for (bad, says) in [
            ("", "unknown key"),
            ("ctrl-", "unknown key"),
            ("return", "unknown key"),
            ("f13", "unknown key"),
            ("f0", "unknown key"),
            ("hyper-q", "unknown key"),
            ("ctrl-ctrl-c", "ctrl- twice"),
            ("shift-r", "\"R\", not \"shift-r\""),
            (" ", "unknown key"),
            ("qq", "unknown key"),
        ] {
            let error = Key::parse(bad).expect_err(bad);
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn keys_read_back_as_help_writes_them() {
        for (text, shown) in [
            ("ctrl-c", "Ctrl-C"),
            ("shift-tab", "Shift-Tab"),
            ("left", "←"),
            ("space", "Space"),
            ("alt-x", "Alt-x"),
            ("f5", "F5"),
            ("pgdown", "PgDn"),
            ("enter", "Enter"),
            ("esc", "Esc"),
        ] {
            assert_eq!(parsed(text).to_string(), shown);
        }
    }

    #[test]
    fn a_pressed_key_drops_the_shift_its_character_carries() {
        let shift_r = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert_eq!(Key::pressed(shift_r), Key::char('R'));
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::pressed(back_tab), Key::code(KeyCode::BackTab));
        let shift_up = KeyEvent::new(KeyCode::Up, KeyModifiers::SHIFT);
        assert_eq!(Key::pressed(shift_up).modifiers, KeyModifiers::SHIFT);
    }
}
