//! What the dashboard reads from PromQL, through the `promql-parser` crate's AST: the
//! metric names an expression reads and `<expr> > <number>` comparisons.

use promql_parser::label::{METRIC_NAME, MatchOp};
use promql_parser::parser::token::{T_GTE, T_GTR, T_LSS, T_LTE, TokenType};
use promql_parser::parser::{self, AggregateExpr, BinaryExpr, Expr, VectorSelector};
use promql_parser::util::{ExprVisitor, walk_expr};
use std::collections::BTreeSet;
use std::convert::Infallible;

/// Prometheus' rule for metric names (`record:` names): letters, digits, `_` and `:`, not
/// starting with a digit. Keywords such as `sum` are valid names, so parsing cannot tell.
pub(crate) fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

pub(crate) use crate::model::labels::is_label_name;

/// The metric names an expression reads: the names of its vector selectors, including
/// `{__name__="…"}` matchers. Empty for an expression that does not parse.
pub fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for_each_selector(expr, |selector| {
        names.extend(selector.name.clone());
        let by_matcher = selector.matchers.find_matchers(METRIC_NAME);
        names.extend(
            by_matcher
                .into_iter()
                .filter(|m| m.op == MatchOp::Equal)
                .map(|m| m.value),
        );
    });
    names
}

/// Calls `visit` with every vector selector of `expr` (those of range selectors and of
/// aggregation parameters too), in order; nothing for an expression that does not parse.
pub(crate) fn for_each_selector(expr: &str, visit: impl FnMut(&VectorSelector)) {
    if let Ok(ast) = parser::parse(expr) {
        let Ok(_) = walk_expr(&mut SelectorWalk(visit), &ast);
    }
}

struct SelectorWalk<F>(F);

impl<F: FnMut(&VectorSelector)> ExprVisitor for SelectorWalk<F> {
    type Error = Infallible;

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, Infallible> {
        match expr {
            Expr::VectorSelector(selector) => (self.0)(selector),
            Expr::MatrixSelector(matrix) => (self.0)(&matrix.vs),
            // The walk skips an aggregation's parameter (`quantile(scalar(x), …)`).
            Expr::Aggregate(AggregateExpr {
                param: Some(param), ..
            }) => {
                walk_expr(self, param)?;
            }
            _ => {}
        }
        Ok(true)
    }
}

/// A comparison operator of a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
}

impl CmpOp {
    /// `==` and `!=` are not thresholds, so they have no `CmpOp`.
    fn from_token(op: TokenType) -> Option<CmpOp> {
        match op.id() {
            T_GTR => Some(CmpOp::Greater),
            T_GTE => Some(CmpOp::GreaterEqual),
            T_LSS => Some(CmpOp::Less),
            T_LTE => Some(CmpOp::LessEqual),
            _ => None,
        }
    }

    /// `5 < x` is `x > 5`.
    fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Greater => CmpOp::Less,
            CmpOp::GreaterEqual => CmpOp::LessEqual,
            CmpOp::Less => CmpOp::Greater,
            CmpOp::LessEqual => CmpOp::GreaterEqual,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Greater => ">",
            CmpOp::GreaterEqual => ">=",
            CmpOp::Less => "<",
            CmpOp::LessEqual => "<=",
        }
    }

    /// Whether values above the threshold are the bad ones (`>`, `>=`).
    pub fn higher_is_worse(self) -> bool {
        matches!(self, CmpOp::Greater | CmpOp::GreaterEqual)
    }
}

/// `<watched> <op> <value>`: a rule expression that filters one side against a number.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The side that is not the number, as the parser prints it (it keeps no source
    /// positions, so the text is canonical rather than as written).
    pub watched: String,
    pub op: CmpOp,
    pub value: f64,
}

impl Comparison {
    /// The metric names of the watched side.
    pub fn metric_names(&self) -> BTreeSet<String> {
        metric_names(&self.watched)
    }
}

/// Reads `<expr> (>|>=|<|<=) <number>` or `<number> (<|…) <expr>`, normalised so the
/// number is on the right. `None` for anything else: an expression that does not parse,
/// a chain of comparisons, `and`/`or`/`unless`, `bool` comparisons, or no plain number
/// on either side.
pub fn comparison(expr: &str) -> Option<Comparison> {
    let ast = parser::parse(expr).ok()?;
    let Expr::Binary(binary) = without_parens(&ast) else {
        return None;
    };
    let op = CmpOp::from_token(binary.op)?;
    if binary.return_bool() {
        return None;
    }
    let (watched, op, value) = match (number(&binary.rhs), number(&binary.lhs)) {
        (Some(value), _) => (&binary.lhs, op, value),
        (None, Some(value)) => (&binary.rhs, op.flipped(), value),
        (None, None) => return None,
    };
    // `5 < x < 7` parses as `(5 < x) < 7`: two thresholds, neither the rule's alone.
    if is_comparison(watched) {
        return None;
    }
    Some(Comparison {
        watched: watched.to_string(),
        op,
        value,
    })
}

