//! What the dashboard knows: for every query, its series with bounded history, the latest
//! evaluation and the latest error. No IO and no clock: times come in with the data.

pub(crate) mod range_cache;
pub(crate) mod server;

use crate::config::layout::QueryDef;
use crate::model::Labels;
use crate::prom::AlertState;
use crate::prom::decode::MAX_SERIES_PER_ANSWER;
use crate::prom::{PromError, Sample, Series};
use std::collections::VecDeque;
use std::time::Duration;

/// Points kept per series at most; history is thinned on append so that this many points
/// always span the panel's whole window (memory does not grow with uptime).
pub const POINTS_PER_SERIES: usize = 2048;
/// Series kept per query at most; a query that returns more is cut and says so.
pub const MAX_SERIES: usize = 500;
// An answer, cut while parsing, still carries every series the store can keep.
const _: () = assert!(MAX_SERIES <= MAX_SERIES_PER_ANSWER);

#[derive(Clone, Debug)]
pub struct SeriesData {
    pub labels: Labels,
    points: VecDeque<(f64, f64)>,
}

impl SeriesData {
    pub fn points(&self) -> impl DoubleEndedIterator<Item = (f64, f64)> + ExactSizeIterator + '_ {
        self.points.iter().copied()
    }

    pub fn latest(&self) -> Option<(f64, f64)> {
        self.points.back().copied()
    }

    pub fn first(&self) -> Option<(f64, f64)> {
        self.points.front().copied()
    }
}

#[derive(Clone, Debug)]
pub struct QueryData {
    pub series: Vec<SeriesData>,
    /// Evaluation time of the latest successful instant query.
    pub last_eval: Option<f64>,
    /// The latest attempt's error; cleared by the next success.
    pub error: Option<PromError>,
    /// How long the latest answer took.
    pub latency: Option<Duration>,
    /// Series left out of the latest answer because it had more than [`MAX_SERIES`].
    pub dropped_series: usize,
    /// Series in the latest answer as the server counted them, those left out included.
    pub returned_series: usize,
    /// Series the next answer (evaluated at the time given) held beyond those it brings.
    omitted: Option<(f64, usize)>,
    /// The server's warnings with the latest answer: its data may be partial.
    pub warnings: Vec<String>,
    /// The warnings of the next answer (evaluated at the time given).
    pending_warnings: Option<(f64, Vec<String>)>,
    /// The state of the active alerts that watch this query's metrics, if any.
    pub alert: Option<AlertState>,
    /// The metrics the expression reads (to match it with alerts).
    metrics: std::collections::BTreeSet<String>,
    /// The PromQL polled (to explain an empty answer).
    pub expr: String,
    /// Seconds of history kept; zero keeps only the latest value.
    window: f64,
    /// Minimum spacing of kept points, so that [`POINTS_PER_SERIES`] span the window.
    spacing: f64,
}

impl QueryData {
    fn new(def: &QueryDef) -> Self {
        let window = def.history.map_or(0.0, |w| w.as_secs_f64());
        Self {
            metrics: crate::alerts::metric_names(&def.expr),
            expr: def.expr.clone(),
            ..Self::empty(window)
        }
    }

    fn empty(window: f64) -> Self {
        Self {
            series: Vec::new(),
            last_eval: None,
            error: None,
            latency: None,
            dropped_series: 0,
            returned_series: 0,
            omitted: None,
            warnings: Vec::new(),
            pending_warnings: None,
            alert: None,
            metrics: Default::default(),
            expr: String::new(),
            window,
            spacing: window / POINTS_PER_SERIES as f64,
        }
    }

    fn capacity(&self) -> usize {
        if self.window > 0.0 {
            POINTS_PER_SERIES
        } else {
            1
        }
    }

    /// Series present in the latest evaluation, with their value at that time.
    pub fn current(&self) -> impl Iterator<Item = (&SeriesData, f64)> {
        let at = self.last_eval;
        self.series
            .iter()
            .filter_map(move |s| match (s.latest(), at) {
                (Some((t, v)), Some(at)) if (t - at).abs() < 1e-3 => Some((s, v)),
                _ => None,
            })
    }

