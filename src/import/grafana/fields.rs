//! Grafana's field config in layout terms: unit, threshold steps (→ target, alert and
//! direction), value mappings that name values, and the reduction of a stat.

use super::json;
use super::report::word;
use crate::config::layout::Reduce;
use crate::model::mapping::{Matches, ValueText};
use crate::model::{Direction, Thresholds, Unit};
use serde_json::Value;

/// `value` shown as `text`.
fn word_for(value: f64, text: &str) -> ValueText {
    ValueText {
        matches: Matches::Value(value),
        text: text.to_string(),
    }
}

/// A Grafana unit id as a layout unit; the second part says what was lost, if anything.
/// Mappings come with units that name values (`bool_yes_no`).
pub fn unit(grafana: &str) -> (Unit, Option<String>, Vec<ValueText>) {
    let exact = |unit| (unit, None, Vec::new());
    let approximated = |unit, why: &str| (unit, Some(why.to_string()), Vec::new());
    let words = |yes: &str, no: &str| {
        (
            Unit::None,
            None,
            vec![word_for(1.0, yes), word_for(0.0, no)],
        )
    };
    match grafana {
        "" | "none" | "short" => exact(Unit::None),
        "s" | "dtdurations" => exact(Unit::Seconds),
        "ms" | "dtdurationms" => exact(Unit::Milliseconds),
        "µs" | "us" => exact(Unit::Microseconds),
        "bytes" => exact(Unit::Bytes),
        "decbytes" => approximated(
            Unit::Bytes,
            "unit decbytes is shown with binary prefixes (KiB, MiB)",
        ),
        "Bps" | "binBps" => exact(Unit::BytesPerSecond),
        "decBps" => approximated(
            Unit::BytesPerSecond,
            "unit decBps is shown with binary prefixes (KiB/s)",
        ),
        "bps" | "decbps" => exact(Unit::BitsPerSecond),
        "binbps" => approximated(
            Unit::BitsPerSecond,
            "unit binbps is shown with decimal prefixes (kb/s)",
        ),
        "percent" => exact(Unit::Percent),
        "percentunit" => exact(Unit::Ratio),
        "reqps" | "rps" | "ops" | "opsps" | "iops" | "pps" | "eps" | "wps" | "cps" | "hertz" => {
            exact(Unit::PerSecond)
        }
        "bool_yes_no" => words("Yes", "No"),
        "bool_on_off" => words("On", "Off"),
        "bool" => words("True", "False"),
        other => approximated(
            Unit::None,
            &format!("unit {other} has no layout unit; values are shown as plain numbers"),
        ),
    }
}

/// How bad a colour looks: 0 fine, 1 a warning, 2 an alert; `None` when it is not clear.
fn severity(colour: &str) -> Option<u8> {
    let c = colour.to_ascii_lowercase();
    if c.contains("red") {
        return Some(2);
    }
    if c.contains("orange") || c.contains("yellow") {
        return Some(1);
    }
    if ["green", "blue", "purple", "text", "transparent"]
        .iter()
        .any(|name| c.contains(name))
    {
        return Some(0);
    }
    let (r, g, b) = rgb(&c)?;
    Some(if r > 180 && g < 110 {
        2
    } else if r > 180 && g >= 110 && b < 110 {
        1
    } else {
        0
    })
}

/// `#rrggbb` or `rgb(a)(r, g, b…)`.
pub fn rgb(colour: &str) -> Option<(u8, u8, u8)> {
    if let Some(hex) = colour.strip_prefix('#').filter(|h| h.len() >= 6) {
        let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        return Some((byte(0)?, byte(2)?, byte(4)?));
    }
    let inner = colour.split_once('(')?.1.trim_end_matches(')');
    let parts: Vec<u8> = inner
        .split(',')
        .take(3)
        .filter_map(|p| {
            p.trim()
                .parse::<f64>()
                .ok()
                .map(|v| v.clamp(0.0, 255.0) as u8)
        })
        .collect();
    match parts.as_slice() {
        [r, g, b] => Some((*r, *g, *b)),
        _ => None,
    }
}

