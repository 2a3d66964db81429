//! Writing to Alertmanager (API v2): a new silence as `POST /api/v2/silences` takes it, and
//! what it answers to that and to `DELETE /api/v2/silence/{id}`.

use crate::model::matcher::Matcher;
use crate::prom::PromError;
use serde::{Deserialize, Serialize};

/// A silence to create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSilence {
    pub matchers: Vec<Matcher>,
    /// Unix seconds.
    pub starts_at: f64,
    pub ends_at: f64,
    /// `$USER@host`.
    pub created_by: String,
    pub comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    matchers: Vec<BodyMatcher<'a>>,
    starts_at: String,
    ends_at: String,
    created_by: &'a str,
    comment: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BodyMatcher<'a> {
    name: &'a str,
    value: &'a str,
    is_regex: bool,
    is_equal: bool,
}

/// The latest end a silence can have: 9999-01-01T00:00:00Z. Alertmanager keeps a silence
/// until its end plus `--data.retention` (120h by default) and stores that as a protobuf
/// timestamp, which stops at 10000-01-01; Alertmanager 0.25 refuses a later one with
/// "timestamp … after 10000-01-01" (a silence ending 9999-12-26T23:59:59Z is taken, one
/// ending a second later is not), and its API parses no year past 9999 at all. This end
/// leaves room for a retention of up to 360 days.
pub const LATEST_END: f64 = 253_370_764_800.0;

/// Why a silence from `starts_at` cannot last `duration`, if it cannot.
pub fn too_long(starts_at: f64, duration: std::time::Duration) -> Option<String> {
    (starts_at + duration.as_secs_f64() > LATEST_END).then(|| {
        "it would end after 9999-01-01, later than Alertmanager can keep a silence; give a shorter duration".to_string()
    })
}

/// Alertmanager's time text. Ends are kept to [`LATEST_END`]: past it (or past chrono's
/// years) there is nothing Alertmanager takes, and what chrono cannot write must not
/// become 1970, which turned a `1000000y` silence into one ending before it began.
fn rfc3339(unix: f64) -> String {
    let millis = (unix.clamp(0.0, LATEST_END) * 1000.0).round() as i64;
    chrono::DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl NewSilence {
    pub fn to_json(&self) -> Vec<u8> {
        let body = Body {
            matchers: self
                .matchers
                .iter()
                .map(|m| BodyMatcher {
                    name: &m.name,
                    value: &m.value,
                    is_regex: m.op.is_regex(),
                    is_equal: m.op.is_equal(),
                })
                .collect(),
            starts_at: rfc3339(self.starts_at),
            ends_at: rfc3339(self.ends_at),
            created_by: &self.created_by,
            comment: &self.comment,
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// Alertmanager's refusals are a JSON string (`"silence invalid: …"`): said as text.
fn refusal(status: u16, body: &[u8]) -> PromError {
    let text = serde_json::from_slice::<String>(body)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    PromError::Http {
        status,
        message: text.trim().chars().take(200).collect(),
    }
}

/// The id of a created silence.
pub fn parse_created(status: u16, body: &[u8]) -> Result<String, PromError> {
    #[derive(Deserialize)]
    struct Created {
        #[serde(rename = "silenceID")]
        silence_id: String,
    }
    if !(200..300).contains(&status) {
        return Err(refusal(status, body));
    }
    serde_json::from_slice::<Created>(body)
        .map(|c| c.silence_id)
        .map_err(|e| PromError::Decode(format!("Alertmanager's new silence: {e}")))
}

pub fn check_expired(status: u16, body: &[u8]) -> Result<(), PromError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(refusal(status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::matcher::parse_list;

    #[test]
    fn a_silence_is_written_as_alertmanager_v2_reads_it() {
        let silence = NewSilence {
            matchers: parse_list(r#"alertname="HighAPIResponseTime", route!~"/api/.*""#).unwrap(),
            starts_at: 1_764_000_000.0,
            ends_at: 1_764_007_200.5,
            created_by: "ana@box".into(),
            comment: "deploy".into(),
        };
        let json: serde_json::Value = serde_json::from_slice(&silence.to_json()).unwrap();
        assert_eq!(json["startsAt"], "2025-11-24T16:00:00.000Z");
        assert_eq!(json["endsAt"], "2025-11-24T18:00:00.500Z");
        assert_eq!(json["createdBy"], "ana@box");
        assert_eq!(json["matchers"][1]["isRegex"], true);
        assert_eq!(json["matchers"][1]["isEqual"], false);
        assert_eq!(json["matchers"][0]["value"], "HighAPIResponseTime");
    }

    #[test]
    fn an_end_past_what_alertmanager_keeps_is_never_written_as_1970() {
        let silence = NewSilence {
            matchers: parse_list(r#"alertname="X""#).unwrap(),
            starts_at: 1_764_000_000.0,
            ends_at: 1_764_000_000.0 + 1_000_000.0 * 365.25 * 86_400.0,
            created_by: "ana@box".into(),
            comment: "for ever".into(),
        };
        let json: serde_json::Value = serde_json::from_slice(&silence.to_json()).unwrap();
        assert_eq!(json["endsAt"], "9999-01-01T00:00:00.000Z");
        let year = std::time::Duration::from_secs(31_557_600);
        assert!(too_long(1_764_000_000.0, year * 1000).is_none());
        assert!(
            too_long(1_764_000_000.0, year * 8000)
                .unwrap()
                .contains("9999-01-01")
        );
    }

    #[test]
    fn answers_and_refusals() {
        assert_eq!(
            parse_created(200, br#"{"silenceID":"abc"}"#).unwrap(),
            "abc"
        );
        let refused = parse_created(400, br#""silence invalid: bad matcher""#).unwrap_err();
        assert!(refused.to_string().contains("silence invalid: bad matcher"));
        assert!(check_expired(200, b"").is_ok());
        assert!(check_expired(500, b"down").is_err());
    }
}
