//! Target and alert thresholds, and the status a value earns against them.

use super::Unit;
use serde::{Deserialize, Serialize};

/// Which side of a threshold is bad.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is worse (latency, error rate, lag).
    #[default]
    Above,
    /// Lower is worse (cache hit ratio, free space).
    Below,
}

impl Direction {
    /// The side a comparison watches: `>`/`>=` alert on high values, `<`/`<=` on low ones.
    pub fn watched_by(higher_is_worse: bool) -> Self {
        if higher_is_worse {
            Direction::Above
        } else {
            Direction::Below
        }
    }

    /// Which side is bad, in a word: `above` or `below`.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Above => "above",
            Direction::Below => "below",
        }
    }

    /// Whether `a` is worse than `b`.
    pub fn is_worse(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Above => a > b,
            Direction::Below => a < b,
        }
    }

    /// The worse of two values (NaN loses to any number).
    pub fn worse(self, a: f64, b: f64) -> f64 {
        match self {
            Direction::Above => a.max(b),
            Direction::Below => a.min(b),
        }
    }

    /// The value as a badness: higher is worse whichever side is bad, for sorting.
    pub fn badness(self, value: f64) -> f64 {
        match self {
            Direction::Above => value,
            Direction::Below => -value,
        }
    }
}

/// Which of a KPI's two thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Target,
    Alert,
}

/// How a panel, a KPI row or a tab is doing, from best to worst.
/// The order matters: a tab shows the maximum of its panels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Within target, or no thresholds declared.
    Ok,
    /// The query has not answered yet or returned nothing.
    NoData,
    /// The last value is older than the refresh would explain.
    Stale,
    /// The last query failed (PromQL error, timeout, unreachable).
    Error,
    /// Past the target but not past the alert threshold.
    Warn,
    /// Past the alert threshold.
    Alert,
}

impl Status {
    /// A short word for tables and status lines; never colour alone.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::NoData => "NO DATA",
            Status::Stale => "STALE",
            Status::Error => "ERROR",
            Status::Warn => "WARN",
            Status::Alert => "ALERT",
        }
    }

    /// A glyph per status so the tab bar (and the snapshot's text) reads without colour too.
    pub fn glyph(self) -> &'static str {
        match self {
            Status::Ok => "●",
            Status::NoData | Status::Stale => "○",
            Status::Error => "✖",
            Status::Warn => "▲",
            Status::Alert => "◆",
        }
    }
}

/// A KPI's target (where it should stay) and alert threshold (where someone is paged).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Thresholds {
    pub target: Option<f64>,
    pub alert: Option<f64>,
    pub direction: Direction,
}

impl Thresholds {
    pub fn is_empty(&self) -> bool {
        self.target.is_none() && self.alert.is_none()
    }

    /// Status of a value: `Alert` beyond the alert threshold, `Warn` from the target on,
    /// `Ok` within target. NaN carries no information, so it counts as no data.
    pub fn classify(&self, value: f64) -> Status {
        if value.is_nan() {
            return Status::NoData;
        }
        let worse_than = |limit: f64, inclusive: bool| {
            self.direction.is_worse(value, limit) || (inclusive && value == limit)
        };
        // The guide writes targets as "< 200ms" (so 200 ms is already off target)
        // and alerts as "> 500ms" (so 500 ms is not yet an alert).
        if self.alert.is_some_and(|a| worse_than(a, false)) {
            Status::Alert
        } else if self.target.is_some_and(|t| worse_than(t, true)) {
            Status::Warn
        } else {
            Status::Ok
        }
    }

    /// True when the alert threshold sits on the good side of the target,
    /// which would make the warn band impossible.
    pub fn is_inverted(&self) -> bool {
        match (self.target, self.alert) {
            (Some(t), Some(a)) => self.direction.is_worse(t, a),
            _ => false,
        }
    }

