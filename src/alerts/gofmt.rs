//! Numbers written the way Prometheus' Go templates write them, so an annotation expanded
//! here reads exactly like the one Alertmanager receives: `{{ $value }}` is Go's `%v`
//! (`7.5`, `0.9871234`, `1e+06`), and `humanize`/`humanizeDuration` are Prometheus'
//! template functions.

/// Shortest decimal digits (no leading or trailing zeros) and the decimal exponent of the
/// first digit: 1234.5 → ("12345", 3).
fn digits(v: f64, significant: Option<usize>) -> (String, i32) {
    let sci = match significant {
        Some(p) => format!("{:.*e}", p.saturating_sub(1), v.abs()),
        None => format!("{:e}", v.abs()),
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_string(), exp.parse().unwrap_or(0))
}

fn special(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("+Inf")
    } else if v == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// Go's `%e` tail: `e+06`, `e-05` (at least two exponent digits).
fn exponent(exp: i32) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("e{sign}{:02}", exp.unsigned_abs())
}

/// Go's `%g` (`precision` = `None`: shortest, as `%v` prints floats; `Some(p)`: `%.pg`).
pub fn format_g(v: f64, precision: Option<usize>) -> String {
    if let Some(s) = special(v) {
        return s.to_string();
    }
    let precision = precision.map(|p| p.max(1));
    let (digits, exp) = digits(v, precision);
    let sign = if v.is_sign_negative() { "-" } else { "" };
    // Go: %e when the exponent is < -4 or >= the precision (6 for the shortest form; the
    // digit count when fewer digits than the precision already show the whole integer).
    let limit = match precision {
        None => 6,
        Some(p) if p > digits.len() && digits.len() as i32 > exp => digits.len() as i32,
        Some(p) => p as i32,
    };
    if exp < -4 || exp >= limit {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        return format!("{sign}{first}{dot}{rest}{}", exponent(exp));
    }
    let point = exp + 1; // digits before the decimal point
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{text}")
}

/// Go's `%.pf` (`%f` is `%.6f`).
pub fn format_f(v: f64, precision: usize) -> String {
    match special(v) {
        Some(s) => s.to_string(),
        None => format!("{v:.precision$}"),
    }
}

/// Go's `%.pe` (`%e` is `%.6e`).
pub fn format_e(v: f64, precision: usize) -> String {
    if let Some(s) = special(v) {
        return s.to_string();
    }
    let sci = format!("{v:.precision$e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    format!("{mantissa}{}", exponent(exp.parse().unwrap_or(0)))
}

/// `{{ $value }}`: Go's `%v` for a float64.
pub fn value(v: f64) -> String {
    format_g(v, None)
}

/// Prometheus' `humanize`: SI prefixes, four significant digits (`1.235k`, `12.5m`).
pub fn humanize(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format_g(v, Some(4));
    }
    let (mut v, mut prefix) = (v, "");
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", format_g(v, Some(4)))
}

/// Prometheus' `humanize1024`: binary prefixes (`1Ki`, `1.5Mi`).
pub fn humanize_1024(v: f64) -> String {
    if v.abs() <= 1.0 || !v.is_finite() {
        return format_g(v, Some(4));
    }
    let (mut v, mut prefix) = (v, "");
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", format_g(v, Some(4)))
}

/// Prometheus' `humanizeDuration`: `1d 2h 3m 4s`, `1.5s`, `250ms`.
pub fn humanize_duration(v: f64) -> String {
    if !v.is_finite() {
        return format_g(v, Some(4));
    }
    if v == 0.0 {
        return format!("{}s", format_g(v, Some(4)));
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        let v = v.abs();
        // Go truncates to whole seconds for everything but the seconds-only form.
        let total = v as i64;
        let (days, hours, minutes, seconds) = (
            total / 86_400,
            (total / 3_600) % 24,
            (total / 60) % 60,
            total % 60,
        );
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", format_g(v, Some(4)))
        };
    }
    let (mut v, mut prefix) = (v, "");
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", format_g(v, Some(4)))
}

/// Prometheus' `humanizePercentage`: a ratio as a percentage (`0.1234` → `12.34%`).
pub fn humanize_percentage(v: f64) -> String {
    format!("{}%", format_g(v * 100.0, Some(4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_gos_percent_v() {
        for (v, go) in [
            (7.5, "7.5"),
            (0.9871234, "0.9871234"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (10.0, "10"),
            (0.0, "0"),
            (-2.5, "-2.5"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e21, "1e+21"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(value(v), go, "{v}");
        }
    }

    #[test]
    fn precision_g_matches_go() {
        assert_eq!(format_g(100.0, Some(4)), "100");
        assert_eq!(format_g(1234.0, Some(4)), "1234");
        assert_eq!(format_g(12345.0, Some(4)), "1.234e+04");
        assert_eq!(format_g(1.5, Some(4)), "1.5");
        assert_eq!(format_g(0.000012345, Some(4)), "1.234e-05");
        assert_eq!(format_g(1.23456789, Some(4)), "1.235");
    }

    #[test]
    fn printf_forms() {
        assert_eq!(format_f(7.5, 2), "7.50");
        assert_eq!(format_f(f64::INFINITY, 2), "+Inf");
        assert_eq!(format_e(1500.0, 6), "1.500000e+03");
        assert_eq!(format_e(0.00015, 2), "1.50e-04");
    }

    #[test]
    fn humanize_like_prometheus() {
        assert_eq!(humanize(1234.5678), "1.235k");
        assert_eq!(humanize(0.0125), "12.5m");
        assert_eq!(humanize(5.0), "5");
        assert_eq!(humanize(0.0), "0");
        assert_eq!(humanize(2_500_000.0), "2.5M");
        assert_eq!(humanize_1024(1536.0), "1.5ki");
        assert_eq!(humanize_duration(90061.0), "1d 1h 1m 1s");
        assert_eq!(humanize_duration(3661.5), "1h 1m 1s");
        assert_eq!(humanize_duration(61.0), "1m 1s");
        assert_eq!(humanize_duration(1.5), "1.5s");
        assert_eq!(humanize_duration(0.25), "250ms");
        assert_eq!(humanize_duration(0.0), "0s");
        assert_eq!(humanize_duration(-90.0), "-1m 30s");
        assert_eq!(humanize_percentage(0.1234), "12.34%");
    }
}
