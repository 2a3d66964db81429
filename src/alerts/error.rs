//! Errors in rule files, with the file, line and column an operator can jump to.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RuleFileError {
    #[error("cannot read rule file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<RuleFileProblem>),
}

/// A problem at a place in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFileProblem {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// Where in the document, e.g. `groups[0].rules[2].for`; empty for the whole file.
    pub key: String,
    pub message: String,
    /// The offending source line, for context.
    pub snippet: String,
}

impl fmt::Display for RuleFileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if !self.snippet.is_empty() {
            let gutter = self.line.to_string();
            write!(f, "\n {gutter} | {}", self.snippet)?;
            let pad = " ".repeat(gutter.len() + self.column.saturating_sub(1));
            write!(f, "\n {pad}   ^")?;
        }
        Ok(())
    }
}

impl RuleFileError {
    pub fn problem(&self) -> Option<&RuleFileProblem> {
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
        let snippet = text
            .lines()
            .nth(line - 1)
            .map(str::to_string)
            .unwrap_or_default();
        RuleFileError::Invalid(Box::new(RuleFileProblem {
            file: file.to_path_buf(),
            line,
            column,
            key,
            message,
            snippet,
        }))
    }
}
