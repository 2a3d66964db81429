//! How a snapshot's reasons put things in words: names listed up to a limit, a server's
//! text quoted on one line.

/// Longest server text quoted in a reason: the first line says why, not everything.
const QUOTED: usize = 200;

/// How many rows' names a reason lists before "and N more".
pub const NAMED: usize = 3;

/// `a, b, c and 4 more`: the first `limit` of `names`.
pub fn named<S: AsRef<str>>(names: &[S], limit: usize) -> String {
    let mut text = names
        .iter()
        .take(limit)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > limit {
        text.push_str(&format!(" and {} more", names.len() - limit));
    }
    text
}

pub fn rows_word(n: usize) -> String {
    if n == 1 {
        "1 row".to_string()
    } else {
        format!("{n} rows")
    }
}

/// A server's text on one line, [`QUOTED`] characters at most.
pub fn quote(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    let mut quoted: String = line.chars().take(QUOTED).collect();
    if quoted.len() < text.trim().len() {
        quoted.push('…');
    }
    quoted
}
