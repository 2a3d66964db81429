//! What a drill chart shows, derived from range answers: its lines, and for every series
//! the statistics of the series table (current, min, avg, max, p95, time beyond the alert
//! threshold), worst first. Shared by the drill screen and by `App::update` (whose ↑/↓ walk
//! the same order the table shows).

use crate::config::layout::ChartSpec;
use crate::model::labels::legend;
use crate::model::{Direction, Labels, Status, Thresholds};
use crate::store::range_cache::Lookup;

/// A series of a drill chart: which backend (side by side), which of the spec's
/// queries, and its labels.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    pub backend: usize,
    pub query: usize,
    pub labels: Labels,
}

/// One chart's answers over its time range.
pub struct ChartData<'a> {
    pub spec: &'a ChartSpec,
    pub start: f64,
    pub end: f64,
    pub step: f64,
    /// Each backend's answers, the first backend's first (one for a run of one).
    pub backends: Vec<BackendAnswers<'a>>,
}

/// One backend's answers to a chart's queries.
pub struct BackendAnswers<'a> {
    /// Empty for the one backend of a run that names none.
    pub name: &'a str,
    /// One per query of the spec, in order.
    pub answers: Vec<Lookup<'a>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SeriesStats {
    /// The value at the inspect cursor, or the latest in range.
    pub current: Option<f64>,
    pub min: Option<f64>,
    pub avg: Option<f64>,
    pub max: Option<f64>,
    pub p95: Option<f64>,
    /// Seconds spent beyond the alert threshold within the range.
    pub beyond_alert: f64,
    /// When the current stretch beyond the alert threshold began, if it lasts to the end.
    pub beyond_since: Option<f64>,
}

pub struct SeriesRow<'a> {
    pub key: SeriesKey,
    /// The backend's name, side by side; empty for a run of one.
    pub backend: &'a str,
    pub legend: String,
    /// The series' points within the range, in time order.
    pub points: &'a [(f64, f64)],
    pub stats: SeriesStats,
    pub status: Status,
}

impl<'a> ChartData<'a> {
    /// Why the chart cannot show everything: still loading, or a query failed (side by
    /// side, the backend's name first).
    pub fn problem(&self) -> Option<(Status, String)> {
        self.backends.iter().find_map(|backend| {
            let (status, text) = backend.answers.iter().find_map(|a| match a {
                Lookup::Loading => Some((Status::NoData, "loading…".to_string())),
                Lookup::Failed(e) => Some((Status::Error, format!("⚠ {e}"))),
                Lookup::Ready(_) => None,
            })?;
            Some(match backend.name {
                "" => (status, text),
                name => (status, format!("{name}: {text}")),
            })
        })
    }

    /// Every series in range with its statistics, worst first across the backends.
    pub fn rows(&self, cursor: Option<f64>) -> Vec<SeriesRow<'a>> {
        let mut rows: Vec<SeriesRow<'a>> = (0..self.backends.len())
            .flat_map(|backend| self.backend_rows(backend, cursor))
            .collect();
        rows.sort_by(|a, b| worst_first(a, b, self.spec.thresholds.direction));
        rows
    }

    /// Backend `backend`'s series in range, in answer order.
    fn backend_rows(&self, backend: usize, cursor: Option<f64>) -> Vec<SeriesRow<'a>> {
        let thresholds = &self.spec.thresholds;
        let answers = &self.backends[backend];
        let mut rows = Vec::new();
        for (query, answer) in answers.answers.iter().enumerate() {
            let Lookup::Ready(series) = answer else {
                continue;
            };
            let legend_template = self
                .spec
                .queries
                .get(query)
                .and_then(|q| q.legend.as_deref());
            for s in series.iter() {
                let from = s.points.partition_point(|p| p.0 < self.start);
                let to = s.points.partition_point(|p| p.0 <= self.end);
                let points = &s.points[from..to];
                if points.is_empty() {
                    continue;
                }
                let stats = stats(points, thresholds, self.step, cursor);
                let status = match stats.current {
                    Some(v) if v.is_finite() => thresholds.classify(v),
                    _ => Status::NoData,
                };
                rows.push(SeriesRow {
                    key: SeriesKey {
                        backend,
                        query,
                        labels: s.labels.clone(),
                    },
                    backend: answers.name,
                    legend: legend(legend_template, &s.labels),
                    points,
                    stats,
                    status,
                });
            }
        }
        rows
    }
}

