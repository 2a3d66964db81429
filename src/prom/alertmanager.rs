//! What Alertmanager says (read-only, `GET /api/v2/alerts/groups` and `/api/v2/silences`):
//! how it grouped the alerts it received, who they go to, and which are silenced.

use crate::model::Labels;
use crate::prom::PromError;
use serde::{Deserialize, Serialize};

/// One notification group: the alerts Alertmanager sends together to a receiver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertGroup {
    pub receiver: String,
    /// The labels the route groups by.
    pub labels: Labels,
    pub alerts: Vec<RoutedAlert>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoutedAlert {
    pub labels: Labels,
    pub state: RoutedState,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

/// Where an alert stands in Alertmanager. A state a newer Alertmanager may add is kept as
/// its word, not a failed answer. Serialised as Alertmanager's word, as recordings hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutedState {
    /// Notifications go out.
    Active,
    /// Silenced or inhibited: notifications are held back.
    Suppressed,
    /// Received, not yet routed.
    Unprocessed,
    #[serde(untagged)]
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    pub state: SilenceState,
    /// Matchers as written in Alertmanager's UI: `alertname="X"`, `replica=~"replica-.*"`.
    pub matchers: Vec<String>,
    pub created_by: String,
    pub comment: String,
    pub starts_at: f64,
    pub ends_at: f64,
}

/// Whether a silence holds now, later or no more; an unknown word is kept as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Active,
    /// Starts later.
    Pending,
    /// Over: history.
    Expired,
    #[serde(untagged)]
    Other(String),
}

impl SilenceState {
    /// Alertmanager's word for it.
    pub fn word(&self) -> &str {
        match self {
            SilenceState::Active => "active",
            SilenceState::Pending => "pending",
            SilenceState::Expired => "expired",
            SilenceState::Other(word) => word,
        }
    }
}

/// Both answers of one poll.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertmanagerState {
    pub groups: Vec<AlertGroup>,
    pub silences: Vec<Silence>,
}

impl AlertmanagerState {
    /// Active silences first, ending soonest first; expired ones are history, left out.
    pub fn current_silences(&self) -> Vec<&Silence> {
        let mut current: Vec<&Silence> = self
            .silences
            .iter()
            .filter(|s| s.state != SilenceState::Expired)
            .collect();
        let later = |s: &Silence| s.state != SilenceState::Active;
        current.sort_by(|a, b| {
            later(a)
                .cmp(&later(b))
                .then(a.ends_at.total_cmp(&b.ends_at))
        });
        current
    }

    /// Whether Alertmanager holds back notifications for an alert with these labels.
    pub fn is_suppressed(&self, labels: &Labels) -> bool {
        self.groups.iter().flat_map(|g| &g.alerts).any(|a| {
            a.state == RoutedState::Suppressed
                && labels.iter().all(|(k, v)| a.labels.get(k) == Some(v))
        })
    }
}

#[derive(Deserialize)]
struct RawGroup {
    #[serde(default)]
    labels: Labels,
    receiver: RawReceiver,
    #[serde(default)]
    alerts: Vec<RawAlert>,
}

#[derive(Deserialize)]
struct RawReceiver {
    name: String,
}

