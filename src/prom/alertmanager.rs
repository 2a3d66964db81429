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
    /// `active`, `suppressed` (silenced or inhibited) or `unprocessed`.
    pub state: String,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    /// `active`, `pending` or `expired`.
    pub state: String,
    /// Matchers as written in Alertmanager's UI: `alertname="X"`, `replica=~"replica-.*"`.
    pub matchers: Vec<String>,
    pub created_by: String,
    pub comment: String,
    pub starts_at: f64,
    pub ends_at: f64,
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
            .filter(|s| s.state != "expired")
            .collect();
        current.sort_by(|a, b| {
            (a.state != "active")
                .cmp(&(b.state != "active"))
                .then(a.ends_at.total_cmp(&b.ends_at))
        });
        current
    }

    /// Whether Alertmanager holds back notifications for an alert with these labels.
    pub fn is_suppressed(&self, labels: &Labels) -> bool {
        self.groups.iter().flat_map(|g| &g.alerts).any(|a| {
            a.state == "suppressed" && labels.iter().all(|(k, v)| a.labels.get(k) == Some(v))
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
    state: String,
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
    state: String,
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
        assert!(parse_groups(503, b"down").is_err());
        assert!(parse_silences(200, b"{").is_err());
    }
}