/// Threshold steps (`[{color, value}]`, the first with a null value) as target, alert and
/// direction. `range` converts percentage steps when the panel has min and max.
pub fn thresholds(config: &Value, range: (Option<f64>, Option<f64>)) -> Result<Thresholds, String> {
    let steps = json::list(config, "steps");
    let mut levels: Vec<(Option<f64>, u8)> = Vec::with_capacity(steps.len());
    for step in steps {
        let colour = json::text(step, "color").unwrap_or("");
        let Some(level) = severity(colour) else {
            return Err(format!(
                "threshold colour {colour:?} is neither green, yellow/orange nor red; thresholds not converted"
            ));
        };
        levels.push((json::number_at(step, "value"), level));
    }
    if json::text(config, "mode") == Some("percentage") {
        let (Some(min), Some(max)) = range else {
            return Err("percentage thresholds without min and max are not converted".into());
        };
        for (value, _) in &mut levels {
            *value = value.map(|p| min + p / 100.0 * (max - min));
        }
    }
    from_levels(&levels)
}

/// Steps in ascending order of value as target/alert: severity rising with the value means
/// above is bad, falling means below is bad.
fn from_levels(levels: &[(Option<f64>, u8)]) -> Result<Thresholds, String> {
    let worst = levels.iter().map(|(_, l)| *l).max().unwrap_or(0);
    if worst == 0 {
        return Ok(Thresholds::default());
    }
    let rising = levels.windows(2).all(|w| w[0].1 <= w[1].1);
    let falling = levels.windows(2).all(|w| w[0].1 >= w[1].1);
    if rising {
        let first_at = |level: u8| {
            levels
                .iter()
                .find(|(_, l)| *l >= level)
                .and_then(|(v, _)| *v)
        };
        let alert = first_at(2);
        let target = first_at(1).filter(|t| alert.is_none_or(|a| *t < a));
        return Ok(Thresholds {
            target,
            alert,
            direction: Direction::Above,
        });
    }
    if falling {
        // Below a step the previous (worse) colour holds: the alert ends where red ends.
        let last_below = |level: u8| {
            levels
                .iter()
                .find(|(_, l)| *l < level)
                .and_then(|(v, _)| *v)
        };
        let alert = last_below(2);
        let target = last_below(1).filter(|t| alert.is_none_or(|a| *t > a));
        return Ok(Thresholds {
            target,
            alert,
            direction: Direction::Below,
        });
    }
    Err("threshold colours go up and down (a band); thresholds not converted".into())
}

/// What became of a panel's value mappings.
#[derive(Debug, Default)]
pub struct Mappings {
    pub texts: Vec<ValueText>,
    /// Mappings with no layout counterpart (regexes, colours only).
    pub lost: Vec<String>,
    /// Mappings of "no value", which a panel without data already says in its own words.
    pub no_value: Vec<String>,
}

/// Value mappings that name values: `value`, `range` and the old `valueMaps`.
/// What cannot become text (regexes, colours only) is named.
pub fn mappings(list: &[Value]) -> Mappings {
    let mut found = Mappings::default();
    for mapping in list {
        let options = mapping.get("options").unwrap_or(&Value::Null);
        match json::text(mapping, "type") {
            Some("value") => value_mappings(options, &mut found),
            Some("range") => {
                let result = options.get("result").unwrap_or(&Value::Null);
                let (from, to) = (
                    json::number_at(options, "from"),
                    json::number_at(options, "to"),
                );
                match json::text(result, "text") {
                    Some(text) if from.is_some() || to.is_some() => found.texts.push(ValueText {
                        matches: Matches::Range { from, to },
                        text: text.to_string(),
                    }),
                    _ => found
                        .lost
                        .push("range mapping without text or bounds".to_string()),
                }
            }
            Some("special")
                if matches!(
                    json::text(options, "match"),
                    Some("null" | "nan" | "null+nan")
                ) =>
            {
                let text = options
                    .pointer("/result/text")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                found.no_value.push(format!(
                    "Grafana shows {text:?} for no value; here the panel says it has no data"
                ));
            }
            Some(kind) => {
                let matched = json::text(options, "match")
                    .or_else(|| json::text(options, "pattern"))
                    .map(|m| format!(" of {m}"))
                    .unwrap_or_default();
                found.lost.push(format!("{kind} mapping{matched}"));
            }
            // Old singlestat `valueMaps`: {value, op: "=", text}.
            None => match (
                json::number_at(mapping, "value"),
                json::text(mapping, "text"),
            ) {
                (Some(value), Some(text)) => found.texts.push(word_for(value, text)),
                _ => found
                    .lost
                    .push("value mapping without a number and a text".to_string()),
            },
        }
    }
    found
}