#[derive(Deserialize)]
struct RawAlert {
    #[serde(default)]
    labels: Labels,
    status: RawAlertStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlertStatus {
    state: RoutedState,
    #[serde(default)]
    silenced_by: Vec<String>,
    #[serde(default)]
    inhibited_by: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSilence {
    id: String,
    status: RawSilenceStatus,
    #[serde(default)]
    matchers: Vec<RawMatcher>,
    starts_at: String,
    ends_at: String,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
struct RawSilenceStatus {
    state: SilenceState,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMatcher {
    name: String,
    value: String,
    #[serde(default)]
    is_regex: bool,
    #[serde(default = "yes")]
    is_equal: bool,
}

fn yes() -> bool {
    true
}

fn decode<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, PromError> {
    if !(200..300).contains(&status) {
        let message = String::from_utf8_lossy(body)
            .trim()
            .chars()
            .take(200)
            .collect();
        return Err(PromError::Http { status, message });
    }
    serde_json::from_slice(body).map_err(|e| PromError::Decode(format!("Alertmanager: {e}")))
}

fn unix(time: &str) -> Result<f64, PromError> {
    chrono::DateTime::parse_from_rfc3339(time)
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
        .map_err(|e| PromError::Decode(format!("Alertmanager time \"{time}\": {e}")))
}

pub fn parse_groups(status: u16, body: &[u8]) -> Result<Vec<AlertGroup>, PromError> {
    let raw: Vec<RawGroup> = decode(status, body)?;
    Ok(raw
        .into_iter()
        .map(|g| AlertGroup {
            receiver: g.receiver.name,
            labels: g.labels,
            alerts: g
                .alerts
                .into_iter()
                .map(|a| RoutedAlert {
                    labels: a.labels,
                    state: a.status.state,
                    silenced_by: a.status.silenced_by,
                    inhibited_by: a.status.inhibited_by,
                })
                .collect(),
        })
        .collect())
}

pub fn parse_silences(status: u16, body: &[u8]) -> Result<Vec<Silence>, PromError> {
    let raw: Vec<RawSilence> = decode(status, body)?;
    raw.into_iter()
        .map(|s| {
            let matchers = s
                .matchers
                .iter()
                .map(|m| {
                    let op = match (m.is_equal, m.is_regex) {
                        (true, false) => "=",
                        (false, false) => "!=",
                        (true, true) => "=~",
                        (false, true) => "!~",
                    };
                    format!("{}{op}\"{}\"", m.name, m.value)
                })
                .collect();
            Ok(Silence {
                id: s.id,
                state: s.status.state,
                matchers,
                created_by: s.created_by,
                comment: s.comment,
                starts_at: unix(&s.starts_at)?,
                ends_at: unix(&s.ends_at)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_silences_parse_from_alertmanager_v2() {
        let groups = br#"[{"labels":{"alertname":"DatabaseReplicationLag"},"receiver":{"name":"oncall"},
            "alerts":[{"labels":{"alertname":"DatabaseReplicationLag","replica":"replica-2"},"annotations":{},
            "startsAt":"2026-11-25T04:00:00Z","endsAt":"2026-11-25T05:00:00Z","fingerprint":"x","receivers":[{"name":"oncall"}],
            "status":{"state":"suppressed","silencedBy":["s1"],"inhibitedBy":[]},"updatedAt":"2026-11-25T04:00:00Z"}]}]"#;
        let groups = parse_groups(200, groups).unwrap();
        assert_eq!(groups[0].receiver, "oncall");
        let silences = br#"[{"id":"s1","status":{"state":"active"},"matchers":[{"name":"replica","value":"replica-.*","isRegex":true,"isEqual":true}],
            "startsAt":"2026-11-25T04:00:00Z","endsAt":"2026-11-25T06:00:00.5Z","createdBy":"ana","comment":"failover","updatedAt":"2026-11-25T04:00:00Z"}]"#;
        let silences = parse_silences(200, silences).unwrap();
        assert_eq!(silences[0].matchers, vec![r#"replica=~"replica-.*""#]);
        assert_eq!(silences[0].ends_at - silences[0].starts_at, 7200.5);
        let state = AlertmanagerState { groups, silences };
        let lag: Labels = crate::model::labels::from_pairs(&[
            ("alertname", "DatabaseReplicationLag"),
            ("replica", "replica-2"),
        ]);
        assert!(state.is_suppressed(&lag));
        assert_eq!(state.silences[0].state, SilenceState::Active);
        assert!(parse_groups(503, b"down").is_err());
        assert!(parse_silences(200, b"{").is_err());
    }

    #[test]
    fn a_state_alertmanager_may_add_is_kept_as_its_word_and_fails_nothing() {
        let groups = br#"[{"labels":{},"receiver":{"name":"r"},"alerts":[
            {"labels":{"a":"1"},"status":{"state":"unprocessed"}},
            {"labels":{"a":"2"},"status":{"state":"deferred","silencedBy":[]}}]}]"#;
        let groups = parse_groups(200, groups).unwrap();
        let states: Vec<&RoutedState> = groups[0].alerts.iter().map(|a| &a.state).collect();
        assert_eq!(
            states,
            [
                &RoutedState::Unprocessed,
                &RoutedState::Other("deferred".into())
            ]
        );
        let silences = br#"[
            {"id":"s1","status":{"state":"expired"},"startsAt":"2026-11-25T04:00:00Z","endsAt":"2026-11-25T05:00:00Z"},
            {"id":"s2","status":{"state":"paused"},"startsAt":"2026-11-25T04:00:00Z","endsAt":"2026-11-25T05:00:00Z"},
            {"id":"s3","status":{"state":"pending"},"startsAt":"2026-11-25T06:00:00Z","endsAt":"2026-11-25T07:00:00Z"},
            {"id":"s4","status":{"state":"active"},"startsAt":"2026-11-25T04:00:00Z","endsAt":"2026-11-25T08:00:00Z"}]"#;
        let state = AlertmanagerState {
            groups,
            silences: parse_silences(200, silences).unwrap(),
        };
        let current: Vec<&str> = state
            .current_silences()
            .iter()
            .map(|s| s.state.word())
            .collect();
        assert_eq!(current, ["active", "paused", "pending"]);
        // Recordings hold the states as Alertmanager's words, unknown ones too.
        let json = serde_json::to_string(&state).unwrap();
        assert!(json.contains(r#""state":"deferred""#), "{json}");
        assert_eq!(
            serde_json::from_str::<AlertmanagerState>(&json).unwrap(),
            state
        );
        let mut cbor = Vec::new();
        ciborium::into_writer(&state, &mut cbor).unwrap();
        let back: AlertmanagerState = ciborium::from_reader(cbor.as_slice()).unwrap();
        assert_eq!(back, state);
        let recorded: SilenceState = serde_json::from_str(r#""active""#).unwrap();
        assert_eq!(recorded, SilenceState::Active);
    }
}
