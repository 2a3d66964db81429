//! Read-only facts derived from the store for one moment: the number a panel or KPI row
//! shows, its status, and the worst status of a panel or tab. Shared by every widget.

pub(crate) mod alert_filter;
pub(crate) mod alert_groups;
pub mod annotations;
pub(crate) mod drill;
pub(crate) mod server;
pub(crate) mod slo;
pub mod why_empty;

use crate::config::layout::{Content, Panel, PanelKind, Reduce, Tab};
use crate::model::{Direction, Status, Thresholds};
use crate::prom::{AlertState, RuleHealth};
use crate::store::{QueryData, SeriesData, Store};

/// The moment readings are taken at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Context {
    /// Unix seconds.
    pub now: f64,
    /// Data older than this many seconds is stale; `None` while paused.
    pub stale_after: Option<f64>,
}

/// What one query says right now, reduced to one number.
#[derive(Clone, Copy, Debug)]
pub struct Reading<'a> {
    /// `None` when there is no value to show (no data yet, empty result, error before any data).
    pub value: Option<f64>,
    /// The series the value came from, when several were reduced by picking one.
    pub series: Option<&'a SeriesData>,
    pub status: Status,
    /// Seconds since the value was evaluated.
    pub age: Option<f64>,
}

/// Health of a query regardless of thresholds: error, no data or stale, or `None` if fine.
pub fn health(query: &QueryData, ctx: Context) -> Option<Status> {
    if query.error.is_some() {
        return Some(Status::Error);
    }
    let Some(at) = query.last_eval else {
        return Some(Status::NoData);
    };
    if query.current().next().is_none() {
        return Some(Status::NoData);
    }
    match ctx.stale_after {
        Some(limit) if ctx.now - at > limit => Some(Status::Stale),
        _ => None,
    }
}

/// Reduces the query's current series to one value and classifies it.
pub fn reading<'a>(
    query: &'a QueryData,
    reduce: Reduce,
    thresholds: &Thresholds,
    ctx: Context,
) -> Reading<'a> {
    let age = query.last_eval.map(|at| (ctx.now - at).max(0.0));
    let (value, series) = reduce_current(query, reduce, thresholds);
    let status = match health(query, ctx) {
        Some(problem) => problem,
        None => value.map_or(Status::NoData, |v| thresholds.classify(v)),
    };
    // Never green while a page fires on one of the metrics this query reads.
    let status = match query.alert {
        Some(AlertState::Firing) => status.max(Status::Alert),
        Some(AlertState::Pending) => status.max(Status::Warn),
        _ => status,
    };
    Reading {
        value,
        series,
        status,
        age,
    }
}

fn reduce_current<'a>(
    query: &'a QueryData,
    reduce: Reduce,
    thresholds: &Thresholds,
) -> (Option<f64>, Option<&'a SeriesData>) {
    // NaN says nothing; it only wins when nothing else is there.
    let values: Vec<(&SeriesData, f64)> = query.current().collect();
    let finite: Vec<(&SeriesData, f64)> = values
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_nan())
        .collect();
    let pool = if finite.is_empty() { &values } else { &finite };
    let Some(&(first_series, first)) = pool.first() else {
        return (None, None);
    };
    if pool.len() == 1 {
        return (Some(first), Some(first_series));
    }
    // The first of equally bad values wins.
    let pick = |direction: Direction| {
        pool.iter()
            .copied()
            .fold((first_series, first), |(s, v), (s2, v2)| {
                if direction.is_worse(v2, v) {
                    (s2, v2)
                } else {
                    (s, v)
                }
            })
    };
    let (s, v) = match reduce {
        Reduce::Worst => pick(thresholds.direction),
        Reduce::Max => pick(Direction::Above),
        Reduce::Min => pick(Direction::Below),
        Reduce::Sum => return (Some(pool.iter().map(|(_, v)| v).sum()), None),
        Reduce::Avg => {
            return (
                Some(pool.iter().map(|(_, v)| v).sum::<f64>() / pool.len() as f64),
                None,
            );
        }
    };
    (Some(v), Some(s))
}
/// Firing is an alert, pending a warning; a failed poll of the alerts is an error.
pub fn alerts_status(store: &Store) -> Status {
    let board = &store.alerts;
    match board.worst() {
        Some(AlertState::Firing) => Status::Alert,
        Some(AlertState::Pending) => Status::Warn,
        _ if matches!(board.server, Some(Err(_))) => Status::Error,
        _ if board.server.is_none() && board.local.is_empty() => Status::NoData,
        _ => Status::Ok,
    }
}