/// A `value` mapping's options: `{"1": {"text": "up"}, …}`.
fn value_mappings(options: &Value, found: &mut Mappings) {
    let Some(entries) = options.as_object() else {
        return;
    };
    for (key, result) in entries {
        match (key.trim().parse::<f64>(), json::text(result, "text")) {
            (Ok(value), Some(text)) => found.texts.push(word_for(value, text)),
            (Err(_), _) => found
                .lost
                .push(format!("value mapping of \"{key}\" (not a number)")),
            (Ok(_), None) => found
                .lost
                .push(format!("value mapping of {key} (a colour, no text)")),
        }
    }
}

/// `reduceOptions.calcs` as the layout's `reduce`: the latest value needs none.
pub fn reduce(calcs: &[Value]) -> (Option<Reduce>, Option<String>) {
    let Some(calc) = calcs.first().and_then(Value::as_str) else {
        return (None, None);
    };
    let over_time = |reduce: Reduce| {
        (
            Some(reduce),
            Some(format!(
                "Grafana's {calc} over time becomes the {} of the series' latest values",
                word(&reduce)
            )),
        )
    };
    match calc {
        "lastNotNull" | "last" | "current" => (None, None),
        "max" => over_time(Reduce::Max),
        "min" => over_time(Reduce::Min),
        "mean" | "avg" => over_time(Reduce::Avg),
        "sum" | "total" => over_time(Reduce::Sum),
        other => (
            None,
            Some(format!(
                "calculation {other} is not converted; the latest value is shown"
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rising_colours_mean_above_is_bad() {
        let steps = json!({"mode": "absolute", "steps": [
            {"color": "green", "value": null},
            {"color": "#EAB839", "value": 70},
            {"color": "red", "value": 90}]});
        assert_eq!(
            thresholds(&steps, (None, None)),
            Ok(Thresholds {
                target: Some(70.0),
                alert: Some(90.0),
                direction: Direction::Above
            })
        );
    }

    #[test]
    fn falling_colours_mean_below_is_bad() {
        let steps = json!({"steps": [
            {"color": "red", "value": null},
            {"color": "orange", "value": 10},
            {"color": "green", "value": 20}]});
        assert_eq!(
            thresholds(&steps, (None, None)),
            Ok(Thresholds {
                target: Some(20.0),
                alert: Some(10.0),
                direction: Direction::Below
            })
        );
    }

    #[test]
    fn percentage_steps_need_a_range_and_bands_are_refused() {
        let pct = json!({"mode": "percentage", "steps": [
            {"color": "green", "value": null}, {"color": "red", "value": 80}]});
        assert!(thresholds(&pct, (None, None)).is_err());
        assert_eq!(
            thresholds(&pct, (Some(0.0), Some(2.0))).map(|t| t.alert),
            Ok(Some(1.6))
        );
        let band = json!({"steps": [
            {"color": "green", "value": null}, {"color": "red", "value": 5},
            {"color": "green", "value": 10}]});
        assert!(thresholds(&band, (None, None)).is_err());
    }

    #[test]
    fn value_and_range_mappings_become_text_and_the_rest_is_named() {
        let list = json!([
            {"type": "value", "options": {"1": {"text": "up"}, "0": {"text": "down"}}},
            {"type": "range", "options": {"from": 2, "to": 5, "result": {"text": "degraded"}}},
            {"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}]);
        let found = mappings(list.as_array().unwrap());
        assert_eq!(found.texts.len(), 3);
        assert!(found.lost.is_empty());
        assert_eq!(found.no_value.len(), 1);
    }

    #[test]
    fn units_map_or_say_what_is_lost() {
        assert_eq!(unit("percentunit").0, Unit::Ratio);
        assert_eq!(unit("ms").0, Unit::Milliseconds);
        assert!(unit("decbytes").1.is_some());
        assert!(unit("celsius").1.unwrap().contains("celsius"));
        assert_eq!(unit("bool_yes_no").2.len(), 2);
    }
}
