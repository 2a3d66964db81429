//! Alerts grouped the way Alertmanager and karma show them: one group per alert name and
//! source, with the labels all its members share and the ones that differ counted
//! (`route: 9 values`), so a rule fanning out over 66 series reads as one line. The Alerts
//! panel, the app's selection and the incident report all group through here.

use crate::alerts::board::{AlertBoard, severity_rank};
use crate::model::Labels;
use crate::model::labels::BACKEND_LABEL;
use crate::prom::{Alert, AlertSource, AlertState};
use crate::view::alert_filter::AlertFilter;
use std::collections::{BTreeMap, BTreeSet};

/// Groups larger than this start collapsed.
pub const COLLAPSE_ABOVE: usize = 3;

/// What makes members one group: the alert name and who reports it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    pub name: String,
    pub source: String,
}

/// Items of one group, in the order they came, and what their labels have in common.
#[derive(Clone, Debug, PartialEq)]
pub struct Grouped<T> {
    pub key: GroupKey,
    pub members: Vec<T>,
    /// Labels every member has with the same value (not `alertname`).
    pub shared: Labels,
    /// Labels whose values differ, with how many distinct values they take.
    pub differing: Vec<(String, usize)>,
}

/// Groups `items` by `key`, first group first as the items come (so a sorted list gives
/// groups in that order, each with its members in that order).
pub fn group_by<T>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> GroupKey,
    labels: impl Fn(&T) -> &Labels,
) -> Vec<Grouped<T>> {
    let mut order: Vec<GroupKey> = Vec::new();
    let mut by_key: BTreeMap<GroupKey, Vec<T>> = BTreeMap::new();
    for item in items {
        let k = key(&item);
        if !by_key.contains_key(&k) {
            order.push(k.clone());
        }
        by_key.entry(k).or_default().push(item);
    }
    order
        .into_iter()
        .filter_map(|k| {
            let members = by_key.remove(&k)?;
            let (shared, differing) = common_labels(members.iter().map(&labels));
            Some(Grouped {
                key: k,
                members,
                shared,
                differing,
            })
        })
        .collect()
}

/// The labels all sets share, and the others with their number of distinct values (a
/// label some sets lack counts its absence as a value).
fn common_labels<'a>(sets: impl Iterator<Item = &'a Labels>) -> (Labels, Vec<(String, usize)>) {
    let sets: Vec<&Labels> = sets.collect();
    let names: BTreeSet<&String> = sets.iter().flat_map(|s| s.keys()).collect();
    let mut shared = Labels::new();
    let mut differing = Vec::new();
    for name in names.into_iter().filter(|n| *n != "alertname") {
        let values: BTreeSet<Option<&String>> = sets.iter().map(|s| s.get(name)).collect();
        match values.iter().next() {
            Some(Some(value)) if values.len() == 1 => {
                shared.insert(name.clone(), (*value).clone());
            }
            _ => differing.push((name.clone(), values.len())),
        }
    }
    (shared, differing)
}

pub type AlertGroup<'a> = Grouped<&'a Alert>;

pub fn source_name(source: AlertSource) -> &'static str {
    match source {
        AlertSource::Server => "server",
        AlertSource::Local => "local",
    }
}

/// Groups alerts listed as the board sorts them (severity, firing first, oldest first).
pub fn group_alerts<'a>(alerts: impl IntoIterator<Item = &'a Alert>) -> Vec<AlertGroup<'a>> {
    group_by(
        alerts,
        |a| GroupKey {
            name: a.name.clone(),
            source: source_name(a.source).to_string(),
        },
        |a| &a.labels,
    )
}

