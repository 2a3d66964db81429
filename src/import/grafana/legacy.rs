//! What old panels (graph, singlestat) say in fields of their own: thresholds, and the
//! graph's per-series overrides, which the chart here cannot draw and so are named.

use super::json;
use crate::model::{Direction, Thresholds};
use serde_json::Value;
use std::collections::BTreeSet;

/// The old graph's `seriesOverrides`: the chart here draws every series alike on one
/// y axis, so a right axis, a series drawn below zero and a series' own style are named.
pub(super) fn series_overrides(panel: &Value, lost: &mut Vec<String>) {
    let (mut right, mut negative, mut styled) = (Vec::new(), Vec::new(), BTreeSet::new());
    for o in json::list(panel, "seriesOverrides") {
        let alias = json::text(o, "alias").unwrap_or("?");
        let Some(fields) = o.as_object() else {
            continue;
        };
        for key in fields.keys() {
            match key.as_str() {
                // `$$hashKey` is Grafana's editor's bookkeeping, not a style.
                k if k == "alias" || k.starts_with("$$") => {}
                "yaxis" if json::number_at(o, "yaxis") == Some(2.0) => right.push(alias),
                "transform" if json::text(o, "transform") == Some("negative-Y") => {
                    negative.push(alias)
                }
                other => {
                    styled.insert(other);
                }
            }
        }
    }
    let names = |aliases: &[&str]| {
        let mut text = aliases
            .iter()
            .take(5)
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if aliases.len() > 5 {
            text.push_str(&format!(" and {} more", aliases.len() - 5));
        }
        text
    };
    if !right.is_empty() {
        let unit = panel
            .pointer("/yaxes/1/format")
            .and_then(Value::as_str)
            .map(|u| format!(" (unit {u})"))
            .unwrap_or_default();
        lost.push(format!(
            "series {} on Grafana's right y axis{unit} share the left one here, in the panel's unit",
            names(&right)
        ));
    }
    if !negative.is_empty() {
        lost.push(format!(
            "series {} drawn below zero in Grafana (negative-Y) are drawn above it here",
            names(&negative)
        ));
    }
    if !styled.is_empty() {
        let keys: Vec<&str> = styled.into_iter().collect();
        lost.push(format!(
            "per-series styles ({}) are not converted",
            keys.join(", ")
        ));
    }
}

/// The old graph panel's `thresholds: [{value, colorMode, op}]` and singlestat's "70,90".
pub(super) fn legacy_thresholds(value: &Value) -> Result<Option<Thresholds>, String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => {
            let limits: Vec<f64> = text
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect();
            match limits.as_slice() {
                [alert] => Ok(Some(Thresholds {
                    target: None,
                    alert: Some(*alert),
                    direction: Direction::Above,
                })),
                [target, alert] if target <= alert => Ok(Some(Thresholds {
                    target: Some(*target),
                    alert: Some(*alert),
                    direction: Direction::Above,
                })),
                _ => Err(format!(
                    "singlestat thresholds \"{text}\" are not converted"
                )),
            }
        }
        Value::Array(steps) if !steps.is_empty() => {
            let mut out = Thresholds::default();
            for step in steps {
                let limit = json::number_at(step, "value");
                match json::text(step, "colorMode") {
                    Some("critical") => out.alert = limit,
                    Some("warning") => out.target = limit,
                    _ => return Err("custom-coloured graph thresholds are not converted".into()),
                }
                out.direction = Direction::watched_by(json::text(step, "op") != Some("lt"));
            }
            if out.is_inverted() {
                return Err("graph thresholds with warning past critical are not converted".into());
            }
            Ok(Some(out))
        }
        _ => Ok(None),
    }
}
