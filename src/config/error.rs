//! Errors a user can act on: which file, which line and column, which key, what was expected.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no bundled {kind} named \"{name}\" (bundled: {known}); pass a path to use a file")]
    UnknownPreset {
        kind: &'static str,
        name: String,
        known: String,
    },
    #[error("{0}")]
    Invalid(Box<Located>),
}

/// A problem at a place in a file: a layout or theme (TOML) or a rule file (YAML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// The key the problem is about, e.g. `tab[2].row[0].panel[1].alert` or
    /// `groups[0].rules[2].for`.
    pub key: String,
    pub key_style: KeyStyle,
    pub message: String,
    /// The offending source line, for context.
    pub snippet: String,
}

/// How the key is written before the message, as each kind of file has always shown it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStyle {
    /// `key `tab[0].query`: ` (layouts and themes), always present.
    Quoted,
    /// `groups[0].rules[1]: ` (rule files, serde_yaml's path); left out when empty, as
    /// for a mistake in the whole document.
    Path,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        match self.key_style {
            KeyStyle::Quoted => write!(f, "key `{}`: ", self.key)?,
            KeyStyle::Path if !self.key.is_empty() => write!(f, "{}: ", self.key)?,
            KeyStyle::Path => {}
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

impl ConfigError {
    /// Builds an error at `span` (byte offsets into `text`).
    pub fn at(
        file: &std::path::Path,
        text: &str,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let offset = span.map_or(0, |s| s.start.min(text.len()));
        let (line, column, snippet) = position(text, offset);
        ConfigError::Invalid(Box::new(Located {
            file: file.to_path_buf(),
            line,
            column,
            key: key.into(),
            key_style: KeyStyle::Quoted,
            message: message.into(),
            snippet,
        }))
    }

    /// Converts toml's own parse/deserialize error, keeping its message and span, and
    /// naming the key: toml reports where, not always which key.
    pub fn from_toml(file: &std::path::Path, text: &str, err: &toml::de::Error) -> Self {
        let span = err.span();
        let offset = span.clone().map_or(0, |s| s.start.min(text.len()));
        let key = key_from_message(err.message())
            .or_else(|| key_on_line(text, offset))
            .unwrap_or_else(|| "(document)".to_string());
        Self::at(file, text, span, key, err.message().trim().to_string())
    }

    pub fn location(&self) -> Option<&Located> {
        match self {
            ConfigError::Invalid(l) => Some(l),
            _ => None,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset, and that line's text.
fn position(text: &str, offset: usize) -> (usize, usize, String) {
    let offset = (0..=offset)
        .rev()
        .find(|&o| text.is_char_boundary(o))
        .unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    let snippet = text[line_start..].lines().next().unwrap_or("").to_string();
    (line, column, snippet)
}

/// serde names the key in some messages: "unknown field `qurey`", "missing field `query`".
fn key_from_message(message: &str) -> Option<String> {
    for lead in [
        "unknown field `",
        "missing field `",
        "duplicate key `",
        "duplicate field `",
    ] {
        if let Some(rest) = message.split(lead).nth(1) {
            return rest.split('`').next().map(str::to_string);
        }
    }
    None
}

/// For errors about a value, the key is the nearest `key =` before the error on its line
/// (inline tables hold several); for a table header, the header's name.
fn key_on_line(text: &str, offset: usize) -> Option<String> {
    let (_, column, line) = position(text, offset);
    let trimmed = line.trim();
    if let Some(header) = trimmed.strip_prefix('[') {
        return Some(
            header
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let before: String = line.chars().take(column.saturating_sub(1)).collect();
    let head = match before.rfind('=') {
        Some(eq) => &before[..eq],
        None => line.split_once('=')?.0,
    };
    let key: String = head
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '"' | '.'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let key = key.trim_matches('"');
    (!key.is_empty()).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let text = "a = 1\nbb = \"x\"\n";
        assert_eq!(position(text, 6), (2, 1, "bb = \"x\"".to_string()));
        assert_eq!(position(text, 11), (2, 6, "bb = \"x\"".to_string()));
    }

    #[test]
    fn keys_come_from_messages_or_lines() {
        assert_eq!(
            key_from_message("unknown field `qurey`, expected one of"),
            Some("qurey".into())
        );
        assert_eq!(
            key_on_line("x = 1\n  width = \"a\"\n", 14),
            Some("width".into())
        );
        assert_eq!(key_on_line("[[tab.row]]\n", 2), Some("tab.row".into()));
        let inline = "ok = { fg = \"green\", bold = \"yes\" }\n";
        assert_eq!(
            key_on_line(inline, inline.find("\"yes").unwrap()),
            Some("bold".into())
        );
    }
}
