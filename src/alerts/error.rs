//! Errors in rule files, with the file, line and column an operator can jump to.

use crate::config::error::{KeyStyle, Located};
use std::path::{Path, PathBuf};

/// Longest message quoted from the YAML parser.
const MAX_MESSAGE: usize = 160;

#[derive(Debug, thiserror::Error)]
pub enum RuleFileError {
    #[error("cannot read rule file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Located>),
}

impl RuleFileError {
    pub fn problem(&self) -> Option<&Located> {
        match self {
            RuleFileError::Invalid(p) => Some(p),
            RuleFileError::Read { .. } => None,
        }
    }

    /// Converts serde_yaml's error: its position, its path into the document
    /// (`groups[0].rules[1]`) and its message without the trailing "at line L column C".
    pub(crate) fn from_yaml(file: &Path, text: &str, err: &serde_yaml_ng::Error) -> Self {
        let (line, column) = err
            .location()
            .map_or((1, 1), |l| (l.line().max(1), l.column().max(1)));
        // The position is in our prefix; drop serde_yaml's copy of it from the message.
        let message = err
            .to_string()
            .replacen(&format!(" at line {line} column {column}"), "", 1);
        // "groups[0].rules[1]: unknown field …": the path has no spaces before its colon.
        let (key, message) = match message.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') => (path.to_string(), rest.to_string()),
            _ => (String::new(), message),
        };
        // serde quotes the offending value whole: a file that is not YAML at all would be
        // printed entire.
        let message = match message.char_indices().nth(MAX_MESSAGE) {
            Some((cut, _)) => format!("{}…", &message[..cut]),
            None => message,
        };
        let snippet = text
            .lines()
            .nth(line - 1)
            .map(str::to_string)
            .unwrap_or_default();
        RuleFileError::Invalid(Box::new(Located {
            file: file.to_path_buf(),
            line,
            column,
            key,
            key_style: KeyStyle::Path,
            message,
            snippet,
        }))
    }
}
