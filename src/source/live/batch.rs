//! Which of a refresh's instant queries go out together as one request
//! ([`crate::prom::batch`]), and which alone. A query joins a batch once it has shown, asked
//! alone or in a batch, that it is cheap and clean: an instant vector whose last answer was
//! fast, small, whole and without warnings. So a slow or huge query keeps delaying nothing
//! else, a failing one keeps its own error, and a batch the server refuses breaks up: its
//! queries are asked alone at once and for a while after.

use super::job::Outcome;
use crate::config::layout::{QueryDef, QueryId};
use crate::event::DataEvent;
use crate::prom::batch::can_join;
use std::time::Duration;
use tokio::time::Instant;

/// A query whose share of its last answer took longer stays alone.
const FAST: Duration = Duration::from_millis(100);
/// What a batch may be expected to take at most, summed over its queries' shares.
const BUDGET: Duration = Duration::from_millis(250);
/// A query whose last answer had more series stays alone.
const MAX_SERIES: usize = 500;
/// The series a batch may be expected to hold at most, far below what an answer keeps
/// ([`crate::prom::decode::MAX_SERIES_PER_ANSWER`]).
const MAX_SERIES_TOGETHER: usize = 2_000;
const MAX_QUERIES: usize = 32;
/// How long the queries of a batch the server refused are asked alone.
const ALONE_AFTER_REFUSAL: Duration = Duration::from_secs(300);

#[derive(Clone, Copy, Default)]
struct Member {
    /// Its expression may join a batch ([`can_join`]); `None` until looked at.
    joins: Option<bool>,
    /// What its last answer cost, when it was clean.
    last: Option<Cost>,
    /// Asked alone until then: a batch with it was refused.
    alone_until: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Cost {
    series: usize,
    /// Its share of the request's time.
    time: Duration,
}

pub(super) struct Batcher {
    members: Vec<Member>,
}

impl Batcher {
    pub(super) fn new(queries: usize) -> Self {
        Self {
            members: vec![Member::default(); queries],
        }
    }

    /// Splits `ids` into batches of two or more, and the queries asked alone.
    pub(super) fn group(
        &mut self,
        ids: Vec<QueryId>,
        queries: &[QueryDef],
        now: Instant,
    ) -> (Vec<Vec<QueryId>>, Vec<QueryId>) {
        let mut batches = Vec::new();
        let mut alone = Vec::new();
        let mut batch = Vec::new();
        let (mut time, mut series) = (Duration::ZERO, 0);
        for id in ids {
            let Some(cost) = self.fits(id, queries, now) else {
                alone.push(id);
                continue;
            };
            let full = batch.len() == MAX_QUERIES
                || time + cost.time > BUDGET
                || series + cost.series > MAX_SERIES_TOGETHER;
            if full {
                batches.push(std::mem::take(&mut batch));
                (time, series) = (Duration::ZERO, 0);
            }
            batch.push(id);
            time += cost.time;
            series += cost.series;
        }
        batches.push(batch);
        let (batches, single): (Vec<_>, Vec<_>) = batches.into_iter().partition(|b| b.len() > 1);
        alone.extend(single.into_iter().flatten());
        (batches, alone)
    }

    /// What query `id` is expected to cost in a batch, if it may join one.
    fn fits(&mut self, id: QueryId, queries: &[QueryDef], now: Instant) -> Option<Cost> {
        let member = self.members.get_mut(id)?;
        if member.alone_until.is_some_and(|until| now < until) {
            return None;
        }
        let joins = *member
            .joins
            .get_or_insert_with(|| queries.get(id).is_some_and(|q| can_join(&q.expr)));
        member.last.filter(|_| joins)
    }

    /// Learns from a finished job what its query costs; `together`: how many queries its
    /// request asked.
    pub(super) fn learn(&mut self, outcome: &Outcome, together: usize) {
        let Outcome::Event {
            event:
                DataEvent::Instant {
                    id,
                    result,
                    latency,
                    ..
                },
            omitted,
            warnings,
            ..
        } = outcome
        else {
            return;
        };
        let Some(member) = self.members.get_mut(*id) else {
            return;
        };
        let share = *latency / u32::try_from(together.max(1)).unwrap_or(u32::MAX);
        member.last = match result {
            Ok(samples) if *omitted == 0 && warnings.is_empty() => Some(Cost {
                series: samples.len(),
                time: share,
            }),
            _ => None,
        }
        .filter(|cost| cost.time < FAST && cost.series <= MAX_SERIES);
    }