    /// How far a value is past its alert threshold (else its target), as a ratio that is
    /// above 1 beyond it whichever side is bad: lag at 2.5× its threshold beats a pool at
    /// 1.05× of its own. `None` without a finite ratio.
    pub fn excess(&self, value: f64) -> Option<f64> {
        let limit = self.alert.or(self.target)?;
        let ratio = match self.direction {
            Direction::Above => value / limit,
            Direction::Below => limit / value,
        };
        ratio.is_finite().then_some(ratio)
    }

    /// `< 200 ms` for a target, `> 500 ms` for an alert (signs flip when below is bad), as
    /// KPI tables and reports write them; `–` when not set.
    pub fn text(&self, bound: Bound, unit: Unit, decimals: Option<u8>) -> String {
        let value = match bound {
            Bound::Target => self.target,
            Bound::Alert => self.alert,
        };
        let Some(value) = value else {
            return "–".to_string();
        };
        // A target is where the value should stay; an alert is where it must not go.
        let sign = match (self.direction, bound) {
            (Direction::Above, Bound::Target) | (Direction::Below, Bound::Alert) => "<",
            (Direction::Above, Bound::Alert) | (Direction::Below, Bound::Target) => ">",
        };
        format!("{sign} {}", unit.format(value, decimals))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn above(target: f64, alert: f64) -> Thresholds {
        Thresholds {
            target: Some(target),
            alert: Some(alert),
            direction: Direction::Above,
        }
    }

    #[test]
    fn above_is_bad() {
        let t = above(0.2, 0.5);
        assert_eq!(t.classify(0.1), Status::Ok);
        assert_eq!(t.classify(0.2), Status::Warn);
        assert_eq!(t.classify(0.5), Status::Warn);
        assert_eq!(t.classify(0.51), Status::Alert);
        assert_eq!(t.classify(f64::INFINITY), Status::Alert);
        assert_eq!(t.classify(f64::NAN), Status::NoData);
    }

    #[test]
    fn below_is_bad() {
        let t = Thresholds {
            target: Some(0.9),
            alert: Some(0.8),
            direction: Direction::Below,
        };
        assert_eq!(t.classify(0.95), Status::Ok);
        assert_eq!(t.classify(0.85), Status::Warn);
        assert_eq!(t.classify(0.7), Status::Alert);
        assert!(!t.is_inverted());
    }

    #[test]
    fn alert_only_thresholds_have_no_warn_band() {
        let t = Thresholds {
            target: None,
            alert: Some(1000.0),
            direction: Direction::Above,
        };
        assert_eq!(t.classify(999.0), Status::Ok);
        assert_eq!(t.classify(1001.0), Status::Alert);
    }

    #[test]
    fn inverted_thresholds_are_detected() {
        assert!(above(0.5, 0.2).is_inverted());
        assert!(!above(0.2, 0.5).is_inverted());
    }

    #[test]
    fn statuses_order_by_severity() {
        let worst = [Status::Ok, Status::Warn, Status::Stale].into_iter().max();
        assert_eq!(worst, Some(Status::Warn));
        assert!(Status::Alert > Status::Error);
    }

    #[test]
    fn thresholds_are_written_and_exceeded_from_the_bad_side() {
        let lag = above(1.0, 5.0);
        assert_eq!(lag.text(Bound::Target, Unit::Seconds, None), "< 1.00 s");
        assert_eq!(lag.text(Bound::Alert, Unit::Seconds, None), "> 5.00 s");
        assert_eq!(lag.excess(12.5), Some(2.5));
        let hits = Thresholds {
            target: Some(0.9),
            alert: Some(0.5),
            direction: Direction::Below,
        };
        assert_eq!(hits.text(Bound::Target, Unit::None, Some(1)), "> 0.9");
        assert_eq!(hits.text(Bound::Alert, Unit::None, Some(1)), "< 0.5");
        assert_eq!(hits.excess(0.25), Some(2.0));
        assert_eq!(hits.excess(0.0), None);
        assert_eq!(
            Thresholds::default().text(Bound::Alert, Unit::None, None),
            "–"
        );
        assert!(Direction::Below.is_worse(1.0, 2.0));
        assert_eq!(Direction::Below.badness(3.0), -3.0);
    }
}
