//! An incident recorded and read back: alert lists stored as changes come back exactly,
//! rule states whenever what a user reads in them changed (and at least every minute).

use super::*;
use crate::prom::{
    Alert, AlertSource, AlertState, RuleGroupStatus, RuleHealth, RuleKind, RuleStatus,
};

/// An incident of `cycles` seconds: 40–60 alerts going from pending to firing, their
/// values (quoted in their descriptions) changing every second; rule states every second,
/// one rule's health failing for a while; a few queries; a marker.
fn incident(cycles: usize) -> Vec<(f64, Item)> {
    let mut rng = Rng(11);
    let mut items = Vec::new();
    for c in 0..cycles {
        let at = T0 + c as f64;
        items.push((
            at + 0.002,
            Item::Event(DataEvent::Instant {
                id: 0,
                at,
                result: Ok(vec![Sample {
                    labels: Labels::new(),
                    time: at,
                    value: rng.unit(),
                }]),
                latency: Duration::from_micros(1500),
            }),
        ));
        let active = 40 + (c / 30) % 21;
        let alerts: Vec<Alert> = (0..active)
            .map(|i| {
                let value = 0.5 + rng.unit() + i as f64;
                Alert {
                    name: format!("Alert{}", i % 3),
                    labels: labels(&[("instance", &format!("api-{i}")), ("severity", "warning")]),
                    annotations: [
                        (
                            "description".to_string(),
                            format!("p95 is {}s", crate::alerts::gofmt::value(value)),
                        ),
                        ("summary".to_string(), format!("api-{i} slow")),
                    ]
                    .into(),
                    state: if c < 100 + 10 * i {
                        AlertState::Pending
                    } else {
                        AlertState::Firing
                    },
                    active_at: T0 + (i / 7) as f64,
                    value,
                    source: AlertSource::Server,
                }
            })
            .collect();
        let rules: Vec<RuleStatus> = (0..3)
            .map(|r| RuleStatus {
                name: format!("Alert{r}"),
                kind: RuleKind::Alerting,
                query: format!("x{r} > 1"),
                duration: 300.0,
                labels: Labels::new(),
                annotations: Default::default(),
                health: if r == 1 && (100..130).contains(&c) {
                    RuleHealth::Error
                } else {
                    RuleHealth::Ok
                },
                last_error: (r == 1 && (100..130).contains(&c)).then(|| "bad".to_string()),
                last_evaluation: Some(at - 0.3),
                evaluation_time: rng.unit() / 1000.0,
                state: Some(AlertState::Firing),
                alerts: alerts
                    .iter()
                    .filter(|a| a.name == format!("Alert{r}"))
                    .cloned()
                    .collect(),
            })
            .collect();
        items.push((
            at + 0.004,
            Item::Event(DataEvent::Alerts {
                at,
                result: Ok(alerts),
            }),
        ));
        items.push((
            at + 0.005,
            Item::Event(DataEvent::Rules {
                at,
                result: Ok(vec![RuleGroupStatus {
                    name: "spheroseg".into(),
                    file: "rules.yml".into(),
                    interval: 1.0,
                    rules,
                    last_evaluation: Some(at - 0.3),
                    evaluation_time: 0.002,
                }]),
            }),
        ));
        if c == 200 {
            items.push((at + 0.5, Item::Mark("mid-incident".into())));
        }
    }
    items
}

fn health(event: &DataEvent) -> Vec<RuleHealth> {
    match event {
        DataEvent::Rules {
            result: Ok(groups), ..
        } => groups
            .iter()
            .flat_map(|g| g.rules.iter().map(|r| r.health))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn an_incident_reads_back_with_every_alert_and_every_rule_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.sgtrec");
    // Seven minutes: more than one block, and a marker that ends one.
    let expected = record(&path, &incident(420));
    let recording = Recording::open(&path).unwrap();
    assert_eq!(recording.verify(), []);
    let got: Vec<Entry> = recording.entries().collect();
    let is_rules = |e: &&Entry| {
        matches!(
            e,
            Entry::Event {
                event: DataEvent::Rules { .. },
                ..
            }
        )
    };
    // Everything but rule states comes back exactly, alert lists included.
    let others = |entries: &[Entry]| -> Vec<String> {
        entries
            .iter()
            .filter(|e| !is_rules(e))
            .map(|e| format!("{e:?}"))
            .collect()
    };
    assert_eq!(others(&got), others(&expected));
    // Rule states come back as they were, when they were, a subset of them...
    let expected_rules: Vec<String> = expected
        .iter()
        .filter(is_rules)
        .map(|e| format!("{e:?}"))
        .collect();
    let got_rules: Vec<&Entry> = got.iter().filter(is_rules).collect();
    let mut search = expected_rules.iter();
    for entry in &got_rules {
        let text = format!("{entry:?}");
        assert!(
            search.any(|e| *e == text),
            "rule states not as recorded: {text}"
        );
    }
    assert!(
        got_rules.len() < expected_rules.len() / 4,
        "{} of {}",
        got_rules.len(),
        expected_rules.len()
    );
    // ...every change of health among them, at the time it happened...
    let kept: Vec<(f64, Vec<RuleHealth>)> = got_rules
        .iter()
        .map(|e| match e {
            Entry::Event { time, event } => (*time, health(event)),
            Entry::Marker(_) => unreachable!(),
        })
        .collect();
    for pair in expected
        .iter()
        .filter(is_rules)
        .collect::<Vec<_>>()
        .windows(2)
    {
        let (Entry::Event { event: before, .. }, Entry::Event { time, event: after }) =
            (pair[0], pair[1])
        else {
            unreachable!()
        };
        if health(before) != health(after) {
            assert!(
                kept.iter().any(|(t, h)| t == time && *h == health(after)),
                "the change at {time} was lost"
            );
        }
    }
    // ...and at least every minute.
    for pair in kept.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 <= 61.0,
            "{} s without rule states",
            pair[1].0 - pair[0].0
        );
    }
}

#[test]
fn version_1_recordings_still_play() {
    // The bundled demo recording was written by version 1: alert lists and rule states
    // whole in every cycle.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.rec");
    std::fs::write(&path, include_bytes!("../../../assets/demo/incident.rec")).unwrap();
    assert_eq!(std::fs::read(&path).unwrap()[8..10], 1u16.to_le_bytes());
    let recording = Recording::open(&path).unwrap();
    assert_eq!(recording.verify(), []);
    let alerts = recording
        .entries()
        .filter(|e| {
            matches!(e, Entry::Event { event: DataEvent::Alerts { result: Ok(list), .. }, .. } if !list.is_empty())
        })
        .count();
    assert!(alerts > 100, "{alerts} alert lists");
}