impl AlertGroup<'_> {
    pub fn worst_state(&self) -> AlertState {
        self.members
            .iter()
            .map(|a| a.state)
            .max()
            .unwrap_or(AlertState::Inactive)
    }

    /// The most severe member's severity.
    pub fn severity(&self) -> Option<&str> {
        self.members
            .iter()
            .map(|a| a.severity())
            .min_by_key(|s| severity_rank(*s))
            .flatten()
    }

    /// `FIRING ×28 · PENDING ×2`.
    pub fn counts(&self) -> String {
        [AlertState::Firing, AlertState::Pending]
            .iter()
            .filter_map(|state| {
                let n = self.members.iter().filter(|a| a.state == *state).count();
                (n > 0).then(|| format!("{} ×{n}", state.as_str().to_uppercase()))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// ` (eu 20 · us 8)`: how many members each backend has, when they carry one.
    pub fn per_backend(&self) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for member in &self.members {
            if let Some(backend) = member.labels.get(BACKEND_LABEL) {
                *counts.entry(backend.as_str()).or_default() += 1;
            }
        }
        if counts.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = counts.iter().map(|(b, n)| format!("{b} {n}")).collect();
        format!(" ({})", parts.join(" · "))
    }

    /// When the longest-active member became active (Unix seconds).
    pub fn oldest(&self) -> f64 {
        self.members
            .iter()
            .map(|a| a.active_at)
            .fold(f64::INFINITY, f64::min)
    }
}

impl<T> Grouped<T> {
    /// `route: 9 values, method: 2 values`.
    pub fn differing_text(&self) -> String {
        self.differing
            .iter()
            .map(|(name, n)| format!("{name}: {n} values"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One line of the alert list: a group's own line, or an alert (alone, or inside an
/// expanded group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertLine {
    Group {
        group: usize,
        expanded: bool,
    },
    Alert {
        group: usize,
        member: usize,
        nested: bool,
    },
}

impl AlertLine {
    pub fn group(self) -> usize {
        match self {
            AlertLine::Group { group, .. } | AlertLine::Alert { group, .. } => group,
        }
    }
}

/// How the user has the alert list: its filter and which groups are open. Plain data: the
/// app changes it, the panel and the report read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertsView {
    pub filter: Option<AlertFilter>,
    /// Groups opened or closed by hand; the others follow [`COLLAPSE_ABOVE`].
    expanded: BTreeMap<GroupKey, bool>,
}

impl AlertsView {
    pub fn is_expanded<T>(&self, group: &Grouped<T>) -> bool {
        self.expanded
            .get(&group.key)
            .copied()
            .unwrap_or(group.members.len() <= COLLAPSE_ABOVE)
    }

    pub fn set_expanded(&mut self, key: GroupKey, expanded: bool) {
        self.expanded.insert(key, expanded);
    }

    /// The board's alerts that pass the filter, grouped.
    pub fn groups<'a>(&self, board: &'a AlertBoard) -> Vec<AlertGroup<'a>> {
        let alerts = board.all().into_iter().filter(|a| match &self.filter {
            Some(f) => f.matches_alert(a, board.is_suppressed(a)),
            None => true,
        });
        group_alerts(alerts)
    }

    /// The lines the list shows: a lone alert as itself, a group as its line and, when
    /// open, its members.
    pub fn lines<T>(&self, groups: &[Grouped<T>]) -> Vec<AlertLine> {
        let mut lines = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            if group.members.len() == 1 {
                lines.push(AlertLine::Alert {
                    group: g,
                    member: 0,
                    nested: false,
                });
                continue;
            }
            let expanded = self.is_expanded(group);
            lines.push(AlertLine::Group { group: g, expanded });
            if expanded {
                lines.extend((0..group.members.len()).map(|member| AlertLine::Alert {
                    group: g,
                    member,
                    nested: true,
                }));
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(name: &str, state: AlertState, at: f64, pairs: &[(&str, &str)]) -> Alert {
        let mut labels: Labels = crate::model::labels::from_pairs(pairs);
        labels.insert("alertname".into(), name.into());
        Alert {
            name: name.into(),
            labels,
            annotations: Default::default(),
            state,
            active_at: at,
            value: 1.0,
            source: AlertSource::Server,
        }
    }

    fn fan_out() -> Vec<Alert> {
        let mut alerts = vec![alert(
            "DatabaseReplicationLag",
            AlertState::Firing,
            50.0,
            &[("severity", "critical"), ("replica", "replica-2")],
        )];
        for (i, route) in ["/a", "/b", "/c", "/d", "/e"].iter().enumerate() {
            let state = if i < 4 {
                AlertState::Firing
            } else {
                AlertState::Pending
            };
            alerts.push(alert(
                "HighAPIResponseTime",
                state,
                100.0 + i as f64,
                &[
                    ("severity", "warning"),
                    ("job", "api"),
                    ("route", route),
                    ("method", if i % 2 == 0 { "GET" } else { "POST" }),
                ],
            ));
        }
        alerts
    }

    #[test]
    fn a_fan_out_is_one_group_with_shared_and_differing_labels() {
        let alerts = fan_out();
        let groups = group_alerts(&alerts);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].key.name, "DatabaseReplicationLag");
        let api = &groups[1];
        assert_eq!(api.members.len(), 5);
        assert_eq!(api.counts(), "FIRING ×4 · PENDING ×1");
        assert_eq!(api.worst_state(), AlertState::Firing);
        assert_eq!(api.severity(), Some("warning"));
        assert_eq!(api.oldest(), 100.0);
        assert_eq!(
            api.shared.keys().collect::<Vec<_>>(),
            vec!["job", "severity"]
        );
        assert_eq!(api.differing_text(), "method: 2 values, route: 5 values");
    }

    #[test]
    fn large_groups_start_collapsed_and_open_by_hand() {
        let alerts = fan_out();
        let groups = group_alerts(&alerts);
        let mut view = AlertsView::default();
        let lines = view.lines(&groups);
        assert_eq!(
            lines,
            vec![
                AlertLine::Alert {
                    group: 0,
                    member: 0,
                    nested: false
                },
                AlertLine::Group {
                    group: 1,
                    expanded: false
                },
            ]
        );
        view.set_expanded(groups[1].key.clone(), true);
        let lines = view.lines(&groups);
        assert_eq!(lines.len(), 2 + 5);
        assert_eq!(
            lines[6],
            AlertLine::Alert {
                group: 1,
                member: 4,
                nested: true
            }
        );
        // Three or fewer: open from the start.
        let small = group_alerts(&alerts[..4]);
        assert_eq!(view.lines(&small).len(), 1 + 1 + 3);
    }

    #[test]
    fn a_label_some_members_lack_differs() {
        let a = alert("X", AlertState::Firing, 0.0, &[("replica", "r1")]);
        let b = alert("X", AlertState::Firing, 0.0, &[]);
        let groups = group_alerts([&a, &b]);
        assert!(groups[0].shared.is_empty());
        assert_eq!(groups[0].differing, vec![("replica".to_string(), 2)]);
    }
}