    fn series_mut(&mut self, labels: &Labels) -> Option<&mut SeriesData> {
        match self.series.binary_search_by(|s| s.labels.cmp(labels)) {
            Ok(i) => Some(&mut self.series[i]),
            Err(i) if self.series.len() < MAX_SERIES => {
                self.series.insert(
                    i,
                    SeriesData {
                        labels: labels.clone(),
                        points: VecDeque::new(),
                    },
                );
                Some(&mut self.series[i])
            }
            Err(_) => None,
        }
    }

    fn push(&mut self, labels: &Labels, time: f64, value: f64) -> bool {
        let (capacity, spacing) = (self.capacity(), self.spacing);
        let Some(series) = self.series_mut(labels) else {
            return false;
        };
        let len = series.points.len();
        if let Some(&(last_time, _)) = series.points.back() {
            if time <= last_time {
                return true;
            }
            // Too close to the previous point for the window's resolution: the newer
            // value replaces the last one, so the latest value is always exact.
            if len > 1 && time - series.points[len - 2].0 < spacing {
                series.points[len - 1] = (time, value);
                return true;
            }
        }
        // Room is made before the push: pushing into a full deque would double its
        // allocation for good, though it never holds more than `capacity` points.
        while series.points.len() >= capacity {
            series.points.pop_front();
        }
        series.points.push_back((time, value));
        true
    }
}

#[derive(Clone, Debug, Default)]
pub struct Store {
    queries: Vec<QueryData>,
    /// What is paging, and which metrics it watches.
    pub alerts: crate::alerts::board::AlertBoard,
    /// Targets, server facts, metadata answers and annotation samples.
    pub server: server::ServerState,
}

impl Store {
    pub fn new(defs: &[QueryDef]) -> Self {
        Self {
            queries: defs.iter().map(QueryData::new).collect(),
            alerts: crate::alerts::board::AlertBoard::default(),
            server: server::ServerState::default(),
        }
    }

    /// Forgets all data (a replay jumping in time), keeping what is polled and the rules.
    pub fn reset(&mut self) {
        for query in &mut self.queries {
            *query = QueryData {
                metrics: std::mem::take(&mut query.metrics),
                expr: std::mem::take(&mut query.expr),
                ..QueryData::empty(query.window)
            };
        }
        self.alerts.reset();
        self.server = server::ServerState {
            annotations: std::mem::take(&mut self.server.annotations),
            ..server::ServerState::default()
        };
    }

    /// Forgets what query `id` answered: its expression changed (a template variable's new
    /// selection), so its history starts over.
    pub fn reset_query(&mut self, id: usize) {
        if let Some(query) = self.queries.get_mut(id) {
            *query = QueryData {
                metrics: std::mem::take(&mut query.metrics),
                ..QueryData::empty(query.window)
            };
        }
    }

    pub fn query(&self, id: usize) -> Option<&QueryData> {
        self.queries.get(id)
    }

    pub fn queries(&self) -> &[QueryData] {
        &self.queries
    }

    /// Counts the series the next answer of query `id`, evaluated `at`, held beyond those
    /// it brings.
    pub fn ingest_omitted(&mut self, id: usize, at: f64, count: usize) {
        if let Some(query) = self.queries.get_mut(id) {
            query.omitted = Some((at, count));
        }
    }

    /// Keeps the warnings of the next answer of query `id`, evaluated `at`.
    pub fn ingest_warnings(&mut self, id: usize, at: f64, warnings: Vec<String>) {
        if let Some(query) = self.queries.get_mut(id) {
            query.pending_warnings = Some((at, warnings));
        }
    }

