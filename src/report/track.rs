//! The bookkeeping of a replay: how long something spent in each status, when it crossed
//! its target. Plain state machines fed with
//! observations in time order, so they are tested without a recording. (The life of
//! every alert instance is [`crate::alerts::timeline`], shared with live and replay.)
//!
//! Every observation holds until the next one: a KPI seen at ALERT at 08:03:00 and OK at
//! 08:08:00 spent five minutes beyond its alert threshold.

use crate::model::{Direction, Status};
use std::collections::BTreeMap;

/// Time spent in each status. An observation of `None` (nothing known) stops the clock
/// until the next status.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dwell {
    current: Option<(Status, f64)>,
    totals: BTreeMap<Status, f64>,
}

impl Dwell {
    pub fn observe(&mut self, t: f64, status: Option<Status>) {
        self.close(t);
        self.current = status.map(|s| (s, t));
    }

    /// Counts the current status up to `end` (the end of the recording).
    pub fn finish(&mut self, end: f64) {
        if let Some((status, _)) = self.current {
            self.close(end);
            self.current = Some((status, end));
        }
    }

    fn close(&mut self, t: f64) {
        if let Some((status, since)) = self.current {
            *self.totals.entry(status).or_default() += (t - since).max(0.0);
        }
    }

    /// Seconds spent in `status` so far (up to the last observation or `finish`).
    pub fn time_in(&self, status: Status) -> f64 {
        self.totals.get(&status).copied().unwrap_or(0.0)
    }

    /// Seconds spent in any of the statuses at or past `status` (`Warn`: WARN and ALERT).
    pub fn time_from(&self, status: Status) -> f64 {
        self.totals.range(status..).map(|(_, s)| s).sum()
    }

    pub fn totals(&self) -> &BTreeMap<Status, f64> {
        &self.totals
    }

    pub fn current(&self) -> Option<Status> {
        self.current.map(|(s, _)| s)
    }
}

/// When a value left its target and came back. An unknown value (no data, an error)
/// neither leaves nor returns: out, unknown, out again is one excursion.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Crossings {
    /// Whether the last known value was past its target.
    pub out: bool,
    pub first_left: Option<f64>,
    /// The last return within target.
    pub back_at: Option<f64>,
    /// How many times it left its target.
    pub count: usize,
}

impl Crossings {
    pub fn observe(&mut self, t: f64, status: Option<Status>) {
        let Some(status) = status else {
            return;
        };
        let out = matches!(status, Status::Warn | Status::Alert);
        if out && !self.out {
            self.count += 1;
            self.first_left.get_or_insert(t);
        }
        if !out && self.out {
            self.back_at = Some(t);
        }
        self.out = out;
    }
}

/// The worst value seen, by the thresholds' direction, and when: the first time it was
/// reached wins ties.
#[derive(Clone, Debug, PartialEq)]
pub struct Worst<T> {
    pub value: f64,
    pub at: f64,
    pub detail: T,
}

impl<T> Worst<T> {
    /// Whether `value` would replace `current`, worse by `direction`.
    pub fn beats(current: Option<&Worst<T>>, value: f64, direction: Direction) -> bool {
        !value.is_nan() && current.is_none_or(|w| direction.is_worse(value, w.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_counted_until_the_next_observation() {
        let mut d = Dwell::default();
        d.observe(100.0, Some(Status::Ok));
        d.observe(110.0, Some(Status::Warn));
        d.observe(115.0, Some(Status::Alert));
        d.observe(145.0, Some(Status::Warn));
        d.observe(150.0, Some(Status::Ok));
        d.finish(200.0);
        assert_eq!(d.time_in(Status::Ok), 60.0);
        assert_eq!(d.time_in(Status::Warn), 10.0);
        assert_eq!(d.time_in(Status::Alert), 30.0);
        assert_eq!(d.time_from(Status::Warn), 40.0);
        assert_eq!(d.time_from(Status::Alert), 30.0);
        // Finishing twice counts nothing twice.
        d.finish(200.0);
        assert_eq!(d.time_in(Status::Ok), 60.0);
    }

    #[test]
    fn unknown_stops_the_clock() {
        let mut d = Dwell::default();
        d.observe(0.0, Some(Status::Alert));
        d.observe(10.0, None);
        d.observe(40.0, Some(Status::Alert));
        d.finish(45.0);
        assert_eq!(d.time_in(Status::Alert), 15.0);
        assert_eq!(d.current(), Some(Status::Alert));
        let mut never = Dwell::default();
        never.finish(100.0);
        assert!(never.totals().is_empty());
    }

    #[test]
    fn repeated_observations_of_one_status_add_up() {
        let mut d = Dwell::default();
        for i in 0..=12 {
            d.observe(f64::from(i) * 5.0, Some(Status::Warn));
        }
        d.finish(60.0);
        assert_eq!(d.time_in(Status::Warn), 60.0);
    }

    #[test]
    fn crossings_count_excursions_and_the_last_return() {
        let mut c = Crossings::default();
        for (t, s) in [
            (0.0, Some(Status::Ok)),
            (5.0, Some(Status::Warn)),
            (10.0, Some(Status::Alert)),
            (15.0, None),
            (20.0, Some(Status::Alert)),
            (25.0, Some(Status::Ok)),
            (30.0, Some(Status::Ok)),
            (35.0, Some(Status::Warn)),
            (40.0, Some(Status::Ok)),
        ] {
            c.observe(t, s);
        }
        assert_eq!(c.count, 2);
        assert_eq!(c.first_left, Some(5.0));
        assert_eq!(c.back_at, Some(40.0));
        assert!(!c.out);
        c.observe(45.0, Some(Status::Alert));
        assert!(c.out);
        assert_eq!(c.count, 3);
    }

    #[test]
    fn a_value_out_from_the_start_left_at_the_start() {
        let mut c = Crossings::default();
        c.observe(7.0, Some(Status::Alert));
        assert_eq!((c.count, c.first_left, c.back_at), (1, Some(7.0), None));
        // Stale or no data after it does not bring it back.
        c.observe(9.0, None);
        assert!(c.out);
        assert_eq!(c.back_at, None);
    }

    #[test]
    fn the_worst_value_follows_the_direction_and_the_first_wins_ties() {
        let mut worst: Option<Worst<()>> = None;
        for (t, v) in [
            (0.0, 1.0),
            (1.0, 5.0),
            (2.0, f64::NAN),
            (3.0, 5.0),
            (4.0, 2.0),
        ] {
            if Worst::beats(worst.as_ref(), v, Direction::Above) {
                worst = Some(Worst {
                    value: v,
                    at: t,
                    detail: (),
                });
            }
        }
        assert_eq!(worst.as_ref().map(|w| (w.value, w.at)), Some((5.0, 1.0)));
        assert!(Worst::beats(worst.as_ref(), 0.5, Direction::Below));
        assert!(!Worst::beats(worst.as_ref(), 6.0, Direction::Below));
    }
}
