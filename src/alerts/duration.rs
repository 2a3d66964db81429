//! Durations the way Prometheus writes them in rule files: `30s`, `5m`, `1h30m`, `0`.
//!
//! Not `config::duration::parse`: Prometheus accepts `0` (a `for` of zero fires at once),
//! requires units from largest to smallest, and its `y` is 365 days; humantime differs on
//! all three. Nor `promql_parser::util::parse_duration`: it reads range selectors, so it
//! refuses `0` and `0s`, takes a bare `5` as seconds, silently drops a count that does not
//! fit in 32 bits (`1s5000000000ms` is 1s), and says only "not a valid duration string".

use serde::{Deserialize, Deserializer, de};
use std::time::Duration;

const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

const EXPECTED: &str = "expected e.g. 30s, 5m, 1h30m";

/// Parses a Prometheus duration. The message of an error quotes the text and says why.
pub fn parse(text: &str) -> Result<Duration, String> {
    match text {
        "0" => return Ok(Duration::ZERO),
        "" => return Err(format!("empty duration; {EXPECTED}")),
        _ => {}
    }
    let invalid = || format!("invalid duration \"{text}\"; {EXPECTED}");
    let mut rest = text;
    let mut millis: u64 = 0;
    // Index into UNITS of the last unit seen: each unit at most once, largest first.
    let mut last_unit: Option<usize> = None;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(invalid());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        if unit.is_empty() {
            return Err(format!(
                "invalid duration \"{text}\": a number needs a unit (ms, s, m, h, d, w, y); {EXPECTED}"
            ));
        }
        let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(format!(
                "invalid duration \"{text}\": unknown unit \"{unit}\" (ms, s, m, h, d, w, y); {EXPECTED}"
            ));
        };
        if last_unit.is_some_and(|last| index <= last) {
            return Err(format!(
                "invalid duration \"{text}\": units must go from largest to smallest, each once; {EXPECTED}"
            ));
        }
        last_unit = Some(index);
        millis = number
            .checked_mul(UNITS[index].1)
            .and_then(|m| millis.checked_add(m))
            .ok_or_else(|| format!("duration \"{text}\" is too long"))?;
    }
    Ok(Duration::from_millis(millis))
}

/// A duration in a rule file. YAML reads `for: 0` as a number, so numbers are accepted
/// and parsed from their text (only `0` is valid without a unit, as in Prometheus).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PromDuration(pub Duration);

impl<'de> Deserialize<'de> for PromDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = PromDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration such as 30s, 5m or 1h30m")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<PromDuration, E> {
                parse(text).map(PromDuration).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<PromDuration, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<PromDuration, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<PromDuration, E> {
                self.visit_str(&n.to_string())
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_forms() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("1m500ms"), Ok(Duration::from_millis(60_500)));
        assert_eq!(parse("1y"), Ok(Duration::from_secs(365 * 86_400)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn bad_durations_say_why() {
        assert!(parse("5x").unwrap_err().contains("unknown unit \"x\""));
        assert!(parse("5").unwrap_err().contains("needs a unit"));
        assert!(parse("30m1h").unwrap_err().contains("largest to smallest"));
        assert!(parse("1m1m").is_err());
        assert!(parse("").is_err());
        assert!(parse(" 5m").is_err());
        assert!(parse("-5m").is_err());
        assert!(parse("1.5h").is_err());
        assert!(
            parse("99999999999999999y")
                .unwrap_err()
                .contains("too long")
        );
    }
}
