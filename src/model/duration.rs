//! Lengths of time in words, the one way each place needs them: the screen's ages, a
//! report's spans, a setting as the config file writes it.

use std::time::Duration;

/// How a length of time is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `3s`, `2m05s`, `1h02m`: an age on screen, two units at most, hours the largest.
    Age,
    /// `45s`, `4m 30s`, `2h 05m`, `3d 04h`: a span in a report.
    Report,
    /// `500ms`, `5m`, `1m30s`, `1d2h3m4s`: a setting, exact, as the config file takes it.
    Setting,
}

const UNITS: [(&str, u64); 4] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];

impl Form {
    /// `seconds` to the nearest second (negative counts as none); `—` for no number.
    pub fn seconds(self, seconds: f64) -> String {
        if !seconds.is_finite() {
            return "—".to_string();
        }
        self.whole(seconds.max(0.0).round() as u64)
    }

    /// `length`, to the millisecond below a second in a setting, else to the second below.
    pub fn duration(self, length: Duration) -> String {
        let ms = length.as_millis();
        if self == Form::Setting && ms < 1000 {
            return format!("{ms}ms");
        }
        self.whole(length.as_secs())
    }

    fn whole(self, secs: u64) -> String {
        let units = match self {
            Form::Age => &UNITS[1..],
            Form::Report | Form::Setting => &UNITS[..],
        };
        // Each unit's count, the largest taking all it can.
        let mut left = secs;
        let counts: Vec<(u64, &str)> = units
            .iter()
            .map(|&(unit, size)| {
                let n = left / size;
                left %= size;
                (n, unit)
            })
            .collect();
        match self {
            Form::Setting => {
                let out: String = counts
                    .iter()
                    .filter(|(n, _)| *n > 0)
                    .map(|(n, unit)| format!("{n}{unit}"))
                    .collect();
                if out.is_empty() {
                    "0s".to_string()
                } else {
                    out
                }
            }
            Form::Age | Form::Report => {
                let sep = if self == Form::Report { " " } else { "" };
                let first = counts
                    .iter()
                    .position(|(n, _)| *n > 0)
                    .unwrap_or(counts.len() - 1);
                let (n, unit) = counts[first];
                match counts.get(first + 1) {
                    Some((m, next)) => format!("{n}{unit}{sep}{m:02}{next}"),
                    None => format!("{n}{unit}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Form;
    use std::time::Duration;

    /// The screen's ages, as `ui/status_bar.rs` wrote them.
    #[test]
    fn ages_are_compact() {
        assert_eq!(Form::Age.seconds(0.0), "0s");
        assert_eq!(Form::Age.seconds(3.2), "3s");
        assert_eq!(Form::Age.seconds(59.4), "59s");
        assert_eq!(Form::Age.seconds(59.5), "1m00s");
        assert_eq!(Form::Age.seconds(125.0), "2m05s");
        assert_eq!(Form::Age.seconds(3599.0), "59m59s");
        assert_eq!(Form::Age.seconds(3720.0), "1h02m");
        assert_eq!(
            Form::Age.seconds(3.0 * 86_400.0 + 60.0),
            "72h01m",
            "no days on screen"
        );
        assert_eq!(Form::Age.seconds(-3.0), "0s");
    }

    /// A report's spans, as `report/time.rs` wrote them.
    #[test]
    fn report_spans_read_like_a_person_writes_them() {
        let span = |s| Form::Report.seconds(s);
        assert_eq!(span(0.0), "0s");
        assert_eq!(span(44.6), "45s");
        assert_eq!(span(270.0), "4m 30s");
        assert_eq!(span(600.0), "10m 00s");
        assert_eq!(span(7500.0), "2h 05m");
        assert_eq!(span(86_400.0 * 3.0 + 3600.0 * 4.0), "3d 04h");
        assert_eq!(span(86_400.0), "1d 00h");
        assert_eq!(span(-3.0), "0s");
        assert_eq!(span(f64::NAN), "—");
        assert_eq!(span(f64::INFINITY), "—");
    }

    /// Settings, as `config/duration.rs` wrote them: what `parse` reads back.
    #[test]
    fn settings_are_exact() {
        let setting = |d| Form::Setting.duration(d);
        assert_eq!(setting(Duration::from_secs(300)), "5m");
        assert_eq!(setting(Duration::from_secs(90)), "1m30s");
        assert_eq!(setting(Duration::from_millis(500)), "500ms");
        assert_eq!(setting(Duration::from_millis(570)), "570ms");
        assert_eq!(setting(Duration::from_millis(1500)), "1s", "seconds below");
        assert_eq!(setting(Duration::ZERO), "0ms");
        assert_eq!(setting(Duration::from_secs(86_400 * 7)), "7d");
        assert_eq!(setting(Duration::from_secs(93_784)), "1d2h3m4s");
        assert_eq!(setting(Duration::from_secs(3_601)), "1h1s");
    }
}
