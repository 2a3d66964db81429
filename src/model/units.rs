//! Units a panel declares, and how a value in that unit is written for a human.

use serde::{Deserialize, Serialize};

/// The unit of a query's values, as declared in a layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Plain number.
    #[default]
    None,
    /// Durations in seconds, shown as µs/ms/s/min/h.
    Seconds,
    /// Durations in milliseconds (Grafana's `ms`), shown like seconds.
    Milliseconds,
    /// Durations in microseconds (Grafana's `µs`), shown like seconds.
    Microseconds,
    /// Sizes in bytes, shown with binary prefixes (KiB, MiB…).
    Bytes,
    /// Byte rates, shown as KiB/s, MiB/s….
    BytesPerSecond,
    /// Bit rates (network links), shown with SI prefixes: kb/s, Mb/s….
    BitsPerSecond,
    /// A percentage already in 0–100.
    Percent,
    /// A fraction in 0–1, shown as a percentage.
    Ratio,
    /// Events per second, shown with SI prefixes (k, M).
    PerSecond,
    /// A count of things, shown with SI prefixes when large.
    Count,
}

impl Unit {
    /// Decimals used when a layout does not say.
    fn default_decimals(self) -> u8 {
        match self {
            Unit::None => 2,
            Unit::Count => 0,
            Unit::Seconds | Unit::Milliseconds | Unit::Microseconds => 1,
            Unit::Bytes | Unit::BytesPerSecond | Unit::BitsPerSecond => 1,
            Unit::Percent | Unit::Ratio | Unit::PerSecond => 1,
        }
    }

    /// Formats `value` for display; `decimals` overrides the unit's default precision.
    pub fn format(self, value: f64, decimals: Option<u8>) -> String {
        if value.is_nan() {
            return "NaN".to_string();
        }
        if value.is_infinite() {
            return if value > 0.0 { "+Inf" } else { "-Inf" }.to_string();
        }
        let d = usize::from(decimals.unwrap_or_else(|| self.default_decimals()));
        match self {
            Unit::None => format!("{value:.d$}"),
            Unit::Seconds => format_seconds(value, decimals),
            Unit::Milliseconds => format_seconds(value / 1e3, decimals),
            Unit::Microseconds => format_seconds(value / 1e6, decimals),
            Unit::Bytes => scaled(
                value,
                1024.0,
                &["B", "KiB", "MiB", "GiB", "TiB", "PiB"],
                d,
                " ",
                "",
            ),
            Unit::BytesPerSecond => scaled(
                value,
                1024.0,
                &["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s", "PiB/s"],
                d,
                " ",
                "",
            ),
            Unit::BitsPerSecond => scaled(
                value,
                1000.0,
                &["b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s"],
                d,
                " ",
                "",
            ),
            Unit::Percent => format!("{value:.d$}%"),
            Unit::Ratio => format!("{:.d$}%", value * 100.0),
            Unit::PerSecond => scaled(value, 1000.0, &["", "k", "M", "G", "T"], d, "", "/s"),
            Unit::Count => {
                if value.abs() < 10_000.0 {
                    format!("{value:.d$}")
                } else {
                    scaled(value, 1000.0, &["", "k", "M", "G", "T"], d.max(1), "", "")
                }
            }
        }
    }
}

/// Durations: sub-second values in ms (or µs), larger ones in s, min or h.
fn format_seconds(value: f64, decimals: Option<u8>) -> String {
    let abs = value.abs();
    let (scaled, suffix, default_decimals) = if abs == 0.0 {
        (0.0, "s", 0)
    } else if abs < 1e-3 {
        (value * 1e6, "µs", 0)
    } else if abs < 1.0 {
        (value * 1e3, "ms", 0)
    } else if abs < 10.0 {
        (value, "s", 2)
    } else if abs < 120.0 {
        (value, "s", 1)
    } else if abs < 7200.0 {
        (value / 60.0, "min", 1)
    } else {
        (value / 3600.0, "h", 1)
    };
    let d = usize::from(decimals.unwrap_or(default_decimals));
    format!("{scaled:.d$} {suffix}")
}

