//! Human durations in config and on the command line: `500ms`, `5s`, `15m`, `1h` (written
//! back by [`Form::Setting`]).

use crate::model::duration::Form;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// The longest duration any field takes: 10,000 years. Longer ones are typos, and past
/// this, adding one to a clock or doubling it overflows (`--query-timeout 500000000000y`
/// panicked); each field has a tighter limit of its own where one makes sense.
pub const LONGEST: Duration = Duration::from_secs(10_000 * 31_557_600);

/// Parses a duration such as `500ms`, `5s`, `15m`, `1h 30m`: more than zero, at most
/// [`LONGEST`].
pub fn parse(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| {
        format!("invalid duration \"{text}\" ({e}); expected e.g. 500ms, 5s, 15m, 1h")
    })?;
    if d.is_zero() {
        return Err(format!("duration \"{text}\" must be greater than zero"));
    }
    if d > LONGEST {
        return Err(format!(
            "duration \"{text}\" is longer than 10000 years; expected e.g. 500ms, 5s, 15m, 1h"
        ));
    }
    Ok(d)
}

/// `d` if it lies in `range`, else why not: `what` ("a refresh") is too short or too long.
pub fn within(
    d: Duration,
    range: &std::ops::RangeInclusive<Duration>,
    what: &str,
) -> Result<Duration, String> {
    if d < *range.start() {
        Err(format!(
            "{what} of {} is too short; it must be at least {}",
            Form::Setting.duration(d),
            Form::Setting.duration(*range.start())
        ))
    } else if d > *range.end() {
        Err(format!(
            "{what} of {} is too long; it must be at most {}",
            Form::Setting.duration(d),
            Form::Setting.duration(*range.end())
        ))
    } else {
        Ok(d)
    }
}

/// A duration written as a string in TOML.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigDuration(pub Duration);

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text)
            .map(ConfigDuration)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse("15m"), Ok(Duration::from_secs(900)));
        assert!(parse("5x").is_err());
        assert!(parse("0s").is_err());
        assert_eq!(parse("10000y"), Ok(LONGEST));
        for absurd in ["10001y", "500000000000y", "1000000y"] {
            let refused = parse(absurd).unwrap_err();
            assert!(refused.contains("longer than 10000 years"), "{refused}");
        }
    }

    #[test]
    fn ranges_say_which_end_is_crossed() {
        let range = Duration::from_millis(250)..=Duration::from_secs(86_400);
        assert_eq!(
            within(Duration::from_secs(5), &range, "a refresh"),
            Ok(Duration::from_secs(5))
        );
        assert_eq!(
            within(Duration::from_millis(1), &range, "a refresh").unwrap_err(),
            "a refresh of 1ms is too short; it must be at least 250ms"
        );
        assert_eq!(
            within(Duration::from_secs(86_401), &range, "a refresh").unwrap_err(),
            "a refresh of 1d1s is too long; it must be at most 1d"
        );
    }
}
