//! Times as a report writes them: always UTC, never the local zone, so the
//! same recording gives the same report anywhere.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// A moment, both ways a reader wants it: Unix seconds for tools, ISO-8601 for people.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Time {
    /// Unix seconds (millisecond resolution, like the recording).
    pub unix: f64,
    /// ISO-8601 in UTC, to the millisecond: `2027-01-15T08:03:00.000Z`.
    pub iso: String,
}

impl Time {
    pub fn at(unix: f64) -> Time {
        Time {
            unix,
            iso: utc(unix).map_or_else(
                || format!("{unix}"),
                |t| t.to_rfc3339_opts(SecondsFormat::Millis, true),
            ),
        }
    }
}

fn utc(unix: f64) -> Option<DateTime<Utc>> {
    if !unix.is_finite() {
        return None;
    }
    DateTime::from_timestamp_millis((unix * 1000.0).floor() as i64)
}

/// `fmt` (a chrono format string) of `unix` in UTC; the raw number if it is no date.
fn formatted(unix: f64, fmt: &str) -> String {
    utc(unix).map_or_else(|| format!("{unix}"), |t| t.format(fmt).to_string())
}

/// `2027-01-15T08:03:00Z`: the report's header.
pub fn iso_seconds(unix: f64) -> String {
    formatted(unix, "%Y-%m-%dT%H:%M:%SZ")
}

/// `2027-01-15`.
pub fn date(unix: f64) -> String {
    formatted(unix, "%Y-%m-%d")
}

/// How times are written inside tables: `HH:MM:SS` when the whole recording lies within
/// one UTC day (the header gives the date), with the date when it crosses midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockStyle {
    pub with_date: bool,
}

impl ClockStyle {
    pub fn for_span(start: f64, end: f64) -> ClockStyle {
        ClockStyle {
            with_date: date(start) != date(end),
        }
    }

    pub fn format(self, unix: f64) -> String {
        if self.with_date {
            formatted(unix, "%Y-%m-%d %H:%M:%S")
        } else {
            formatted(unix, "%H:%M:%S")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: f64 = 1_800_000_000.0;

    #[test]
    fn times_are_utc() {
        assert_eq!(iso_seconds(T0), "2027-01-15T08:00:00Z");
        assert_eq!(Time::at(T0 + 180.25).iso, "2027-01-15T08:03:00.250Z");
        assert_eq!(date(T0), "2027-01-15");
        let same_day = ClockStyle::for_span(T0, T0 + 600.0);
        assert_eq!(same_day.format(T0 + 180.999), "08:03:00");
        let two_days = ClockStyle::for_span(T0, T0 + 86_400.0);
        assert_eq!(two_days.format(T0 + 180.0), "2027-01-15 08:03:00");
        assert_eq!(Time::at(f64::NAN).iso, "NaN");
    }
}
