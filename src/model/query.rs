//! PromQL text as the dashboard keys it: one spelling per query, however it was written.

/// `expr` with insignificant whitespace collapsed to single spaces: the form the layout
/// stores, rules are polled as, and tables show on one line. Two queries that differ only
/// in layout are one query.
pub fn normalize(expr: &str) -> String {
    expr.split_whitespace().collect::<Vec<_>>().join(" ")
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
}
