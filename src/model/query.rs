//! PromQL text as the dashboard keys it: one spelling per query, however it was written.

/// `expr` with insignificant whitespace collapsed to single spaces: the form the layout
/// stores, rules are polled as, and tables show on one line. Two queries that differ only
/// in layout are one query.
pub fn normalize(expr: &str) -> String {
    without_comments(expr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `expr` without its `# …` comments (outside string literals), which would otherwise
/// swallow the rest of the expression once the lines are joined.
fn without_comments(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut quote: Option<char> = None;
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '#') => {
                // The newline stays: it separates what came before from what follows.
                if chars.by_ref().any(|c| c == '\n') {
                    out.push('\n');
                }
                continue;
            }
            (None, '"' | '\'' | '`') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (Some(q), '\\') if q != '`' => {
                out.push(c);
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn collapses_newlines_and_runs_of_spaces() {
        assert_eq!(
            super::normalize("  sum by (pool)\n   (rate(x[5m]))  "),
            "sum by (pool) (rate(x[5m]))"
        );
    }

    #[test]
    fn comments_are_dropped_but_not_inside_strings() {
        assert_eq!(
            super::normalize("# go heap\nmax(\n  x{a=\"#1\", b='\\'#'} # note\n)"),
            "max( x{a=\"#1\", b='\\'#'} )"
        );
    }
}
