//! Human durations in config and on the command line: `500ms`, `5s`, `15m`, `1h`.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Parses a duration such as `500ms`, `5s`, `15m`, `1h 30m`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| {
        format!("invalid duration \"{text}\" ({e}); expected e.g. 500ms, 5s, 15m, 1h")
    })?;
    if d.is_zero() {
        return Err(format!("duration \"{text}\" must be greater than zero"));
    }
    Ok(d)
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

/// Shortest readable form: 300s → "5m", 90s → "1m30s", 0.5s → "500ms".
pub fn short(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let mut secs = d.as_secs();
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    if secs > 0 || out.is_empty() {
        out.push_str(&format!("{secs}s"));
    }
    out
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
    }

    #[test]
    fn short_forms() {
        assert_eq!(short(Duration::from_secs(300)), "5m");
        assert_eq!(short(Duration::from_secs(90)), "1m30s");
        assert_eq!(short(Duration::from_millis(500)), "500ms");
        assert_eq!(short(Duration::from_secs(86_400 * 7)), "7d");
    }
}