    /// Records an instant query's answer (or failure) evaluated at `at`.
    pub fn ingest_instant(
        &mut self,
        id: usize,
        at: f64,
        result: Result<Vec<Sample>, PromError>,
        latency: Duration,
    ) {
        // Local rules see the whole answer as parsed, before the store cuts huge ones.
        if self.alerts.evaluate(id, at, result.as_deref()) {
            self.mark_alerted();
        }
        let Some(query) = self.queries.get_mut(id) else {
            return;
        };
        query.latency = Some(latency);
        match result {
            Ok(samples) => {
                query.error = None;
                query.last_eval = Some(at);
                let omitted = match query.omitted.take() {
                    Some((of, count)) if of == at => count,
                    _ => 0,
                };
                query.dropped_series = omitted;
                query.warnings = match query.pending_warnings.take() {
                    Some((of, warnings)) if of == at => warnings,
                    _ => Vec::new(),
                };
                query.returned_series = samples.len() + omitted;
                for sample in samples {
                    // Prometheus stamps instant results with the evaluation time we asked for.
                    if !query.push(&sample.labels, at, sample.value) {
                        query.dropped_series += 1;
                    }
                }
            }
            Err(err) => query.error = Some(err),
        }
    }

    /// Tells every query whether an active alert watches one of its metrics.
    pub fn mark_alerted(&mut self) {
        for query in &mut self.queries {
            query.alert = self.alerts.state_for(&query.metrics);
        }
    }

    /// Merges a range query's answer into the history (backfill after start or a gap).
    pub fn ingest_range(&mut self, id: usize, result: Result<Vec<Series>, PromError>) {
        let Some(query) = self.queries.get_mut(id) else {
            return;
        };
        let series = match result {
            Ok(series) => series,
            Err(err) => {
                query.error = Some(err);
                return;
            }
        };
        // One answer's cut, not a running total: the same series arrive again and again.
        let mut dropped = 0;
        query.returned_series = query.returned_series.max(series.len());
        for incoming in series {
            let Some(existing) = query.series_mut(&incoming.labels) else {
                dropped += 1;
                continue;
            };
            let mut merged: Vec<(f64, f64)> =
                existing.points.drain(..).chain(incoming.points).collect();
            merged.sort_by(|a, b| a.0.total_cmp(&b.0));
            merged.dedup_by(|later, earlier| (later.0 - earlier.0).abs() < 1e-3);
            let labels = incoming.labels;
            for (time, value) in merged {
                query.push(&labels, time, value);
            }
        }
        query.dropped_series = query.dropped_series.max(dropped);
    }

    /// Forgets points older than each query's window before `now`, and series left empty.
    pub fn prune(&mut self, now: f64) {
        for query in &mut self.queries {
            let horizon = now - query.window;
            for series in &mut query.series {
                // The latest point stays until newer data replaces it: a stale value
                // is shown as stale, not silently dropped.
                while series.points.len() > 1
                    && series.points.front().is_some_and(|p| p.0 < horizon)
                {
                    series.points.pop_front();
                }
            }
            let last_eval = query.last_eval.unwrap_or(f64::NEG_INFINITY);
            query.series.retain(|s| {
                s.latest()
                    .is_some_and(|(t, _)| t >= horizon || t >= last_eval)
            });
        }
    }

