//! The parts of Prometheus' `/api/v1` JSON that the dashboard reads (queries, alerts, rules).

use super::decode::{Capped, data, data_and_warnings};
use super::error::PromError;
use crate::model::Labels;
use crate::prom::alerts::{
    Alert, AlertSource, AlertState, RuleGroupStatus, RuleHealth, RuleKind, RuleStatus,
};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One value of an instant query: a series' labels, the evaluation time and the value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub labels: Labels,
    pub time: f64,
    pub value: f64,
}

/// One series of a range query, points in time order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<(f64, f64)>,
}

/// An instant query's answer as kept: a burst of series is cut while parsing, and the
/// series left out are counted, so the panel can say "500 of 100,000 series".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InstantAnswer {
    pub samples: Vec<Sample>,
    /// Series the answer held beyond those kept.
    pub omitted: usize,
    /// The server's warnings: the data may be partial (Thanos' partial responses).
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum QueryData {
    Vector(Capped<VectorItem>),
    Matrix(Capped<MatrixItem>),
    Scalar(RawPoint),
    String(IgnoredAny),
}

#[derive(Deserialize)]
struct VectorItem {
    #[serde(default)]
    metric: Labels,
    value: RawPoint,
}

#[derive(Deserialize)]
struct MatrixItem {
    #[serde(default)]
    metric: Labels,
    values: Vec<RawPoint>,
}

/// `[1700000000.123, "1.5"]`: Prometheus sends values as strings so NaN and ±Inf survive JSON.
#[derive(Deserialize)]
struct RawPoint(f64, String);

impl RawPoint {
    fn parse(&self) -> Result<(f64, f64), PromError> {
        parse_value(&self.1).map(|v| (self.0, v))
    }
}

/// Prometheus writes `NaN`, `+Inf` and `-Inf`; anything else must be a number.
pub fn parse_value(text: &str) -> Result<f64, PromError> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => text
            .parse()
            .map_err(|_| PromError::Decode(format!("value \"{text}\" is not a number"))),
    }
}