fn worst_first(a: &SeriesRow, b: &SeriesRow, direction: Direction) -> std::cmp::Ordering {
    let badness = |r: &SeriesRow| {
        let v = r
            .stats
            .current
            .filter(|v| v.is_finite())
            .unwrap_or(f64::NAN);
        direction.badness(v)
    };
    let rank = |s: Status| match s {
        Status::Alert => 2,
        Status::Warn => 1,
        _ => 0,
    };
    rank(b.status)
        .cmp(&rank(a.status))
        .then(b.stats.beyond_alert.total_cmp(&a.stats.beyond_alert))
        .then_with(|| {
            // NaN (no value) sorts last whichever way is bad.
            let (x, y) = (badness(a), badness(b));
            match (x.is_nan(), y.is_nan()) {
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => y.total_cmp(&x),
            }
        })
        .then_with(|| a.legend.cmp(&b.legend))
}

fn is_beyond_alert(value: f64, thresholds: &Thresholds) -> bool {
    value.is_finite() && thresholds.alert.is_some() && thresholds.classify(value) == Status::Alert
}

/// The statistics of one series over its points in range.
pub fn stats(
    points: &[(f64, f64)],
    thresholds: &Thresholds,
    step: f64,
    cursor: Option<f64>,
) -> SeriesStats {
    let mut finite: Vec<f64> = points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    let current = match cursor {
        // The cursor reads the sample at or just before it, if one is that close.
        Some(at) => {
            let i = points.partition_point(|p| p.0 <= at);
            i.checked_sub(1)
                .map(|i| points[i])
                .filter(|(t, _)| at - t <= step * 1.5)
                .map(|p| p.1)
        }
        None => points.last().map(|p| p.1),
    };
    let mut beyond_alert = 0.0;
    let mut beyond_since = None;
    for (i, &(t, v)) in points.iter().enumerate() {
        if is_beyond_alert(v, thresholds) {
            let next = points.get(i + 1).map_or(t + step, |p| p.0);
            beyond_alert += (next - t).min(step);
            beyond_since.get_or_insert(t);
        } else {
            beyond_since = None;
        }
    }
    if finite.is_empty() {
        return SeriesStats {
            current,
            beyond_alert,
            beyond_since,
            ..SeriesStats::default()
        };
    }
    let sum: f64 = finite.iter().sum();
    let avg = sum / finite.len() as f64;
    let (min, max) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    // Nearest-rank p95; selecting it is linear where sorting would not be.
    let rank = (((finite.len() as f64) * 0.95).ceil() as usize).clamp(1, finite.len()) - 1;
    let (_, p95, _) = finite.select_nth_unstable_by(rank, f64::total_cmp);
    SeriesStats {
        current,
        min: Some(min),
        avg: Some(avg),
        max: Some(max),
        p95: Some(*p95),
        beyond_alert,
        beyond_since,
    }
}

