//! Target and alert thresholds, and the status a value earns against them.

use serde::Deserialize;

/// Which side of a threshold is bad.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is worse (latency, error rate, lag).
    #[default]
    Above,
    /// Lower is worse (cache hit ratio, free space).
    Below,
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
        let worse_than = |limit: f64, inclusive: bool| match (self.direction, inclusive) {
            (Direction::Above, true) => value >= limit,
            (Direction::Above, false) => value > limit,
            (Direction::Below, true) => value <= limit,
            (Direction::Below, false) => value < limit,
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
        match (self.target, self.alert, self.direction) {
            (Some(t), Some(a), Direction::Above) => a < t,
            (Some(t), Some(a), Direction::Below) => a > t,
            _ => false,
        }
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
}
