//! Finding variable references in query and title text, in Grafana's three spellings:
//! `$name`, `${name}` / `${name:format}` and `[[name]]` / `[[name:format]]`.

use std::ops::Range;

/// One reference to a variable in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference<'a> {
    pub name: &'a str,
    /// The `:format` of `${name:format}` or `[[name:format]]`.
    pub format: Option<&'a str>,
    /// Bytes of the whole reference in the text, `$`/`[[` to the end.
    pub span: Range<usize>,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The end of the run of word characters starting at `from`; none (`from`) when it starts
/// with a digit, as `$1` in `label_replace` is a capture group, never a variable.
fn word_end(bytes: &[u8], from: usize) -> usize {
    if bytes.get(from).is_some_and(u8::is_ascii_digit) {
        return from;
    }
    bytes[from..]
        .iter()
        .position(|b| !is_word(*b))
        .map_or(bytes.len(), |n| from + n)
}

/// `name` or `name:format` between `start` and the closing `close`, if well formed.
fn braced<'a>(
    text: &'a str,
    start: usize,
    close: &str,
) -> Option<(&'a str, Option<&'a str>, usize)> {
    let bytes = text.as_bytes();
    let name_end = word_end(bytes, start);
    if name_end == start {
        return None;
    }
    let name = &text[start..name_end];
    if text[name_end..].starts_with(close) {
        return Some((name, None, name_end + close.len()));
    }
    let format_start = name_end + text[name_end..].strip_prefix(':').map(|_| 1)?;
    let format_len = text[format_start..].find(close)?;
    let format = &text[format_start..format_start + format_len];
    (!format.is_empty() && format.bytes().all(is_word)).then_some((
        name,
        Some(format),
        format_start + format_len + close.len(),
    ))
}

/// Every well-formed reference in `text`, in order. A `$` not followed by a word (a regex
/// anchor) is no reference.
pub fn references(text: &str) -> Vec<Reference<'_>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let parsed = if bytes[at] == b'$' && bytes.get(at + 1) == Some(&b'{') {
            braced(text, at + 2, "}")
        } else if bytes[at] == b'$' {
            let end = word_end(bytes, at + 1);
            (end > at + 1).then(|| (&text[at + 1..end], None, end))
        } else if bytes[at..].starts_with(b"[[") {
            braced(text, at + 2, "]]")
        } else {
            None
        };
        match parsed {
            Some((name, format, end)) => {
                found.push(Reference {
                    name,
                    format,
                    span: at..end,
                });
                at = end;
            }
            None => at += 1,
        }
    }
    found
}

/// `text` with each reference for which `value` answers replaced by the answer; the rest
/// (unknown names, such as a drill's `$label`) kept as written.
pub fn replace(text: &str, mut value: impl FnMut(&Reference<'_>) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for reference in references(text) {
        if let Some(replacement) = value(&reference) {
            out.push_str(&text[copied..reference.span.start]);
            out.push_str(&replacement);
            copied = reference.span.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(&str, Option<&str>)> {
        references(text)
            .iter()
            .map(|r| (r.name, r.format))
            .collect()
    }

    #[test]
    fn finds_the_three_spellings_and_formats() {
        assert_eq!(
            names(r#"up{job="$job", instance=~"${instance:regex}"}[[step]] [[x:pipe]]"#),
            vec![
                ("job", None),
                ("instance", Some("regex")),
                ("step", None),
                ("x", Some("pipe"))
            ]
        );
    }

    #[test]
    fn a_bare_dollar_and_broken_braces_are_text() {
        assert!(names(r#"x{a=~"b$"} ${} ${job ${:x} [[ ]] $"#).is_empty());
        assert_eq!(
            names("${job:}x $__rate_interval"),
            vec![("__rate_interval", None)]
        );
    }

    #[test]
    fn a_name_is_the_whole_word() {
        assert_eq!(
            names("$pool_name.$pool"),
            vec![("pool_name", None), ("pool", None)]
        );
    }

    #[test]
    fn capture_groups_are_no_references() {
        assert_eq!(
            names(r#"label_replace(up, "host", "$1", "instance", "(.*):.*") ${2} $job"#),
            vec![("job", None)]
        );
    }

    #[test]
    fn replace_keeps_what_it_does_not_know() {
        let out = replace("a $x ${y} [[x]] $z", |r| {
            (r.name == "x").then(|| "1".to_string())
        });
        assert_eq!(out, "a 1 ${y} 1 $z");
    }

    #[test]
    fn multibyte_text_around_references_survives() {
        assert_eq!(replace("µs $x é", |_| Some("v".into())), "µs v é");
    }
}