/// Parses an instant query answer; a scalar becomes one unlabelled sample. An answer of
/// more than [`MAX_SERIES_PER_ANSWER`](super::decode::MAX_SERIES_PER_ANSWER) series keeps
/// that many and counts the rest.
pub fn parse_instant(status: u16, body: &[u8]) -> Result<InstantAnswer, PromError> {
    let (data, warnings) = data_and_warnings(status, body)?;
    match data {
        QueryData::Vector(Capped { items, total }) => {
            let kept = items.len();
            let samples = items
                .into_iter()
                .map(|item| {
                    item.value.parse().map(|(time, value)| Sample {
                        labels: item.metric,
                        time,
                        value,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(InstantAnswer {
                samples,
                omitted: total - kept,
                warnings,
            })
        }
        QueryData::Scalar(point) => {
            let (time, value) = point.parse()?;
            Ok(InstantAnswer {
                samples: vec![Sample {
                    labels: Labels::new(),
                    time,
                    value,
                }],
                omitted: 0,
                warnings,
            })
        }
        QueryData::Matrix(_) => Err(PromError::Decode(
            "instant query returned a range vector; use a function such as rate() over it"
                .to_string(),
        )),
        QueryData::String(_) => Err(PromError::Decode(
            "query returned a string, not numbers".to_string(),
        )),
    }
}

/// Parses a range query answer:
/// [`MAX_SERIES_PER_ANSWER`](super::decode::MAX_SERIES_PER_ANSWER) series at most (the instant
/// answers, every refresh, count the rest).
pub fn parse_range(status: u16, body: &[u8]) -> Result<Vec<Series>, PromError> {
    match data(status, body)? {
        QueryData::Matrix(Capped { items, .. }) => items
            .into_iter()
            .map(|item| {
                let points = item
                    .values
                    .iter()
                    .map(RawPoint::parse)
                    .collect::<Result<_, _>>()?;
                Ok(Series {
                    labels: item.metric,
                    points,
                })
            })
            .collect(),
        _ => Err(PromError::Decode(
            "range query did not return a matrix".to_string(),
        )),
    }
}

/// Checks that a body is a successful API answer at all (used for the liveness probe).
pub fn parse_ok(status: u16, body: &[u8]) -> Result<(), PromError> {
    data::<IgnoredAny>(status, body).map(|_| ())
}

/// `/api/v1/alerts`: `{"alerts": [...]}`.
#[derive(Deserialize)]
struct AlertsData {
    alerts: Vec<RawAlert>,
}

/// One alert as Prometheus writes it: times as RFC 3339, the value as a string ("1e+01").
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlert {
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    state: AlertState,
    active_at: Option<String>,
    value: Option<String>,
}

impl RawAlert {
    fn parse(self) -> Result<Alert, PromError> {
        Ok(Alert {
            name: self.labels.get("alertname").cloned().unwrap_or_default(),
            active_at: match &self.active_at {
                Some(t) => timestamp(t)?.unwrap_or(0.0),
                None => 0.0,
            },
            value: match &self.value {
                Some(v) => parse_value(v)?,
                None => f64::NAN,
            },
            labels: self.labels,
            annotations: self.annotations,
            state: self.state,
            source: AlertSource::Server,
        })
    }
}

/// `/api/v1/rules`: `{"groups": [...]}`.
#[derive(Deserialize)]
struct RulesData {
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGroup {
    name: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    interval: f64,
    #[serde(default)]
    rules: Vec<RawRule>,
    last_evaluation: Option<String>,
    #[serde(default)]
    evaluation_time: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    name: String,
    #[serde(rename = "type")]
    kind: RuleKind,
    #[serde(default)]
    query: String,
    #[serde(default)]
    duration: f64,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    health: RuleHealth,
    last_error: Option<String>,
    last_evaluation: Option<String>,
    #[serde(default)]
    evaluation_time: f64,
    state: Option<AlertState>,
    #[serde(default)]
    alerts: Vec<RawAlert>,
}

impl RawRule {
    fn parse(self) -> Result<RuleStatus, PromError> {
        Ok(RuleStatus {
            last_evaluation: optional_timestamp(self.last_evaluation.as_deref())?,
            alerts: self
                .alerts
                .into_iter()
                .map(RawAlert::parse)
                .collect::<Result<_, _>>()?,
            name: self.name,
            kind: self.kind,
            query: self.query,
            duration: self.duration,
            labels: self.labels,
            annotations: self.annotations,
            health: self.health,
            last_error: self.last_error.filter(|e| !e.is_empty()),
            evaluation_time: self.evaluation_time,
            state: self.state,
        })
    }
}

/// RFC 3339 → Unix seconds. Go's zero time ("0001-01-01T00:00:00Z", a rule not yet
/// evaluated) means "never": `None`.
pub(super) fn timestamp(text: &str) -> Result<Option<f64>, PromError> {
    let time = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|e| PromError::Decode(format!("timestamp \"{text}\": {e}")))?;
    let seconds = time.timestamp();
    if seconds <= 0 {
        return Ok(None);
    }
    Ok(Some(
        seconds as f64 + f64::from(time.timestamp_subsec_nanos()) / 1e9,
    ))
}

fn optional_timestamp(text: Option<&str>) -> Result<Option<f64>, PromError> {
    text.map_or(Ok(None), timestamp)
}

/// Parses `/api/v1/alerts`: every pending and firing alert Prometheus knows.
pub fn parse_alerts(status: u16, body: &[u8]) -> Result<Vec<Alert>, PromError> {
    let data: AlertsData = data(status, body)?;
    data.alerts.into_iter().map(RawAlert::parse).collect()
}

/// Parses `/api/v1/rules`: rule groups with each rule's health, last evaluation and alerts.
pub fn parse_rules(status: u16, body: &[u8]) -> Result<Vec<RuleGroupStatus>, PromError> {
    let data: RulesData = data(status, body)?;
    data.groups
        .into_iter()
        .map(|g| {
            Ok(RuleGroupStatus {
                last_evaluation: optional_timestamp(g.last_evaluation.as_deref())?,
                rules: g
                    .rules
                    .into_iter()
                    .map(RawRule::parse)
                    .collect::<Result<_, _>>()?,
                name: g.name,
                file: g.file,
                interval: g.interval,
                evaluation_time: g.evaluation_time,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::decode::MAX_SERIES_PER_ANSWER;

    #[test]
    fn vectors_with_special_values() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"replica":"replica-2"},"value":[1700000000.5,"6.25"]},
            {"metric":{},"value":[1700000000.5,"NaN"]},
            {"metric":{},"value":[1700000000.5,"+Inf"]}]}}"#;
        let samples = parse_instant(200, body).unwrap().samples;
        assert_eq!(samples[0].labels["replica"], "replica-2");
        assert_eq!(samples[0].value, 6.25);
        assert!(samples[1].value.is_nan());
        assert_eq!(samples[2].value, f64::INFINITY);
    }

    #[test]
    fn scalars_and_matrices() {
        let body = br#"{"status":"success","data":{"resultType":"scalar","result":[1.0,"2"]}}"#;
        assert_eq!(parse_instant(200, body).unwrap().samples[0].value, 2.0);
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"a":"b"},"values":[[1,"1"],[2,"2"]]}]}}"#;
        assert_eq!(
            parse_range(200, body).unwrap()[0].points,
            vec![(1.0, 1.0), (2.0, 2.0)]
        );
    }

    #[test]
    fn server_messages_are_kept() {
        let body =
            br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#;
        let err = parse_instant(400, body).unwrap_err();
        assert_eq!(err.to_string(), "bad_data: 1:5: parse error: unexpected");
    }

    #[test]
    fn garbage_and_http_errors() {
        assert!(matches!(
            parse_instant(200, b"<html>oops"),
            Err(PromError::Decode(_))
        ));
        assert_eq!(
            parse_instant(502, b"<html> Bad   Gateway </html>").unwrap_err(),
            PromError::Http {
                status: 502,
                message: "<html> Bad Gateway </html>".to_string()
            }
        );
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#;
        assert!(matches!(
            parse_instant(200, body),
            Err(PromError::Decode(_))
        ));
    }

    /// An instant answer of `n` series labelled `s=0`, `s=1`…
    fn vector(n: usize) -> Vec<u8> {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"metric":{{"s":"{i}"}},"value":[7,"{i}"]}}"#))
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            items.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn huge_answers_are_cut_while_parsing_and_counted() {
        let answer = parse_instant(200, &vector(MAX_SERIES_PER_ANSWER + 1234)).unwrap();
        assert_eq!(answer.omitted, 1234);
        let samples = answer.samples;
        assert_eq!(samples.len(), MAX_SERIES_PER_ANSWER);
        assert_eq!(
            samples[0].labels["s"], "0",
            "the first ones are kept, in order"
        );
        assert!(samples.iter().all(|s| s.time == 7.0));

        let whole = parse_instant(200, &vector(MAX_SERIES_PER_ANSWER)).unwrap();
        assert_eq!(whole.omitted, 0);
        assert_eq!(whole.samples.len(), MAX_SERIES_PER_ANSWER);
    }

    #[test]
    fn range_answers_are_cut_too() {
        let item = r#"{"metric":{"a":"b"},"values":[[1,"1"]]}"#;
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
            vec![item; MAX_SERIES_PER_ANSWER + 3].join(",")
        );
        assert_eq!(
            parse_range(200, body.as_bytes()).unwrap().len(),
            MAX_SERIES_PER_ANSWER
        );
    }

    #[test]
    fn the_result_may_come_before_its_type() {
        let body = br#"{"data":{"result":[{"metric":{},"value":[1,"2"]}],"resultType":"vector"},"status":"success"}"#;
        assert_eq!(parse_instant(200, body).unwrap().samples[0].value, 2.0);
    }

    /// Trimmed from a real Prometheus 2.42 answer.
    const ALERTS: &[u8] = br#"{"status":"success","data":{"alerts":[
        {"labels":{"alertname":"DatabaseReplicationLag","instance":"127.0.0.1:4000","job":"spheroseg","replica":"replica-2","severity":"critical"},
         "annotations":{"description":"Replication lag is 9.5s","summary":"High database replication lag"},
         "state":"firing","activeAt":"2026-11-25T10:00:01.123456789Z","value":"9.5e+00"},
        {"labels":{"alertname":"MLQueueBacklog"},"annotations":{},"state":"pending",
         "activeAt":"2026-11-25T10:00:02+01:00","value":"+Inf"}]}}"#;

    #[test]
    fn alerts_with_times_and_string_values() {
        let alerts = parse_alerts(200, ALERTS).unwrap();
        assert_eq!(alerts.len(), 2);
        let lag = &alerts[0];
        assert_eq!(lag.name, "DatabaseReplicationLag");
        assert_eq!(lag.state, AlertState::Firing);
        assert_eq!(lag.value, 9.5);
        assert_eq!(lag.severity(), Some("critical"));
        assert_eq!(lag.source, AlertSource::Server);
        assert!(
            (lag.active_at - 1_795_600_801.123_456_8).abs() < 1e-6,
            "{}",
            lag.active_at
        );
        assert_eq!(lag.annotations["description"], "Replication lag is 9.5s");
        assert_eq!(alerts[1].state, AlertState::Pending);
        assert_eq!(alerts[1].value, f64::INFINITY);
        assert_eq!(alerts[1].active_at, 1_795_600_802.0 - 3600.0);
    }

    #[test]
    fn rules_with_health_and_zero_times() {
        let body = br#"{"status":"success","data":{"groups":[{"name":"spheroseg","file":"/rules/spheroseg.yml",
            "rules":[
              {"state":"firing","name":"DatabaseReplicationLag","query":"db_replication_lag_seconds > 5","duration":300,
               "keepFiringFor":0,"labels":{"severity":"critical"},"annotations":{"summary":"lag"},
               "alerts":[{"labels":{"alertname":"DatabaseReplicationLag"},"annotations":{},"state":"firing",
                          "activeAt":"2026-11-25T10:00:01Z","value":"1e+01"}],
               "health":"ok","evaluationTime":0.000512,"lastEvaluation":"2026-11-25T10:05:01.5Z","type":"alerting"},
              {"name":"instance:api_request_rate","query":"rate(x[5m])","health":"err","lastError":"bad",
               "evaluationTime":0,"lastEvaluation":"0001-01-01T00:00:00Z","type":"recording"}],
            "interval":30,"limit":0,"evaluationTime":0.001,"lastEvaluation":"2026-11-25T10:05:01.5Z"}]}}"#;
        let groups = parse_rules(200, body).unwrap();
        let group = &groups[0];
        assert_eq!((group.name.as_str(), group.interval), ("spheroseg", 30.0));
        assert_eq!(group.file, "/rules/spheroseg.yml");
        assert_eq!(group.last_evaluation, Some(1_795_601_101.5));
        let alerting = &group.rules[0];
        assert_eq!(alerting.kind, RuleKind::Alerting);
        assert_eq!(alerting.duration, 300.0);
        assert_eq!(alerting.health, RuleHealth::Ok);
        assert_eq!(alerting.state, Some(AlertState::Firing));
        assert_eq!(alerting.alerts[0].value, 10.0);
        assert_eq!(alerting.labels["severity"], "critical");
        let recording = &group.rules[1];
        assert_eq!(recording.kind, RuleKind::Recording);
        assert_eq!(recording.health, RuleHealth::Error);
        assert_eq!(recording.last_error.as_deref(), Some("bad"));
        assert_eq!(recording.last_evaluation, None);
        assert_eq!(recording.state, None);
    }

    #[test]
    fn alert_and_rule_errors() {
        assert!(matches!(
            parse_alerts(200, b"<html>"),
            Err(PromError::Decode(_))
        ));
        assert!(matches!(
            parse_rules(503, b"<html>down</html>"),
            Err(PromError::Http { status: 503, .. })
        ));
        let bad_time = br#"{"status":"success","data":{"alerts":[{"state":"firing","activeAt":"yesterday","value":"1"}]}}"#;
        assert!(
            parse_alerts(200, bad_time)
                .unwrap_err()
                .to_string()
                .contains("yesterday")
        );
        let bad_state = br#"{"status":"success","data":{"alerts":[{"state":"exploding"}]}}"#;
        assert!(matches!(
            parse_alerts(200, bad_state),
            Err(PromError::Decode(_))
        ));
        let body = br#"{"status":"error","errorType":"unavailable","error":"rules not ready"}"#;
        assert_eq!(
            parse_rules(503, body).unwrap_err().to_string(),
            "unavailable: rules not ready"
        );
    }
}
