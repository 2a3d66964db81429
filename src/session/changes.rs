//! Alerts and rule states as changes. During an incident Prometheus reports tens of active
//! alerts and a rules answer of tens of KB every refresh, nearly all of it as it was a
//! refresh before. Within a block, writer and reader remember the last alert list and the
//! last rule states recorded ([`Remembered`], updated in the same order on both sides):
//!
//! - an alert list is stored as its changes against the last one — alerts kept as they
//!   were, a new value (XOR, like Instant values), state, start or annotations, new alerts
//!   whole — and read back exactly;
//! - rule states are stored only when something other than their evaluation times and
//!   their alerts' values and annotations changed (health, state, errors, which alerts),
//!   or when the last ones stored are a minute old, so "last evaluated" never lags more.
//!
//! A block starts with nothing remembered: its first alert list and rule states are
//! stored whole (as CBOR events), which keeps blocks independently decodable.

use super::format::{Input, Malformed, put_bytes, put_varint};
use super::weight::alert_weight;
use crate::alerts::gofmt;
use crate::event::DataEvent;
use crate::prom::{Alert, AlertState, RuleGroupStatus, RuleStatus};
use std::collections::{BTreeMap, HashMap};

/// Rule states are stored at least this often (ms) while they are polled.
pub(crate) const RULES_REFRESHED_MS: i64 = 60_000;

/// What changed in a kept alert (bits of the flags byte).
const VALUE: u8 = 1;
const STATE: u8 = 2;
const ACTIVE_AT: u8 = 4;
const ANNOTATIONS: u8 = 8;
/// The annotations as before, with the old value's text replaced by the new one's
/// (`{{ $value }}` in a description): most changes of a firing alert are only this.
const QUOTED: u8 = 16;

/// The last alert list and rule states of the block, as both sides know them.
#[derive(Default)]
pub(crate) struct Remembered {
    alerts: Option<Vec<Alert>>,
    /// When the rule states were stored (ms), and they.
    rules: Option<(i64, Vec<RuleGroupStatus>)>,
}

impl Remembered {
    /// Takes note of an event stored at `ms` (whole or as changes, once decoded).
    pub(crate) fn observe(&mut self, ms: i64, event: &DataEvent) {
        match event {
            DataEvent::Alerts { result, .. } => self.alerts = result.as_ref().ok().cloned(),
            DataEvent::Rules { result, .. } => {
                self.rules = result.as_ref().ok().map(|groups| (ms, groups.clone()));
            }
            _ => {}
        }
    }

    /// Whether `event`, arriving at `ms`, are rule states that need not be stored.
    pub(crate) fn rules_unchanged(&self, ms: i64, event: &DataEvent) -> bool {
        let (
            DataEvent::Rules {
                result: Ok(groups), ..
            },
            Some((stored, last)),
        ) = (event, &self.rules)
        else {
            return false;
        };
        ms - stored < RULES_REFRESHED_MS
            && groups.len() == last.len()
            && groups.iter().zip(last).all(|(g, l)| same_group(g, l))
    }

