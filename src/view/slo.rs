//! What the SLO panels show at one moment: per SLO, the error ratio over each window (read
//! from Sloth's recording rules where Prometheus has them loaded, else from the raw
//! counters), the burn rates, the budget left, the alerts that would fire, when the budget
//! runs out; and which queries the poller should ask, how often ([`polling`]).

use crate::config::layout::slo::{LONG_WINDOW, pace};
use crate::config::layout::{QueryId, Slo};
use crate::model::Status;
use crate::model::slo::{self, BurnAlert, Burns, Severity, Window};
use crate::store::Store;
use std::collections::HashSet;
use std::time::Duration;

/// The error ratio over one window, as last answered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio {
    pub value: f64,
    /// Seconds since it was evaluated.
    pub age: f64,
    /// Read from the recording rule rather than the raw counters.
    pub recorded: bool,
}

/// One SLO's row.
#[derive(Clone, Debug)]
pub struct SloRow<'a> {
    pub slo: &'a Slo,
    /// By [`crate::config::layout::slo::SloQueries`] index: the burn windows, then the SLO
    /// window.
    pub ratios: [Option<Ratio>; 8],
    pub burns: Burns,
    /// The share of good requests over the fastest window, in percent.
    pub sli: Option<f64>,
    /// The share of the budget left over the SLO window (negative once overspent).
    pub budget_left: Option<f64>,
    pub firing: Vec<BurnAlert>,
    pub state: Option<Severity>,
    /// When the budget left runs out at the fastest window's burn rate.
    pub exhaustion: Option<Duration>,
    pub status: Status,
    /// The oldest long window read raw, in seconds: asked once a minute.
    pub raw_long_age: Option<f64>,
    /// The oldest of its windows' ratios, in seconds: each is asked at its pace.
    pub oldest_age: Option<f64>,
}

/// The name of Sloth's error-ratio recording rules, before the window.
const RATIO_RULE: &str = "slo:sli_error:ratio_rate";

/// The SLO error-ratio recording rules Prometheus has loaded (`slo rules`, or Sloth's own),
/// by rule name and `sloth_id`: gathered once per look, as every frame reads every SLO.
struct Loaded<'s>(HashSet<(&'s str, &'s str)>);

impl<'s> Loaded<'s> {
    fn of(store: &'s Store) -> Self {
        let Some(Ok(groups)) = &store.alerts.groups else {
            return Self(HashSet::new());
        };
        let rules = groups
            .iter()
            .flat_map(|g| &g.rules)
            .filter(|r| r.name.starts_with(RATIO_RULE))
            .filter_map(|r| Some((r.name.as_str(), r.labels.get("sloth_id")?.as_str())));
        Self(rules.collect())
    }

    /// Which of `slo`'s query windows have their recording rule loaded.
    fn windows(&self, slo: &Slo) -> [bool; 8] {
        if self.0.is_empty() {
            return [false; 8];
        }
        let id = slo.id();
        slo.query_windows().map(|window| {
            let name = format!("{RATIO_RULE}{}", slo::prometheus_duration(window));
            self.0.contains(&(name.as_str(), id.as_str()))
        })
    }
}

/// How the poller should ask for the SLO queries: the ones read now, how often at most
/// (each window at its pace), and those not asked at all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Polling {
    pub read: Vec<QueryId>,
    pub paced: Vec<(QueryId, Duration)>,
    pub idle: Vec<QueryId>,
}

/// What to ask for `slos` now: each window from its recording rule when loaded, else raw,
/// each at its window's pace.
pub fn polling(slos: &[Slo], store: &Store) -> Polling {
    let mut out = Polling::default();
    let loaded = Loaded::of(store);
    for slo in slos {
        let recorded = loaded.windows(slo);
        for (i, window) in slo.query_windows().into_iter().enumerate() {
            let (raw, rule) = (slo.queries.raw[i], slo.queries.recorded[i]);
            let (read, idle) = if recorded[i] {
                (rule, raw)
            } else {
                (raw, rule)
            };
            out.read.push(read);
            out.idle.push(idle);
            out.paced.push((read, pace(window)));
        }
    }
    // A query two SLOs share is read if either reads it.
    out.idle.retain(|id| !out.read.contains(id));
    out
}

/// The latest value of query `id` and its age.
fn latest(store: &Store, id: QueryId, now: f64) -> Option<(f64, f64)> {
    let query = store.query(id)?;
    let at = query.last_eval?;
    let (_, value) = query.current().find(|(_, v)| !v.is_nan())?;
    Some((value, (now - at).max(0.0)))
}

/// The row of `slo` at `now` (Unix seconds).
pub fn row<'a>(slo: &'a Slo, store: &Store, now: f64) -> SloRow<'a> {
    row_of(slo, store, &Loaded::of(store), now)
}

