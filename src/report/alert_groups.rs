//! The report's alert table grouped as the Alerts tab groups alerts: a rule that fired
//! over many series is one row with its count, shared labels and the differing ones
//! counted.

use super::time::ClockStyle;
use super::{AlertRow, shown_labels};
use crate::alerts::board::severity_rank;
use crate::model::Labels;
use crate::prom::AlertState;
use crate::view::alert_groups::{GroupKey, Grouped, group_by};
use serde::Serialize;
use std::collections::BTreeMap;

/// A group of alert instances in the JSON report, beside the instances themselves.
#[derive(Clone, Debug, Serialize)]
pub struct AlertGroupSummary {
    pub name: String,
    /// Who reported them: `server`, `local`, or both.
    pub source: String,
    pub count: usize,
    /// Labels every instance had with the same value.
    pub shared_labels: Labels,
    /// The other labels, with how many values they took.
    pub differing_labels: BTreeMap<String, usize>,
}

pub fn summaries(alerts: &[AlertRow]) -> Vec<AlertGroupSummary> {
    group_rows(alerts)
        .into_iter()
        .map(|g| AlertGroupSummary {
            name: g.key.name,
            source: g.key.source,
            count: g.members.len(),
            shared_labels: g.shared,
            differing_labels: g.differing.into_iter().collect(),
        })
        .collect()
}

/// The alert instances by rule name and source, in the order they started.
pub fn group_rows(alerts: &[AlertRow]) -> Vec<Grouped<&AlertRow>> {
    group_by(
        alerts,
        |a| GroupKey {
            name: a.name.clone(),
            source: sources(a),
        },
        |a| &a.labels,
    )
}

fn sources(a: &AlertRow) -> String {
    a.sources
        .iter()
        .map(|s| crate::view::alert_groups::source_name(*s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A group of instances as one row: first pending, first fired, last resolved (or how
/// many were still active at the end), highest peak.
pub fn group_cells(group: &Grouped<&AlertRow>, clock: ClockStyle) -> Vec<String> {
    let members = &group.members;
    let mut labels = shown_labels(&group.shared);
    let differing = group.differing_text();
    if !differing.is_empty() {
        if !labels.is_empty() {
            labels.push_str(" · ");
        }
        labels.push_str(&differing);
    }
    let severity = members
        .iter()
        .map(|a| a.severity.as_deref())
        .min_by_key(|s| severity_rank(*s))
        .flatten()
        .unwrap_or("—");
    let pending = members
        .iter()
        .map(|a| a.pending_at.unix)
        .fold(f64::INFINITY, f64::min);
    let first_fired = members
        .iter()
        .filter_map(|a| a.fired_at.as_ref().map(|t| (t.unix, a.firing_at_start)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let fired = match first_fired {
        Some((t, true)) => format!("already firing at {}", clock.format(t)),
        Some((t, false)) => clock.format(t),
        None => "did not fire".to_string(),
    };
    let active: Vec<&&AlertRow> = members.iter().filter(|a| a.resolved_at.is_none()).collect();
    let resolved = if active.is_empty() {
        let last = members
            .iter()
            .filter_map(|a| a.resolved_at.as_ref().map(|t| t.unix))
            .fold(f64::NEG_INFINITY, f64::max);
        clock.format(last)
    } else {
        let firing = active
            .iter()
            .filter(|a| a.state_at_end != Some(AlertState::Pending))
            .count();
        let pending = active.len() - firing;
        [(firing, "firing"), (pending, "pending")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} still {what} at end"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let peak = members.iter().filter_map(|a| a.peak_value).reduce(f64::max);
    vec![
        format!("{} ×{}", group.key.name, members.len()),
        if labels.is_empty() {
            "—".into()
        } else {
            labels
        },
        severity.to_string(),
        clock.format(pending),
        fired,
        resolved,
        peak.map_or_else(|| "—".into(), super::markdown::number),
        group.key.source.clone(),
        members
            .first()
            .and_then(|a| a.summary.clone())
            .unwrap_or_else(|| "—".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::AlertSource;
    use crate::report::time::Time;

    fn row(route: &str, resolved: Option<f64>) -> AlertRow {
        AlertRow {
            name: "HighAPIResponseTime".into(),
            labels: crate::model::labels::from_pairs(&[
                ("alertname", "HighAPIResponseTime"),
                ("severity", "warning"),
                ("job", "api"),
                ("route", route),
            ]),
            severity: Some("warning".into()),
            sources: vec![AlertSource::Server],
            pending_at: Time::at(100.0),
            fired_at: Some(Time::at(130.0)),
            firing_at_start: false,
            resolved_at: resolved.map(Time::at),
            state_at_end: resolved.is_none().then_some(AlertState::Firing),
            peak_value: Some(0.9),
            summary: Some("High API response time".into()),
        }
    }

    #[test]
    fn a_fan_out_is_one_row_with_its_count() {
        let rows = vec![
            row("/a", Some(400.0)),
            row("/b", None),
            row("/c", Some(500.0)),
        ];
        let groups = group_rows(&rows);
        assert_eq!(groups.len(), 1);
        let clock = ClockStyle { with_date: false };
        let cells = group_cells(&groups[0], clock);
        assert_eq!(cells[0], "HighAPIResponseTime ×3");
        assert_eq!(cells[1], "job=api · route: 3 values");
        assert_eq!(cells[5], "1 still firing at end");
        assert_eq!(cells[7], "server");
        let json = summaries(&rows);
        assert_eq!(json[0].count, 3);
        assert_eq!(json[0].differing_labels["route"], 3);
    }
}