    /// The server refused a batch with `ids` for something one of them is: each is asked
    /// alone for a while, and tells its own answer.
    pub(super) fn refused(&mut self, ids: &[QueryId], now: Instant) {
        for id in ids {
            if let Some(member) = self.members.get_mut(*id) {
                member.alone_until = Some(now + ALONE_AFTER_REFUSAL);
            }
        }
    }

    /// Query `id` has a new expression: nothing known of it any more.
    pub(super) fn forget(&mut self, id: QueryId) {
        if let Some(member) = self.members.get_mut(id) {
            *member = Member::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::{PromError, Sample};

    fn queries(exprs: &[&str]) -> Vec<QueryDef> {
        exprs
            .iter()
            .map(|e| QueryDef {
                expr: e.to_string(),
                history: None,
            })
            .collect()
    }

    /// Query `id`'s answer: `series` samples (or an error) after `ms` milliseconds.
    fn answered(id: QueryId, series: Result<usize, PromError>, ms: u64) -> Outcome {
        Outcome::Event {
            job: None,
            event: DataEvent::Instant {
                id,
                at: 0.0,
                result: series.map(|n| {
                    (0..n)
                        .map(|_| Sample {
                            labels: Default::default(),
                            time: 0.0,
                            value: 1.0,
                        })
                        .collect()
                }),
                latency: Duration::from_millis(ms),
            },
            omitted: 0,
            warnings: Vec::new(),
            sent: Instant::now(),
        }
    }

    #[test]
    fn queries_join_once_they_have_answered_cheaply_and_cleanly() {
        let defs = queries(&["a", "b", "c", "scalar(d)", "e", "f"]);
        let mut batcher = Batcher::new(defs.len());
        let now = Instant::now();
        let all = || (0..defs.len()).collect::<Vec<_>>();
        // Nothing known yet: each alone.
        assert_eq!(batcher.group(all(), &defs, now), (vec![], all()));
        batcher.learn(&answered(0, Ok(3), 5), 1);
        // A batch's time is shared among its queries: 40 ms for two is 20 ms each.
        batcher.learn(&answered(1, Ok(1), 40), 2);
        batcher.learn(&answered(2, Ok(1), 40), 2);
        batcher.learn(&answered(3, Ok(1), 1), 1);
        batcher.learn(&answered(4, Ok(1), 150), 1);
        batcher.learn(&answered(5, Err(PromError::Decode("x".into())), 1), 1);
        // d is a scalar, e was slow, f failed.
        assert_eq!(
            batcher.group(all(), &defs, now),
            (vec![vec![0, 1, 2]], vec![3, 4, 5])
        );
        // Too many series, and then a clean answer again.
        batcher.learn(&answered(0, Ok(MAX_SERIES + 1), 1), 1);
        assert_eq!(batcher.group(vec![0, 1, 2], &defs, now).0, vec![vec![1, 2]]);
        batcher.learn(&answered(0, Ok(1), 1), 1);
        assert_eq!(
            batcher.group(vec![0, 1, 2], &defs, now).0,
            vec![vec![0, 1, 2]]
        );
        // A new expression is unknown again.
        batcher.forget(0);
        assert_eq!(batcher.group(vec![0, 1, 2], &defs, now).0, vec![vec![1, 2]]);
    }

    #[test]
    fn batches_stay_within_their_budget() {
        let defs = queries(&["a"; 12]);
        let mut batcher = Batcher::new(defs.len());
        for id in 0..12 {
            batcher.learn(&answered(id, Ok(400), 60), 1);
        }
        let (batches, alone) = batcher.group((0..12).collect(), &defs, Instant::now());
        // 60 ms each: four make 240 ms, within 250; 400 series each: five make 2,000.
        assert_eq!(
            batches,
            vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9, 10, 11]]
        );
        assert!(alone.is_empty());
    }

    #[test]
    fn a_refused_batch_s_queries_are_asked_alone_for_a_while() {
        let defs = queries(&["a", "b", "c"]);
        let mut batcher = Batcher::new(defs.len());
        for id in 0..3 {
            batcher.learn(&answered(id, Ok(1), 1), 1);
        }
        let now = Instant::now();
        batcher.refused(&[0, 1], now);
        assert_eq!(
            batcher.group(vec![0, 1, 2], &defs, now),
            (vec![], vec![0, 1, 2])
        );
        let later = now + ALONE_AFTER_REFUSAL;
        assert_eq!(
            batcher.group(vec![0, 1, 2], &defs, later).0,
            vec![vec![0, 1, 2]]
        );
    }
}