    /// `event`'s alert list as changes against the remembered one, when it is an alert
    /// list and one is remembered; and what the list weighs decoded ([`alert_weight`]).
    pub(crate) fn alert_changes(&self, event: &DataEvent) -> Option<(Vec<u8>, usize)> {
        let (
            DataEvent::Alerts {
                at,
                result: Ok(alerts),
            },
            Some(last),
        ) = (event, &self.alerts)
        else {
            return None;
        };
        let index: HashMap<(&str, &crate::model::Labels), usize> = last
            .iter()
            .enumerate()
            .map(|(i, a)| ((a.name.as_str(), &a.labels), i))
            .collect();
        let mut out = at.to_bits().to_le_bytes().to_vec();
        put_varint(&mut out, alerts.len() as u64);
        for alert in alerts {
            let kept = index
                .get(&(alert.name.as_str(), &alert.labels))
                .filter(|&&i| last[i].source == alert.source);
            let Some(&i) = kept else {
                put_varint(&mut out, 0);
                put_bytes(&mut out, &to_cbor(alert));
                continue;
            };
            put_varint(&mut out, i as u64 + 1);
            let was = &last[i];
            let xor = alert.value.to_bits() ^ was.value.to_bits();
            let annotations = if alert.annotations == was.annotations {
                0
            } else if quoting(&was.annotations, was.value, alert.value) == alert.annotations {
                QUOTED
            } else {
                ANNOTATIONS
            };
            let flag = |changed: bool, bit: u8| if changed { bit } else { 0 };
            let flags = flag(xor != 0, VALUE)
                | flag(alert.state != was.state, STATE)
                | flag(
                    alert.active_at.to_bits() != was.active_at.to_bits(),
                    ACTIVE_AT,
                )
                | annotations;
            out.push(flags);
            if flags & VALUE != 0 {
                put_xor(&mut out, xor);
            }
            if flags & STATE != 0 {
                out.push(state_code(alert.state));
            }
            if flags & ACTIVE_AT != 0 {
                out.extend_from_slice(&alert.active_at.to_bits().to_le_bytes());
            }
            if flags & ANNOTATIONS != 0 {
                put_bytes(&mut out, &to_cbor(&alert.annotations));
            }
        }
        let weight = alerts
            .iter()
            .map(alert_weight)
            .fold(0, usize::saturating_add);
        Some((out, weight))
    }

    /// The alert list event that `bytes` (from [`Remembered::alert_changes`]) describe.
    /// Each alert is handed to `charge` as soon as it is made, which may stop the list.
    pub(crate) fn apply_alert_changes(
        &self,
        bytes: &[u8],
        mut charge: impl FnMut(&Alert) -> Result<(), Malformed>,
    ) -> Result<DataEvent, Malformed> {
        let last = self
            .alerts
            .as_deref()
            .ok_or_else(|| Malformed("alert changes without an alert list before".into()))?;
        let mut input = Input::new(bytes);
        let at = f64::from_bits(input.u64_le()?);
        let number = |input: &mut Input| {
            usize::try_from(input.varint()?).map_err(|_| Malformed("alert count".into()))
        };
        let count = number(&mut input)?;
        let mut alerts = Vec::with_capacity(count.min(last.len() + 64));
        for _ in 0..count {
            let reference = number(&mut input)?;
            if reference == 0 {
                let alert = from_cbor::<Alert>(input.bytes()?)?;
                charge(&alert)?;
                alerts.push(alert);
                continue;
            }
            let mut alert = last
                .get(reference - 1)
                .ok_or_else(|| Malformed(format!("alert {reference} was not in the list")))?
                .clone();
            let flags = input.u8()?;
            let was = alert.value;
            if flags & VALUE != 0 {
                alert.value = f64::from_bits(alert.value.to_bits() ^ get_xor(&mut input)?);
            }
            if flags & STATE != 0 {
                alert.state = state_from(input.u8()?)?;
            }
            if flags & ACTIVE_AT != 0 {
                alert.active_at = f64::from_bits(input.u64_le()?);
            }
            if flags & ANNOTATIONS != 0 {
                alert.annotations = from_cbor::<BTreeMap<String, String>>(input.bytes()?)?;
            }
            if flags & QUOTED != 0 {
                alert.annotations = quoting(&alert.annotations, was, alert.value);
            }
            charge(&alert)?;
            alerts.push(alert);
        }
        if !input.is_empty() {
            return Err(Malformed("bytes after the last alert".into()));
        }
        Ok(DataEvent::Alerts {
            at,
            result: Ok(alerts),
        })
    }
}