fn row_of<'a>(slo: &'a Slo, store: &Store, loaded: &Loaded, now: f64) -> SloRow<'a> {
    let mut ratios = [None; 8];
    for (i, from_rule) in loaded.windows(slo).into_iter().enumerate() {
        let pick = |id, recorded| {
            latest(store, id, now).map(|(value, age)| Ratio {
                value,
                age,
                recorded,
            })
        };
        ratios[i] = if from_rule {
            pick(slo.queries.recorded[i], true).or_else(|| pick(slo.queries.raw[i], false))
        } else {
            pick(slo.queries.raw[i], false)
        };
    }
    let mut burns: Burns = [None; 7];
    for w in Window::ALL {
        burns[w.index()] = ratios[w.index()].map(|r| slo::burn_rate(r.value, slo.objective));
    }
    let budget_left = ratios[7].map(|r| slo::budget_left(r.value, slo.objective));
    let fastest = burns[Window::M5.index()];
    let firing = slo::firing(&burns);
    let state = slo::state(&burns);
    let status = match state {
        Some(Severity::Page) => Status::Alert,
        Some(Severity::Ticket) => Status::Warn,
        None if ratios.iter().all(Option::is_none) => Status::NoData,
        None => Status::Ok,
    };
    let raw_long_age = slo
        .query_windows()
        .into_iter()
        .zip(ratios)
        .filter(|(w, r)| *w >= LONG_WINDOW && r.is_some_and(|r| !r.recorded))
        .filter_map(|(_, r)| r.map(|r| r.age))
        .reduce(f64::max);
    let oldest_age = ratios.iter().flatten().map(|r| r.age).reduce(f64::max);
    SloRow {
        slo,
        ratios,
        burns,
        sli: ratios[Window::M5.index()].map(|r| 100.0 * (1.0 - r.value)),
        budget_left,
        exhaustion: match (budget_left, fastest) {
            (Some(left), Some(burn)) => slo::exhaustion(left, burn, slo.window),
            _ => None,
        },
        firing,
        state,
        status,
        raw_long_age,
        oldest_age,
    }
}

/// The rows of `slos`.
pub fn rows<'a>(slos: &'a [Slo], store: &Store, now: f64) -> Vec<SloRow<'a>> {
    let loaded = Loaded::of(store);
    slos.iter()
        .map(|s| row_of(s, store, &loaded, now))
        .collect()
}

/// The worst state of `slos`: a page is ALERT, a ticket WARN.
pub fn status(slos: &[Slo], store: &Store, now: f64) -> Status {
    let loaded = Loaded::of(store);
    slos.iter()
        .map(|s| row_of(s, store, &loaded, now).status)
        .max()
        .unwrap_or(Status::NoData)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Layout;
    use crate::prom::Sample;

    fn layout() -> Layout {
        Layout::load("spheroseg").unwrap()
    }

    fn answer(store: &mut Store, id: QueryId, value: f64, at: f64) {
        let sample = Sample {
            labels: Default::default(),
            time: at,
            value,
        };
        store.ingest_instant(id, at, Ok(vec![sample]), Duration::ZERO);
    }

    #[test]
    fn a_row_from_the_raw_ratios_by_hand() {
        let layout = layout();
        let slo = &layout.slos[0];
        assert_eq!(slo.name, "API availability");
        let mut store = Store::new(&layout.queries);
        // 2 % errors over the short windows, 1.6 % over the long ones, 0.25 % over 30 days.
        for (i, ratio) in [0.02, 0.02, 0.02, 0.02, 0.02, 0.016, 0.016, 0.0025]
            .into_iter()
            .enumerate()
        {
            answer(&mut store, slo.queries.raw[i], ratio, 100.0);
        }
        let row = row(slo, &store, 130.0);
        // Against 99 %: 2× and 1.6×, a quarter of the month's budget spent.
        assert!((row.burns[Window::M5.index()].unwrap() - 2.0).abs() < 1e-9);
        assert!((row.budget_left.unwrap() - 0.75).abs() < 1e-9);
        assert!((row.sli.unwrap() - 98.0).abs() < 1e-9);
        // 6h at 2× and 3d at 1.6× both past 1×: a ticket, nothing pages.
        assert_eq!(row.state, Some(Severity::Ticket));
        assert_eq!(row.status, Status::Warn);
        // 0.75 × 30 d / 2 = 11.25 days.
        assert_eq!(
            row.exhaustion,
            Some(Duration::from_secs(11 * 86_400 + 6 * 3600))
        );
        // The 1d, 3d and 30d windows are read raw, 30 s ago.
        assert_eq!(row.raw_long_age, Some(30.0));
        let polling = polling(&layout.slos, &store);
        let pace_of = |id| {
            polling
                .paced
                .iter()
                .find(|(q, _)| *q == id)
                .map(|(_, p)| *p)
        };
        assert_eq!(pace_of(slo.queries.raw[7]), Some(Duration::from_secs(60)));
        assert_eq!(
            pace_of(slo.queries.raw[0]),
            Some(Duration::from_secs(5)),
            "5m"
        );
        assert!(polling.idle.contains(&slo.queries.recorded[0]));
    }
}
