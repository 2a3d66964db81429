//! The config file's `[keys]` table as written: each action's name and its keys, with
//! where they stand, so the keymap (`app::keymap`, which knows the actions and the key
//! names) can refuse a mistake at its file, line and column.

use super::error::ConfigError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// `[keys]` as written: `quit = ["q", "ctrl-c"]`.
pub type KeysToml = BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>;

/// One `action = [keys]` line.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyEntry {
    pub action: Spanned<String>,
    pub keys: Spanned<Vec<Spanned<String>>>,
}

/// The `[keys]` of one config file, in the file's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyTable {
    pub entries: Vec<KeyEntry>,
    file: PathBuf,
    /// The file's text, for the line an error points at.
    text: String,
}

impl KeyTable {
    pub fn new(file: &Path, text: &str, table: KeysToml) -> Self {
        let mut entries: Vec<KeyEntry> = table
            .into_iter()
            .map(|(action, keys)| KeyEntry { action, keys })
            .collect();
        // A conflict is reported where the file says it second.
        entries.sort_by_key(|entry| entry.action.span().start);
        // Kept only when there is something to point at.
        let text = if entries.is_empty() { "" } else { text };
        Self {
            entries,
            file: file.to_path_buf(),
            text: text.to_string(),
        }
    }

    /// The file the table is in.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// A mistake at `span` of the entry for `action`, located in the file.
    pub fn error(
        &self,
        span: std::ops::Range<usize>,
        action: &str,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::at(
            &self.file,
            &self.text,
            Some(span),
            format!("keys.{}", crate::model::text::escape_controls(action)),
            message,
        )
    }
}