/// A rule that failed its last evaluation, or a failed poll, is an error.
pub fn rules_status(store: &Store) -> Status {
    let board = &store.alerts;
    let server_failing = board
        .groups
        .iter()
        .flat_map(|g| g.iter())
        .flatten()
        .flat_map(|g| g.rules.iter())
        .any(|r| r.health == RuleHealth::Error);
    let local_failing = board
        .local
        .rule_statuses()
        .iter()
        .any(|r| r.health == RuleHealth::Error);
    if server_failing || local_failing || matches!(board.groups, Some(Err(_))) {
        Status::Error
    } else if !board.mismatches.is_empty() {
        Status::Warn
    } else if board.groups.is_none() && board.local.is_empty() {
        Status::NoData
    } else {
        Status::Ok
    }
}

/// The worst status of everything a panel shows.
pub fn panel_status(panel: &Panel, store: &Store, ctx: Context) -> Status {
    match panel.kind.content() {
        Content::Kpis => panel
            .kpis
            .iter()
            .filter_map(|kpi| {
                store
                    .query(kpi.query.id)
                    .map(|q| reading(q, kpi.reduce, &kpi.thresholds, ctx).status)
            })
            .max()
            .unwrap_or(Status::NoData),
        Content::Series => {
            let queries = || panel.queries.iter().filter_map(|pq| store.query(pq.id));
            // A query with nothing while another draws its series does not make the panel
            // NO DATA: the panel's note line says why that one is empty.
            let drawing = queries().any(|q| q.current().next().is_some());
            queries()
                .map(|q| reading(q, panel.status_reduce(), &panel.thresholds, ctx).status)
                .filter(|status| !(drawing && *status == Status::NoData))
                .max()
                .unwrap_or(Status::NoData)
        }
        Content::AlertBoard => match panel.kind {
            PanelKind::Rules => rules_status(store),
            // Not asked for is not a problem; a failing Alertmanager is.
            PanelKind::Alertmanager => match &store.alerts.alertmanager {
                Some(Err(_)) => Status::Error,
                _ => Status::Ok,
            },
            _ => alerts_status(store),
        },
        Content::Server => server::panel_status(panel.kind, store),
        Content::Slos => slo::status(&panel.slos, store, ctx.now),
    }
}

/// The worst status on a tab, so a red Database tab shows from the Overview.
pub fn tab_status(tab: &Tab, store: &Store, ctx: Context) -> Status {
    tab_status_across(tab, &[store], ctx)
}

/// A panel's worst status over the backends shown side by side (the first one's store
/// first): what its queries, SLOs and server facts show is each backend's own; the alert
/// board (one list for all) is judged once.
pub fn panel_status_across(panel: &Panel, stores: &[&Store], ctx: Context) -> Status {
    let Some((first, others)) = stores.split_first() else {
        return Status::NoData;
    };
    let own = panel_status(panel, first, ctx);
    match panel.kind.content() {
        Content::Kpis | Content::Series | Content::Slos | Content::Server => others
            .iter()
            .map(|store| panel_status(panel, store, ctx))
            .fold(own, Status::max),
        _ => own,
    }
}

/// [`tab_status`] over the backends shown side by side.
pub fn tab_status_across(tab: &Tab, stores: &[&Store], ctx: Context) -> Status {
    tab.rows
        .iter()
        .flat_map(|r| &r.panels)
        .map(|p| panel_status_across(p, stores, ctx))
        .max()
        .unwrap_or(Status::NoData)
}

/// The reduced value over time: series are grouped by timestamp (instant answers and
/// backfilled steps share them) and each group reduced like the current value.
pub fn reduced_history(
    query: &QueryData,
    reduce: Reduce,
    thresholds: &Thresholds,
) -> Vec<(f64, f64)> {
    if let [only] = query.series.as_slice() {
        return only.points().collect();
    }
    let mut groups: std::collections::BTreeMap<i64, Vec<f64>> = std::collections::BTreeMap::new();
    for series in &query.series {
        for (t, v) in series.points() {
            if !v.is_nan() {
                groups
                    .entry((t * 1000.0).round() as i64)
                    .or_default()
                    .push(v);
            }
        }
    }
    groups
        .into_iter()
        .map(|(ms, values)| {
            let extreme = |d: Direction| {
                values
                    .iter()
                    .copied()
                    .reduce(|a, b| d.worse(a, b))
                    .unwrap_or(f64::NAN)
            };
            let value = match reduce {
                Reduce::Worst => extreme(thresholds.direction),
                Reduce::Max => extreme(Direction::Above),
                Reduce::Min => extreme(Direction::Below),
                Reduce::Sum => values.iter().sum(),
                Reduce::Avg => values.iter().sum::<f64>() / values.len() as f64,
            };
            (ms as f64 / 1000.0, value)
        })
        .collect()
}