/// Equal but for evaluation times and what the alerts' values are (and the annotations
/// that quote them); which alerts are active, and in what state, counts.
fn same_group(a: &RuleGroupStatus, b: &RuleGroupStatus) -> bool {
    a.name == b.name
        && a.file == b.file
        && a.interval.to_bits() == b.interval.to_bits()
        && a.rules.len() == b.rules.len()
        && a.rules.iter().zip(&b.rules).all(|(a, b)| same_rule(a, b))
}

/// Which alerts a rule has, and in what state since when.
fn rule_alerts(
    rule: &RuleStatus,
) -> impl Iterator<Item = (&crate::model::Labels, AlertState, u64)> {
    rule.alerts
        .iter()
        .map(|a| (&a.labels, a.state, a.active_at.to_bits()))
}

fn same_rule(a: &RuleStatus, b: &RuleStatus) -> bool {
    a.name == b.name
        && a.kind == b.kind
        && a.query == b.query
        && a.duration.to_bits() == b.duration.to_bits()
        && a.labels == b.labels
        && a.annotations == b.annotations
        && a.health == b.health
        && a.last_error == b.last_error
        && a.state == b.state
        && a.last_evaluation.is_some() == b.last_evaluation.is_some()
        && rule_alerts(a).eq(rule_alerts(b))
}

/// `annotations` with `was` as Prometheus' templates write it (`{{ $value }}`) replaced
/// by `now`. The writer uses it only when it gives exactly the new annotations.
fn quoting(annotations: &BTreeMap<String, String>, was: f64, now: f64) -> BTreeMap<String, String> {
    let (was, now) = (gofmt::value(was), gofmt::value(now));
    annotations
        .iter()
        .map(|(name, text)| (name.clone(), text.replace(&was, &now)))
        .collect()
}

fn state_code(state: AlertState) -> u8 {
    match state {
        AlertState::Inactive => 0,
        AlertState::Pending => 1,
        AlertState::Firing => 2,
    }
}

fn state_from(code: u8) -> Result<AlertState, Malformed> {
    match code {
        0 => Ok(AlertState::Inactive),
        1 => Ok(AlertState::Pending),
        2 => Ok(AlertState::Firing),
        other => Err(Malformed(format!("alert state {other}"))),
    }
}

/// A non-zero XOR of two values' bits: one byte (leading zero bytes × 16 + length), then
/// its significant bytes, most significant first.
fn put_xor(out: &mut Vec<u8>, xor: u64) {
    let lead = xor.leading_zeros() / 8;
    let len = 8 - lead - xor.trailing_zeros() / 8;
    out.push((lead * 16 + len) as u8);
    out.extend_from_slice(&xor.to_be_bytes()[lead as usize..(lead + len) as usize]);
}

fn get_xor(input: &mut Input) -> Result<u64, Malformed> {
    let code = input.u8()?;
    let (lead, len) = (usize::from(code / 16), usize::from(code % 16));
    if lead + len > 8 {
        return Err(Malformed(format!("value code {code}")));
    }
    let mut bytes = [0; 8];
    bytes[lead..lead + len].copy_from_slice(input.take(len)?);
    Ok(u64::from_be_bytes(bytes))
}

fn to_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing plain data into a Vec cannot fail.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

