//! Answers to on-demand range queries, so zooming back, re-opening a view or redrawing
//! never asks Prometheus twice, and a view keeps showing its last answer while the next
//! one loads. A query that fails (a timeout, a 500) shows its error in the view and is
//! asked again with a growing backoff, not on every refresh.

use crate::event::RangeRequest;
use crate::prom::{PromError, Series};
use std::collections::HashMap;

/// Answers kept at most; the least recently used go first.
const CAPACITY: usize = 64;
/// A request unanswered for this long is sent again (its answer was lost).
const LOST_AFTER: f64 = 30.0;
/// A failed query is retried after this long, doubling with each failure in a row…
const RETRY_AFTER: f64 = 10.0;
/// …up to this.
const MAX_RETRY_AFTER: f64 = 300.0;

#[derive(Debug)]
struct Entry {
    answer: Option<Result<Vec<Series>, PromError>>,
    /// When the request was sent or answered (app clock).
    at: f64,
    used: u64,
}

/// What a view can show for a request.
#[derive(Clone, Copy, Debug)]
pub enum Lookup<'a> {
    Loading,
    Failed(&'a PromError),
    /// Series of this request, or of an earlier one of the same query while it loads.
    Ready(&'a [Series]),
}

/// One query at one resolution: a live view asks for it again with a later end every
/// refresh, and those requests share their failures.
type QueryKey = (String, u32, i64);

fn query_key(request: &RangeRequest) -> QueryKey {
    (
        request.expr.clone(),
        request.step,
        request.end - request.start,
    )
}

/// The failures in a row of one query, and the last error.
#[derive(Debug)]
struct Failing {
    count: u32,
    /// When the last failure arrived (app clock).
    at: f64,
    error: PromError,
}

impl Failing {
    /// Seconds to wait after the last failure before asking again.
    fn backoff(&self) -> f64 {
        let doublings = self.count.saturating_sub(1).min(16);
        (RETRY_AFTER * f64::from(1u32 << doublings)).min(MAX_RETRY_AFTER)
    }
}

#[derive(Debug, Default)]
pub struct RangeCache {
    entries: HashMap<RangeRequest, Entry>,
    failing: HashMap<QueryKey, Failing>,
    uses: u64,
}

impl RangeCache {
    /// Marks `request` as needed at `now`; true when it must be sent.
    pub fn want(&mut self, request: &RangeRequest, now: f64) -> bool {
        self.uses += 1;
        let uses = self.uses;
        let backing_off = self
            .failing
            .get(&query_key(request))
            .is_some_and(|f| now - f.at < f.backoff());
        if let Some(entry) = self.entries.get_mut(request) {
            entry.used = uses;
            let resend = match &entry.answer {
                None => now - entry.at > LOST_AFTER,
                Some(Err(_)) => !backing_off,
                Some(Ok(_)) => false,
            };
            if resend {
                entry.at = now;
            }
            return resend;
        }
        if backing_off {
            return false;
        }
        self.entries.insert(
            request.clone(),
            Entry {
                answer: None,
                at: now,
                used: uses,
            },
        );
        self.evict();
        true
    }

    pub fn answer(
        &mut self,
        request: RangeRequest,
        result: Result<Vec<Series>, PromError>,
        now: f64,
    ) {
        match &result {
            Err(error) => {
                let failing = self.failing.entry(query_key(&request)).or_insert(Failing {
                    count: 0,
                    at: now,
                    error: error.clone(),
                });
                failing.count += 1;
                failing.at = now;
                failing.error = error.clone();
            }
            Ok(_) => {
                self.failing.remove(&query_key(&request));
            }
        }
        // An answer nobody waits for any more (evicted meanwhile) is still worth keeping.
        self.uses += 1;
        self.entries.insert(
            request,
            Entry {
                answer: Some(result),
                at: now,
                used: self.uses,
            },
        );
        self.evict();
    }

    /// The answer to `request`; while it loads, the newest answer of the same query at the
    /// same resolution, so a live view never blanks between refreshes; and while the query
    /// keeps failing, its error, so a view never waits in silence.
    pub fn lookup(&self, request: &RangeRequest) -> Lookup<'_> {
        match self.entries.get(request).and_then(|e| e.answer.as_ref()) {
            Some(Ok(series)) => return Lookup::Ready(series),
            Some(Err(e)) => return Lookup::Failed(e),
            None => {}
        }
        if let Some(failing) = self.failing.get(&query_key(request)) {
            return Lookup::Failed(&failing.error);
        }
        let span = request.end - request.start;
        self.entries
            .iter()
            .filter(|(r, _)| {
                r.expr == request.expr && r.step == request.step && r.end - r.start == span
            })
            .filter_map(|(r, e)| match &e.answer {
                Some(Ok(series)) => Some((r.end, series)),
                _ => None,
            })
            .max_by_key(|(end, _)| *end)
            .map_or(Lookup::Loading, |(_, series)| Lookup::Ready(series))
    }

    /// Seconds until a failing query of `request` is asked again, if it is failing.
    #[cfg(test)]
    fn retry_in(&self, request: &RangeRequest, now: f64) -> Option<f64> {
        let failing = self.failing.get(&query_key(request))?;
        Some((failing.at + failing.backoff() - now).max(0.0))
    }

    fn evict(&mut self) {
        while self.entries.len() > CAPACITY {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(r, _)| r.clone())
            else {
                return;
            };
            self.entries.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(end: i64) -> RangeRequest {
        RangeRequest {
            expr: "up".into(),
            start: end - 3600,
            end,
            step: 10,
        }
    }

    fn series(v: f64) -> Vec<Series> {
        vec![Series {
            labels: Default::default(),
            points: vec![(0.0, v)],
        }]
    }

    #[test]
    fn a_request_is_sent_once_and_answered_from_the_cache() {
        let mut cache = RangeCache::default();
        assert!(cache.want(&request(100), 0.0));
        assert!(!cache.want(&request(100), 1.0), "in flight");
        assert!(matches!(cache.lookup(&request(100)), Lookup::Loading));
        cache.answer(request(100), Ok(series(1.0)), 2.0);
        assert!(!cache.want(&request(100), 3.0));
        assert!(matches!(cache.lookup(&request(100)), Lookup::Ready(s) if s[0].points[0].1 == 1.0));
    }

    #[test]
    fn the_previous_answer_shows_while_the_next_loads() {
        let mut cache = RangeCache::default();
        cache.answer(request(100), Ok(series(1.0)), 0.0);
        cache.answer(request(105), Ok(series(2.0)), 0.0);
        assert!(cache.want(&request(110), 0.0));
        assert!(matches!(cache.lookup(&request(110)), Lookup::Ready(s) if s[0].points[0].1 == 2.0));
    }

    #[test]
    fn failures_and_lost_requests_are_retried_later() {
        let mut cache = RangeCache::default();
        cache.want(&request(100), 0.0);
        assert!(!cache.want(&request(100), 10.0));
        assert!(cache.want(&request(100), 31.0), "lost");
        cache.answer(request(100), Err(PromError::Decode("x".into())), 40.0);
        assert!(matches!(cache.lookup(&request(100)), Lookup::Failed(_)));
        assert!(!cache.want(&request(100), 45.0));
        assert!(cache.want(&request(100), 51.0));
    }

    #[test]
    fn a_live_view_whose_query_times_out_shows_the_error_and_backs_off() {
        let mut cache = RangeCache::default();
        let timeout = || Err(PromError::Timeout(std::time::Duration::from_secs(10)));
        assert!(cache.want(&request(100), 0.0));
        cache.answer(request(100), timeout(), 10.0);
        // The next refresh asks for a later end: the same query, failing.
        assert!(!cache.want(&request(102), 12.0), "not on every refresh");
        assert!(matches!(
            cache.lookup(&request(102)),
            Lookup::Failed(PromError::Timeout(_))
        ));
        assert_eq!(cache.retry_in(&request(102), 12.0), Some(8.0));
        assert!(cache.want(&request(120), 21.0), "after the backoff");
        cache.answer(request(120), timeout(), 31.0);
        assert!(!cache.want(&request(140), 45.0), "backoff doubled to 20 s");
        assert!(cache.want(&request(160), 52.0));
        cache.answer(request(160), Ok(series(3.0)), 53.0);
        assert!(
            matches!(cache.lookup(&request(162)), Lookup::Ready(_)),
            "recovered"
        );
        assert_eq!(cache.retry_in(&request(162), 53.0), None);
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut cache = RangeCache::default();
        for end in 0..200 {
            cache.answer(request(end), Ok(series(1.0)), 0.0);
        }
        assert_eq!(cache.entries.len(), CAPACITY);
    }
}