fn without_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(inner) = expr {
        expr = &inner.expr;
    }
    expr
}

fn is_comparison(expr: &Expr) -> bool {
    matches!(expr, Expr::Binary(BinaryExpr { op, .. }) if op.is_comparison_operator())
}

/// `5`, `-5`, `(0.5)`, `0x10`, `Inf`: a number literal, perhaps signed or parenthesised.
fn number(expr: &Expr) -> Option<f64> {
    match without_parens(expr) {
        Expr::NumberLiteral(n) => Some(n.val),
        Expr::Unary(negated) => number(&negated.expr).map(|n| -n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(expr: &str) -> Vec<String> {
        metric_names(expr).into_iter().collect()
    }

    #[test]
    fn metric_names_skip_functions_labels_and_durations() {
        assert_eq!(
            names("histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 0.5"),
            ["http_request_duration_seconds_bucket"]
        );
        assert_eq!(
            names("sum by (pool) (rate(db_read_write_split_total{job=\"x\", pool=~\"r.*\"}[5m]))"),
            ["db_read_write_split_total"]
        );
        assert_eq!(
            names(
                "(1 - (rate(websocket_batches_sent_total[5m]) / \n rate(websocket_messages_total[5m]))) * 100"
            ),
            ["websocket_batches_sent_total", "websocket_messages_total"]
        );
        assert_eq!(
            names("a / on (instance) group_left(version) b offset 5m"),
            ["a", "b"]
        );
        assert_eq!(
            names("instance:api_request_rate > 10"),
            ["instance:api_request_rate"]
        );
        assert_eq!(names("{__name__=\"up\", job=\"x\"} == 0"), ["up"]);
        assert!(names("{__name__=~\"up|down\"}").is_empty());
        assert_eq!(
            names(
                "max_over_time(x[10m:1m]) > Inf or label_replace(y, \"a\", \"$1\", \"b\", \"(.*)\")"
            ),
            ["x", "y"]
        );
        assert_eq!(names("topk(3, sum without (le) (z))"), ["z"]);
        assert_eq!(names("quantile(scalar(q), z)"), ["q", "z"]);
        assert!(names("vector(1) + time()").is_empty());
        // Nothing is guessed from an expression that does not parse.
        assert!(names("up{job=\"x").is_empty());
    }

    #[test]
    fn thresholds_are_read_either_way_round() {
        let t = comparison("db_replication_lag_seconds > 5").unwrap();
        assert_eq!((t.op, t.value), (CmpOp::Greater, 5.0));
        assert_eq!(t.watched, "db_replication_lag_seconds");
        assert_eq!(
            t.metric_names().into_iter().collect::<Vec<_>>(),
            ["db_replication_lag_seconds"]
        );
        let t = comparison("0.9 <= cache_hit_ratio").unwrap();
        assert_eq!((t.op, t.value), (CmpOp::GreaterEqual, 0.9));
        assert_eq!(t.watched, "cache_hit_ratio");
        let t = comparison("(sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))) < 1e-2")
            .unwrap();
        assert_eq!((t.op, t.value), (CmpOp::Less, 0.01));
        assert_eq!(
            t.watched,
            "(sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])))"
        );
        let t = comparison("(x > -3)").unwrap();
        assert_eq!((t.op, t.value), (CmpOp::Greater, -3.0));
        assert_eq!(comparison("x > 0x10").unwrap().value, 16.0);
        assert_eq!(comparison("x > -(5)").unwrap().value, -5.0);
    }

    #[test]
    fn the_watched_side_is_the_whole_other_operand() {
        let c = comparison(
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5",
        )
        .unwrap();
        assert_eq!(
            c.watched,
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"
        );
        // The comparison operator may appear inside the watched side too.
        let c = comparison("count(x > 3) >= 2").unwrap();
        assert_eq!(
            (c.watched.as_str(), c.op, c.value),
            ("count(x > 3)", CmpOp::GreaterEqual, 2.0)
        );
    }

    #[test]
    fn other_shapes_have_no_comparison() {
        for expr in [
            "up == 0",
            "x > bool 5",
            "x > 5 and y > 3",
            "x > y",
            "5 < x < 7",
            "absent(up)",
            "x > 5 * 60",
            "x > (",
        ] {
            assert_eq!(comparison(expr), None, "{expr}");
        }
    }

    #[test]
    fn higher_is_worse_for_greater_than() {
        assert!(CmpOp::Greater.higher_is_worse());
        assert!(CmpOp::GreaterEqual.higher_is_worse());
        assert!(!CmpOp::Less.higher_is_worse());
        assert!(!CmpOp::LessEqual.higher_is_worse());
    }
}
