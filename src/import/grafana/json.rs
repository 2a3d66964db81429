//! Reading Grafana's loosely typed JSON: numbers that may be strings, fields that may be
//! null or missing. Nothing here panics on odd input.

use serde_json::Value;

/// The string at `key`, when it is one and not empty.
pub fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A number written as a number or as a string ("80").
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|v: &f64| v.is_finite())
}

/// The number at `key`.
pub fn number_at(value: &Value, key: &str) -> Option<f64> {
    value.get(key).and_then(number)
}

pub fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The array at `key`, empty when missing.
pub fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The panel's id, as Grafana numbers it.
pub fn id(value: &Value) -> Option<i64> {
    value.get("id").and_then(Value::as_i64)
}

/// Decimals as a layout takes them: 0 to 10.
pub fn decimals(value: &Value) -> Option<u8> {
    number(value).map(|d| d.clamp(0.0, 10.0) as u8)
}
