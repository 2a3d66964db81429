//! Several Prometheus side by side (`--prometheus NAME=URL …`, `--profile a --profile b`, a
//! profile's `backends = […]`): what a backend's name may be, and how many there may be.

/// The most backends one dashboard shows: each is a column of every KPI table, and more
/// than eight no longer fit beside a KPI's name at 80 columns.
pub const MAX_BACKENDS: usize = 8;
/// The longest name: it heads a column and follows `backend=` in filters.
const MAX_NAME: usize = 16;

/// Whether `name` may name a backend (1 to 16 letters, digits, `-`, `_` or `.`: it heads a
/// column and is typed after `backend=`); else why not, the name escaped.
pub fn check_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() {
        return Err("a backend needs a name before its '='".into());
    }
    if !name.chars().all(allowed) || name.chars().count() > MAX_NAME {
        return Err(format!(
            "\"{}\" cannot name a backend: 1 to {MAX_NAME} letters, digits, '-', '_' or '.'",
            crate::model::text::escape_controls(name)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_words_without_spaces_or_equals() {
        for good in ["eu", "us-east-1", "prod_2", "a.b"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", "eu west", "a=b", "x\u{1b}[2J", "seventeen-chars-x"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        let escaped = check_name("x\u{1b}[2J").unwrap_err();
        assert!(!escaped.contains('\u{1b}'), "{escaped}");
    }
}