/// Resamples points into `buckets` equal slices of `[start, end]`, keeping the last value
/// of each slice; slices without a point are `None` (a gap, not a zero).
pub fn resample(points: &[(f64, f64)], start: f64, end: f64, buckets: usize) -> Vec<Option<f64>> {
    let mut out = vec![None; buckets];
    if buckets == 0 || end <= start {
        return out;
    }
    let width = (end - start) / buckets as f64;
    for &(t, v) in points {
        if t < start || t > end || v.is_nan() {
            continue;
        }
        let i = (((t - start) / width) as usize).min(buckets - 1);
        out[i] = Some(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::QueryDef;
    use crate::model::Labels;
    use crate::prom::{PromError, Sample};
    use std::time::Duration;

    fn store_with(values: &[(&str, f64)]) -> Store {
        let mut store = Store::new(&[QueryDef {
            expr: "x".into(),
            history: None,
        }]);
        let samples = values
            .iter()
            .map(|(r, v)| Sample {
                labels: Labels::from([("replica".to_string(), r.to_string())]),
                time: 100.0,
                value: *v,
            })
            .collect();
        store.ingest_instant(0, 100.0, Ok(samples), Duration::ZERO);
        store
    }

    const NOW: Context = Context {
        now: 101.0,
        stale_after: Some(12.0),
    };
    const LAG: Thresholds = Thresholds {
        target: Some(1.0),
        alert: Some(5.0),
        direction: Direction::Above,
    };

    #[test]
    fn worst_series_wins_and_is_named() {
        let store = store_with(&[
            ("replica-1", 0.2),
            ("replica-2", 6.5),
            ("replica-3", f64::NAN),
        ]);
        let r = reading(store.query(0).unwrap(), Reduce::Worst, &LAG, NOW);
        assert_eq!(r.value, Some(6.5));
        assert_eq!(r.series.unwrap().labels["replica"], "replica-2");
        assert_eq!(r.status, Status::Alert);
        let below = Thresholds {
            direction: Direction::Below,
            ..LAG
        };
        assert_eq!(
            reading(store.query(0).unwrap(), Reduce::Worst, &below, NOW).value,
            Some(0.2)
        );
    }

    #[test]
    fn resampling_keeps_gaps() {
        let points = [(0.0, 1.0), (1.0, 2.0), (9.5, 5.0)];
        assert_eq!(
            resample(&points, 0.0, 10.0, 5),
            vec![Some(2.0), None, None, None, Some(5.0)]
        );
    }

    #[test]
    fn sums_and_averages() {
        let store = store_with(&[("a", 1.0), ("b", 3.0)]);
        let q = store.query(0).unwrap();
        assert_eq!(reading(q, Reduce::Sum, &LAG, NOW).value, Some(4.0));
        assert_eq!(reading(q, Reduce::Avg, &LAG, NOW).value, Some(2.0));
        assert_eq!(reading(q, Reduce::Min, &LAG, NOW).value, Some(1.0));
    }

    #[test]
    fn health_beats_thresholds() {
        let store = store_with(&[("a", 0.1)]);
        let late = Context {
            now: 200.0,
            stale_after: Some(12.0),
        };
        let r = reading(store.query(0).unwrap(), Reduce::Worst, &LAG, late);
        assert_eq!(
            (r.status, r.value, r.age),
            (Status::Stale, Some(0.1), Some(100.0))
        );
        let paused = Context {
            stale_after: None,
            ..late
        };
        assert_eq!(
            reading(store.query(0).unwrap(), Reduce::Worst, &LAG, paused).status,
            Status::Ok
        );

        let mut store = store_with(&[]);
        assert_eq!(
            reading(store.query(0).unwrap(), Reduce::Worst, &LAG, NOW).status,
            Status::NoData
        );
        store.ingest_instant(
            0,
            101.0,
            Err(PromError::Timeout(Duration::from_secs(1))),
            Duration::ZERO,
        );
        assert_eq!(
            reading(store.query(0).unwrap(), Reduce::Worst, &LAG, NOW).status,
            Status::Error
        );
    }
}