/// Divides by `base` until the value fits, then appends the matching prefix.
/// `sep` goes between number and unit ("1.5 KiB", but "1.5k/s").
fn scaled(
    value: f64,
    base: f64,
    prefixes: &[&str],
    decimals: usize,
    sep: &str,
    tail: &str,
) -> String {
    let mut v = value;
    let mut i = 0;
    while v.abs() >= base && i + 1 < prefixes.len() {
        v /= base;
        i += 1;
    }
    // Whole numbers of the base unit (e.g. "512 B") need no decimals.
    let d = if i == 0 && v.fract() == 0.0 {
        0
    } else {
        decimals
    };
    format!("{v:.d$}{sep}{}{tail}", prefixes[i])
}

#[cfg(test)]
mod tests {
    use super::Unit;

    #[test]
    fn seconds_pick_a_readable_scale() {
        assert_eq!(Unit::Seconds.format(0.1234, None), "123 ms");
        assert_eq!(Unit::Seconds.format(0.000_25, None), "250 µs");
        assert_eq!(Unit::Seconds.format(6.5, None), "6.50 s");
        assert_eq!(Unit::Seconds.format(19.0, None), "19.0 s");
        assert_eq!(Unit::Seconds.format(60.0, None), "60.0 s");
        assert_eq!(Unit::Seconds.format(150.0, None), "2.5 min");
        assert_eq!(Unit::Seconds.format(7200.0, None), "2.0 h");
        assert_eq!(Unit::Seconds.format(0.0, None), "0 s");
        assert_eq!(Unit::Seconds.format(0.5, Some(1)), "500.0 ms");
    }

    #[test]
    fn smaller_time_units_read_like_seconds() {
        assert_eq!(Unit::Milliseconds.format(250.0, None), "250 ms");
        assert_eq!(Unit::Milliseconds.format(1500.0, None), "1.50 s");
        assert_eq!(Unit::Microseconds.format(40.0, None), "40 µs");
        assert_eq!(Unit::BitsPerSecond.format(2_500_000.0, None), "2.5 Mb/s");
    }

    #[test]
    fn bytes_use_binary_prefixes() {
        assert_eq!(Unit::Bytes.format(512.0, None), "512 B");
        assert_eq!(Unit::Bytes.format(1536.0, None), "1.5 KiB");
        assert_eq!(
            Unit::Bytes.format(8.0 * 1024.0 * 1024.0 * 1024.0, None),
            "8.0 GiB"
        );
        assert_eq!(
            Unit::BytesPerSecond.format(3.0 * 1024.0 * 1024.0, None),
            "3.0 MiB/s"
        );
    }

    #[test]
    fn percentages_and_ratios() {
        assert_eq!(Unit::Percent.format(85.25, None), "85.2%");
        assert_eq!(Unit::Ratio.format(0.0612, None), "6.1%");
        assert_eq!(Unit::Ratio.format(0.9, Some(0)), "90%");
    }

    #[test]
    fn rates_and_counts_use_si_prefixes() {
        assert_eq!(Unit::PerSecond.format(12.34, None), "12.3/s");
        assert_eq!(Unit::PerSecond.format(1520.0, None), "1.5k/s");
        assert_eq!(Unit::Count.format(42.0, None), "42");
        assert_eq!(Unit::Count.format(1000.0, None), "1000");
        assert_eq!(Unit::Count.format(1_250_000.0, None), "1.2M");
        assert_eq!(Unit::None.format(1.0 / 3.0, None), "0.33");
    }

    #[test]
    fn non_finite_values_are_named() {
        assert_eq!(Unit::Seconds.format(f64::NAN, None), "NaN");
        assert_eq!(Unit::Ratio.format(f64::INFINITY, None), "+Inf");
        assert_eq!(Unit::Count.format(f64::NEG_INFINITY, None), "-Inf");
    }
}
