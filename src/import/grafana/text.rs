//! Text the conversion repeats in comments and in its report: on one line and cut.

/// The longest title a comment or a tab repeats: the whole is in the title itself, and
/// a megabyte title is not worth writing twice.
const TITLE_CHARS: usize = 80;

/// `text` for a comment: one line (TOML comments take no control character) and at most
/// [`TITLE_CHARS`] characters, cut with `…`.
pub fn one_line(text: &str) -> String {
    cut(text, TITLE_CHARS).replace(char::is_control, " ")
}

/// `text` cut at `chars` characters, ending in `…` when cut.
pub fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