/// At most two points per column (the lowest and highest, in time order), so a chart of
/// thousands of samples draws as fast as one of its width and still shows every spike.
pub fn decimate(points: &[(f64, f64)], start: f64, end: f64, columns: usize) -> Vec<(f64, f64)> {
    let finite = points.iter().copied().filter(|p| p.1.is_finite());
    if points.len() <= columns * 2 || end <= start || columns == 0 {
        return finite.collect();
    }
    let width = (end - start) / columns as f64;
    let mut out = Vec::with_capacity(columns * 2);
    // The current column, and its lowest and highest point so far.
    type Bucket = (usize, (f64, f64), (f64, f64));
    let mut bucket: Option<Bucket> = None;
    let flush = |out: &mut Vec<(f64, f64)>, lo: (f64, f64), hi: (f64, f64)| {
        if lo.0 <= hi.0 {
            out.push(lo);
            if hi != lo {
                out.push(hi);
            }
        } else {
            out.push(hi);
            out.push(lo);
        }
    };
    for p in finite {
        let column = ((p.0 - start) / width).floor().max(0.0) as usize;
        bucket = match bucket {
            Some((c, lo, hi)) if c == column => Some((
                c,
                if p.1 < lo.1 { p } else { lo },
                if p.1 > hi.1 { p } else { hi },
            )),
            Some((_, lo, hi)) => {
                flush(&mut out, lo, hi);
                Some((column, p, p))
            }
            None => Some((column, p, p)),
        };
    }
    if let Some((_, lo, hi)) = bucket {
        flush(&mut out, lo, hi);
    }
    out
}

/// Which of `columns` equal slices of [start, end] any of the series spent beyond the
/// alert threshold: the marked spans under the chart.
pub fn alert_columns<'a>(
    rows: impl Iterator<Item = &'a SeriesRow<'a>>,
    thresholds: &Thresholds,
    start: f64,
    end: f64,
    step: f64,
    columns: usize,
) -> Vec<bool> {
    let mut marked = vec![false; columns];
    if columns == 0 || end <= start || thresholds.alert.is_none() {
        return marked;
    }
    let column = |t: f64| {
        (((t - start) / (end - start)) * columns as f64).clamp(0.0, columns as f64 - 1.0) as usize
    };
    for row in rows {
        for (i, &(t, v)) in row.points.iter().enumerate() {
            if is_beyond_alert(v, thresholds) {
                let until = row
                    .points
                    .get(i + 1)
                    .map_or(t + step, |p| p.0)
                    .min(t + step);
                for slot in &mut marked[column(t)..=column(until.min(end))] {
                    *slot = true;
                }
            }
        }
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAG: Thresholds = Thresholds {
        target: Some(1.0),
        alert: Some(5.0),
        direction: Direction::Above,
    };

    #[test]
    fn stats_cover_min_avg_max_p95_and_time_beyond_alert() {
        let points: Vec<(f64, f64)> = (0..20)
            .map(|i| (f64::from(i) * 10.0, f64::from(i)))
            .collect();
        let s = stats(&points, &LAG, 10.0, None);
        assert_eq!(s.current, Some(19.0));
        assert_eq!((s.min, s.max), (Some(0.0), Some(19.0)));
        assert_eq!(s.avg, Some(9.5));
        assert_eq!(s.p95, Some(18.0));
        // Values 6..=19 are beyond 5: 14 samples of 10 s.
        assert_eq!(s.beyond_alert, 140.0);
        assert_eq!(s.beyond_since, Some(60.0));
        let at_cursor = stats(&points, &LAG, 10.0, Some(55.0));
        assert_eq!(at_cursor.current, Some(5.0));
    }

    #[test]
    fn nan_and_infinity_do_not_poison_the_statistics() {
        let points = vec![
            (0.0, f64::NAN),
            (10.0, 2.0),
            (20.0, f64::INFINITY),
            (30.0, 4.0),
        ];
        let s = stats(&points, &LAG, 10.0, None);
        assert_eq!((s.min, s.max, s.avg), (Some(2.0), Some(4.0), Some(3.0)));
        assert_eq!(s.beyond_alert, 0.0);
    }

    #[test]
    fn decimation_keeps_every_spike() {
        let mut points: Vec<(f64, f64)> = (0..10_000).map(|i| (f64::from(i), 1.0)).collect();
        points[5_000].1 = 99.0;
        let out = decimate(&points, 0.0, 10_000.0, 100);
        assert!(out.len() <= 200);
        assert!(out.iter().any(|p| p.1 == 99.0));
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "time order kept");
    }
}