fn from_cbor<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Malformed> {
    ciborium::from_reader(bytes).map_err(|e| Malformed(format!("alert: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::AlertSource;

    fn alert(instance: &str, state: AlertState, value: f64) -> Alert {
        Alert {
            name: "HighLatency".into(),
            labels: [("instance".to_string(), instance.to_string())].into(),
            annotations: [(
                "description".to_string(),
                format!("latency is {}s", gofmt::value(value)),
            )]
            .into(),
            state,
            active_at: 1_700_000_000.0,
            value,
            source: AlertSource::Server,
        }
    }

    fn alerts(at: f64, list: Vec<Alert>) -> DataEvent {
        DataEvent::Alerts {
            at,
            result: Ok(list),
        }
    }

    /// Writes `events` as the recorder would and reads them back as the reader would.
    fn round_trip(events: &[DataEvent]) -> (Vec<DataEvent>, usize) {
        let (mut writer, mut reader) = (Remembered::default(), Remembered::default());
        let mut back = Vec::new();
        let mut bytes = 0;
        for (i, event) in events.iter().enumerate() {
            let ms = i as i64 * 1000;
            let read = match writer.alert_changes(event) {
                Some((changes, _)) => {
                    bytes += changes.len();
                    reader.apply_alert_changes(&changes, |_| Ok(())).unwrap()
                }
                None => event.clone(),
            };
            writer.observe(ms, event);
            reader.observe(ms, &read);
            back.push(read);
        }
        (back, bytes)
    }

    #[test]
    fn alert_lists_come_back_exactly() {
        let a = |v| alert("api-1", AlertState::Pending, v);
        let b = |s, v| alert("api-2", s, v);
        let events = vec![
            alerts(1.0, vec![a(1.0)]),
            alerts(2.0, vec![a(1.5), b(AlertState::Pending, 7.0)]),
            alerts(3.0, vec![b(AlertState::Firing, f64::NAN), a(1.5)]),
            DataEvent::Alerts {
                at: 4.0,
                result: Err(crate::prom::PromError::Timeout(
                    std::time::Duration::from_secs(1),
                )),
            },
            alerts(5.0, vec![]),
            alerts(6.0, vec![a(-0.0)]),
        ];
        let (back, _) = round_trip(&events);
        assert_eq!(format!("{back:?}"), format!("{events:?}"));
    }

    #[test]
    fn sixty_alerts_whose_values_move_cost_a_few_bytes_each() {
        let list = |t: f64| -> Vec<Alert> {
            (0..60)
                .map(|i| {
                    alert(
                        &format!("api-{i}"),
                        AlertState::Firing,
                        0.5 + t / 1000.0 + f64::from(i),
                    )
                })
                .collect()
        };
        let events: Vec<DataEvent> = (0..10)
            .map(|t| alerts(f64::from(t), list(f64::from(t))))
            .collect();
        let (back, bytes) = round_trip(&events);
        assert_eq!(format!("{back:?}"), format!("{events:?}"));
        // Nine lists as changes: a new value (and the description quoting it) per alert.
        assert!(bytes < 9 * 60 * 12, "{bytes} bytes");
    }

    #[test]
    fn rule_states_are_stored_when_what_a_user_reads_changed() {
        let rules = |at: f64, health| DataEvent::Rules {
            at,
            result: Ok(vec![RuleGroupStatus {
                name: "g".into(),
                file: "f.yml".into(),
                interval: 1.0,
                rules: vec![RuleStatus {
                    name: "HighLatency".into(),
                    kind: crate::prom::RuleKind::Alerting,
                    query: "x > 1".into(),
                    duration: 60.0,
                    labels: Default::default(),
                    annotations: Default::default(),
                    health,
                    last_error: None,
                    last_evaluation: Some(at),
                    evaluation_time: at / 1e6,
                    state: Some(AlertState::Firing),
                    alerts: vec![alert("api-1", AlertState::Firing, at)],
                }],
                last_evaluation: Some(at),
                evaluation_time: 0.001,
            }]),
        };
        use crate::prom::RuleHealth;
        let mut remembered = Remembered::default();
        assert!(
            !remembered.rules_unchanged(0, &rules(0.0, RuleHealth::Ok)),
            "nothing stored yet"
        );
        remembered.observe(0, &rules(0.0, RuleHealth::Ok));
        assert!(
            remembered.rules_unchanged(1000, &rules(1.0, RuleHealth::Ok)),
            "only times and values"
        );
        assert!(!remembered.rules_unchanged(1000, &rules(1.0, RuleHealth::Error)));
        assert!(
            !remembered.rules_unchanged(RULES_REFRESHED_MS, &rules(60.0, RuleHealth::Ok)),
            "a minute later"
        );
    }
}
