//! Text from outside — a server's messages and names, a recording, a config file — made
//! safe to print: terminal control sequences never reach the terminal, and a URL's
//! credentials are masked whatever the URL looks like.

use std::borrow::Cow;
use url::Url;

/// `text` as the dashboard's screen shows it, for output that is not drawn through it
/// (`snapshot`, `export`): control characters (ESC, BEL, C1 controls such as CSI, DEL,
/// carriage returns) are dropped, as the terminal library drops them from every cell, so
/// what follows an ESC is inert text; tabs become spaces; line breaks stay (text put on
/// one line has them replaced by its caller).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' => Some('\n'),
                '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// `value` as pretty-printed JSON whose every string — server text, a recording's header,
/// notes — is [`printable`] but for its line breaks: a script printing a field gets no
/// terminal escape from it. The JSON text is cleaned rather than the values, so fields keep
/// their order.
pub fn printable_json(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    // serde_json writes DEL and C1 controls as they are (dropped here), C0 ones escaped.
    let json = printable(&json);
    let mut out = String::with_capacity(json.len());
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some('\t') => out.push(' '),
                    Some('\n') => out.push_str("\\n"),
                    Some(control) if control.is_control() => {}
                    _ => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some('b' | 'f' | 'r') => {}
            Some('t') => out.push(' '),
            Some(escaped) => {
                out.push('\\');
                out.push(escaped);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `text` with its control characters written as escapes (`\u{1b}`): for a name echoed
/// back (a profile's), which must stay recognisable and must not act on the terminal.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `url` with its password as `***` (`http://ops:***@host:9090/`). Text that is not a URL
/// with a host — `ops:pw@host:9090` parses as the scheme `ops` followed by a path — hides
/// whatever stands before its last `@`.
pub fn mask_userinfo(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
                return parsed.to_string();
            }
            url.to_string()
        }
        _ => match userinfo(url) {
            Some((start, at)) => format!("{}***{}", &url[..start], &url[at..]),
            None => url.to_string(),
        },
    }
}

/// `url` without user and password (`http://host:9090/`), for what is stored; text that
/// is not a URL with a host loses whatever stands before its last `@`, and the `@`.
pub fn strip_userinfo(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            if parsed.username().is_empty() && parsed.password().is_none() {
                return url.to_string();
            }
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => match userinfo(url) {
            Some((start, at)) => format!("{}{}", &url[..start], &url[at + 1..]),
            None => url.to_string(),
        },
    }
}

/// Where credentials may stand in text that is not a URL with a host: from after `//`
/// (or the start) to the last `@`, which is returned as the second index.
fn userinfo(text: &str) -> Option<(usize, usize)> {
    let start = text.find("//").map_or(0, |i| i + 2);
    text.rfind('@')
        .filter(|&at| at > start)
        .map(|at| (start, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_dropped_line_breaks_kept() {
        assert!(matches!(printable("plain ✓ text"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\x1b[2Jb\x1b]0;title\x07c\u{9b}31md\r\ne\tf\u{7f}"),
            "a[2Jb]0;titlec31md\ne f"
        );
    }

    #[test]
    fn json_strings_lose_control_characters_and_keep_their_order() {
        #[derive(serde::Serialize)]
        struct Fields {
            zeta: &'static str,
            alpha: &'static str,
        }
        let json = printable_json(&Fields {
            zeta: "a\x1b[2J\u{9b}b\x07\r\ttab\nline",
            alpha: "a literal \\u001b stays",
        });
        assert_eq!(
            json,
            "{\n  \"zeta\": \"a[2Jb tab\\nline\",\n  \"alpha\": \"a literal \\\\u001b stays\"\n}"
        );
    }

    #[test]
    fn control_characters_are_escaped_visibly() {
        assert_eq!(escape_controls("prod"), "prod");
        assert_eq!(escape_controls("evil\x1b]0;x\x07"), "evil\\u{1b}]0;x\\u{7}");
    }

    #[test]
    fn userinfo_is_masked_whatever_the_scheme() {
        assert_eq!(
            mask_userinfo("http://admin:s3cret@host:1/"),
            "http://admin:***@host:1/"
        );
        assert_eq!(mask_userinfo("http://host:1/a@b"), "http://host:1/a@b");
        assert_eq!(mask_userinfo("ops:PW@noscheme:9090"), "***@noscheme:9090");
        assert_eq!(mask_userinfo("user:pw@host:9090"), "***@host:9090");
        assert!(!mask_userinfo("http://a:s3cret@[bad").contains("s3cret"));
        assert_eq!(mask_userinfo("prom:9090"), "prom:9090");
    }

    #[test]
    fn userinfo_is_stripped_whatever_the_scheme() {
        assert_eq!(
            strip_userinfo("http://admin:s3cret@prom:9090/"),
            "http://prom:9090/"
        );
        assert_eq!(strip_userinfo("http://prom:9090"), "http://prom:9090");
        assert_eq!(strip_userinfo("ops:PW@noscheme:9090"), "noscheme:9090");
        assert!(!strip_userinfo("http://a:s3cret@[bad").contains("s3cret"));
    }
}
