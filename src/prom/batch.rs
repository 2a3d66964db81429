//! Several instant queries asked as one: each tagged with its place by `label_replace`, the
//! tags joined with `or`, the one answer split back by tag. A refresh of a dozen panels
//! then costs the client, the network and Prometheus one request instead of a dozen.
//!
//! Only instant-vector expressions can be tagged, and a `sort…()` keeps its order only at
//! the top of a query: the caller checks both ([`can_join`]) and asks anything else alone. An answer that cannot be told apart exactly (a series
//! without its tag, a cut answer, the server's warnings, which name no query) is refused
//! whole, so that the caller asks its queries one by one and each gets its own answer.

use super::PromError;
use super::api::{InstantAnswer, Sample};
use promql_parser::parser::Expr;
use promql_parser::parser::value::ValueType;

/// The label that carries each series' query. A name no exporter uses: a label of this
/// name already on a series would be overwritten by the tag.
const TAG: &str = "spheroseg_top_query";

/// True when `expr` may be asked together with others: PromQL whose value is an instant
/// vector, and not sorted (its order would be lost inside the batch).
pub fn can_join(expr: &str) -> bool {
    let Ok(mut expr) = promql_parser::parser::parse(expr) else {
        return false;
    };
    while let Expr::Paren(inner) = expr {
        expr = *inner.expr;
    }
    let sorted = matches!(&expr, Expr::Call(call) if call.func.name.starts_with("sort"));
    expr.value_type() == ValueType::Vector && !sorted
}

/// The one expression that asks all of `exprs`. Each stands on lines of its own, so that a
/// `#` comment in one ends with that line and cannot swallow the rest.
pub fn combined<S: AsRef<str>>(exprs: &[S]) -> String {
    exprs
        .iter()
        .enumerate()
        .map(|(place, expr)| {
            format!(
                "label_replace(\n{}\n, \"{TAG}\", \"{place}\", \"\", \"\")",
                expr.as_ref()
            )
        })
        .collect::<Vec<_>>()
        .join(" or\n")
}

/// The combined answer split into each query's samples, in the order of the queries;
/// refused when it cannot be split exactly.
pub fn split(answer: InstantAnswer, queries: usize) -> Result<Vec<Vec<Sample>>, PromError> {
    let refuse = |why: &str| Err(PromError::Decode(format!("a combined answer {why}")));
    if answer.omitted > 0 {
        return refuse("was cut");
    }
    if !answer.warnings.is_empty() {
        return refuse("came with warnings that name no query");
    }
    let mut answers = vec![Vec::new(); queries];
    for mut sample in answer.samples {
        let place = sample
            .labels
            .remove(TAG)
            .and_then(|tag| tag.parse::<usize>().ok());
        match place.and_then(|place| answers.get_mut(place)) {
            Some(samples) => samples.push(sample),
            None => return refuse("held a series of no query"),
        }
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::labels::Labels;

    fn sample(pairs: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Labels>(),
            time: 1.0,
            value,
        }
    }

    fn answer(samples: Vec<Sample>) -> InstantAnswer {
        InstantAnswer {
            samples,
            omitted: 0,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn only_unsorted_instant_vectors_join() {
        assert!(can_join("sum(rate(x[5m])) by (job)"));
        assert!(can_join("up == 1"));
        assert!(can_join("topk(3, up)"));
        assert!(can_join("sum(sort_desc(up))"));
        assert!(!can_join("scalar(up)"));
        assert!(!can_join("1 + 2"));
        assert!(!can_join("up[5m]"));
        assert!(!can_join("sum(("));
        assert!(!can_join("sort_desc(topk(3, up))"));
        assert!(!can_join("(sort_by_label(up, \"job\"))"));
    }

    #[test]
    fn each_query_is_tagged_on_lines_of_its_own() {
        let text = combined(&["up # a comment", "sum(x)"]);
        assert_eq!(
            text,
            "label_replace(\nup # a comment\n, \"spheroseg_top_query\", \"0\", \"\", \"\") or\n\
             label_replace(\nsum(x)\n, \"spheroseg_top_query\", \"1\", \"\", \"\")"
        );
        assert!(can_join(&text), "{text}");
    }

    #[test]
    fn an_answer_splits_by_tag_and_loses_the_tag() {
        let split = split(
            answer(vec![
                sample(&[("job", "a"), (TAG, "1")], 2.0),
                sample(&[("job", "b"), (TAG, "1")], 3.0),
                sample(&[(TAG, "0")], 1.0),
            ]),
            3,
        )
        .unwrap();
        assert_eq!(split[0], vec![sample(&[], 1.0)]);
        assert_eq!(
            split[1],
            vec![sample(&[("job", "a")], 2.0), sample(&[("job", "b")], 3.0)]
        );
        assert!(split[2].is_empty());
    }

    #[test]
    fn what_cannot_be_told_apart_is_refused() {
        let untagged = answer(vec![sample(&[("job", "a")], 1.0)]);
        let beyond = answer(vec![sample(&[(TAG, "2")], 1.0)]);
        let mut cut = answer(vec![sample(&[(TAG, "0")], 1.0)]);
        cut.omitted = 1;
        let mut warned = answer(vec![sample(&[(TAG, "0")], 1.0)]);
        warned.warnings.push("partial".into());
        for refused in [untagged, beyond, cut, warned] {
            assert!(matches!(split(refused, 2), Err(PromError::Decode(_))));
        }
    }
}