    /// Points held in total: what memory use is proportional to.
    pub fn point_count(&self) -> usize {
        self.queries
            .iter()
            .flat_map(|q| &q.series)
            .map(|s| s.points.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(history_secs: Option<u64>) -> QueryDef {
        QueryDef {
            expr: "x".into(),
            history: history_secs.map(Duration::from_secs),
        }
    }

    fn sample(replica: &str, value: f64) -> Sample {
        Sample {
            labels: [("replica".to_string(), replica.to_string())].into(),
            time: 0.0,
            value,
        }
    }

    #[test]
    fn instant_answers_become_current_values() {
        let mut store = Store::new(&[def(Some(60))]);
        store.ingest_instant(
            0,
            100.0,
            Ok(vec![sample("r1", 1.0), sample("r2", 7.0)]),
            Duration::ZERO,
        );
        store.ingest_instant(0, 105.0, Ok(vec![sample("r2", 8.0)]), Duration::ZERO);
        let q = store.query(0).unwrap();
        let current: Vec<f64> = q.current().map(|(_, v)| v).collect();
        assert_eq!(current, vec![8.0], "r1 vanished from the latest answer");
        assert_eq!(q.series.len(), 2, "but its history stays for the chart");
    }

    #[test]
    fn errors_keep_the_last_good_data() {
        let mut store = Store::new(&[def(None)]);
        store.ingest_instant(0, 1.0, Ok(vec![sample("r1", 1.0)]), Duration::ZERO);
        store.ingest_instant(
            0,
            2.0,
            Err(PromError::Timeout(Duration::from_secs(1))),
            Duration::ZERO,
        );
        let q = store.query(0).unwrap();
        assert!(q.error.is_some());
        assert_eq!(q.last_eval, Some(1.0));
        assert_eq!(q.current().count(), 1);
        store.ingest_instant(0, 3.0, Ok(vec![]), Duration::ZERO);
        assert!(store.query(0).unwrap().error.is_none());
    }

    #[test]
    fn memory_is_bounded_over_long_uptimes() {
        let mut store = Store::new(&[def(Some(900)), def(None)]);
        // A week at one sample per second.
        for t in 0..(7 * 86_400) {
            let at = f64::from(t);
            store.ingest_instant(0, at, Ok(vec![sample("r1", at)]), Duration::ZERO);
            store.ingest_instant(1, at, Ok(vec![sample("r1", at)]), Duration::ZERO);
            if t % 60 == 0 {
                store.prune(at);
            }
        }
        assert!(
            store.point_count() <= POINTS_PER_SERIES + 1,
            "{}",
            store.point_count()
        );
        let series = &store.query(0).unwrap().series[0];
        let span = series.latest().unwrap().0 - series.first().unwrap().0;
        assert!(
            (800.0..=960.0).contains(&span),
            "history spans the window: {span}"
        );
        assert_eq!(
            series.latest().unwrap().1,
            f64::from(7 * 86_400 - 1),
            "latest value exact"
        );
    }

    #[test]
    fn huge_answers_are_cut_and_counted() {
        let mut store = Store::new(&[def(None)]);
        let samples: Vec<Sample> = (0..MAX_SERIES + 7)
            .map(|i| sample(&format!("r{i:04}"), 1.0))
            .collect();
        store.ingest_instant(0, 1.0, Ok(samples), Duration::ZERO);
        let q = store.query(0).unwrap();
        assert_eq!(q.series.len(), MAX_SERIES);
        assert_eq!(q.dropped_series, 7);
        assert_eq!(q.returned_series, MAX_SERIES + 7);
    }

    #[test]
    fn series_cut_while_parsing_are_counted_not_stored() {
        let mut store = Store::new(&[def(None)]);
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            (0..MAX_SERIES_PER_ANSWER + 100)
                .map(|i| format!(r#"{{"metric":{{"s":"{i:05}"}},"value":[1,"1"]}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        let answer = crate::prom::api::parse_instant(200, body.as_bytes()).unwrap();
        store.ingest_omitted(0, 1.0, answer.omitted);
        store.ingest_instant(0, 1.0, Ok(answer.samples), Duration::ZERO);
        let q = store.query(0).unwrap();
        assert_eq!(q.series.len(), MAX_SERIES);
        assert_eq!(q.returned_series, MAX_SERIES_PER_ANSWER + 100);
        assert_eq!(q.dropped_series, MAX_SERIES_PER_ANSWER + 100 - MAX_SERIES);
    }

    #[test]
    fn backfill_merges_under_live_points() {
        let mut store = Store::new(&[def(Some(60))]);
        store.ingest_instant(0, 100.0, Ok(vec![sample("r1", 5.0)]), Duration::ZERO);
        let labels = sample("r1", 0.0).labels;
        store.ingest_range(
            0,
            Ok(vec![Series {
                labels,
                points: vec![(50.0, 1.0), (75.0, 2.0), (100.0, 5.0)],
            }]),
        );
        let points: Vec<_> = store.query(0).unwrap().series[0].points().collect();
        assert_eq!(points, vec![(50.0, 1.0), (75.0, 2.0), (100.0, 5.0)]);
        store.prune(130.0);
        let points: Vec<_> = store.query(0).unwrap().series[0].points().collect();
        assert_eq!(points, vec![(75.0, 2.0), (100.0, 5.0)]);
    }
}
