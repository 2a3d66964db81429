//! The parts of Prometheus' `/api/v1` JSON that the dashboard reads, and its errors.

use crate::model::Labels;
use serde::{Deserialize, Serialize};
use std::time::Duration;

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

/// Why a query gave no result. Cloneable plain data: it is stored, shown and recorded.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum PromError {
    /// No connection to Prometheus at all: the whole dashboard is blind.
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("timed out after {}", crate::config::duration::short(*.0))]
    Timeout(Duration),
    /// Prometheus rejected the query; `message` is the server's own words.
    #[error("{kind}: {message}")]
    Query { kind: String, message: String },
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("invalid response: {0}")]
    Decode(String),
}

impl PromError {
    /// True when the failure is about reaching Prometheus rather than about one query.
    pub fn is_connection(&self) -> bool {
        matches!(self, PromError::Unreachable(_))
    }
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    data: Option<serde_json::Value>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum QueryData {
    Vector(Vec<VectorItem>),
    Matrix(Vec<MatrixItem>),
    Scalar(RawPoint),
    String(serde::de::IgnoredAny),
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

/// Reads the common envelope: the server's error message wins over the HTTP status,
/// because Prometheus explains bad PromQL in the body of its 400/422 answers.
fn data(status: u16, body: &[u8]) -> Result<serde_json::Value, PromError> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(err) if (200..300).contains(&status) => return Err(PromError::Decode(err.to_string())),
        Err(_) => {
            return Err(PromError::Http {
                status,
                message: snippet(body),
            });
        }
    };
    if envelope.status != "success" {
        return Err(PromError::Query {
            kind: envelope.error_type.unwrap_or_else(|| "error".to_string()),
            message: envelope.error.unwrap_or_else(|| format!("HTTP {status}")),
        });
    }
    if !(200..300).contains(&status) {
        return Err(PromError::Http {
            status,
            message: snippet(body),
        });
    }
    envelope
        .data
        .ok_or_else(|| PromError::Decode("success without data".to_string()))
}

/// The start of a body, for error messages (HTML error pages can be long).
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 160 {
        format!("{}…", line.chars().take(160).collect::<String>())
    } else {
        line
    }
}

fn query_data(status: u16, body: &[u8]) -> Result<QueryData, PromError> {
    serde_json::from_value(data(status, body)?).map_err(|e| PromError::Decode(e.to_string()))
}

/// Parses an instant query answer; a scalar becomes one unlabelled sample.
pub fn parse_instant(status: u16, body: &[u8]) -> Result<Vec<Sample>, PromError> {
    match query_data(status, body)? {
        QueryData::Vector(items) => items
            .into_iter()
            .map(|item| {
                item.value.parse().map(|(time, value)| Sample {
                    labels: item.metric,
                    time,
                    value,
                })
            })
            .collect(),
        QueryData::Scalar(point) => {
            let (time, value) = point.parse()?;
            Ok(vec![Sample {
                labels: Labels::new(),
                time,
                value,
            }])
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

/// Parses a range query answer.
pub fn parse_range(status: u16, body: &[u8]) -> Result<Vec<Series>, PromError> {
    match query_data(status, body)? {
        QueryData::Matrix(items) => items
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
    data(status, body).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_with_special_values() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"replica":"replica-2"},"value":[1700000000.5,"6.25"]},
            {"metric":{},"value":[1700000000.5,"NaN"]},
            {"metric":{},"value":[1700000000.5,"+Inf"]}]}}"#;
        let samples = parse_instant(200, body).unwrap();
        assert_eq!(samples[0].labels["replica"], "replica-2");
        assert_eq!(samples[0].value, 6.25);
        assert!(samples[1].value.is_nan());
        assert_eq!(samples[2].value, f64::INFINITY);
    }

    #[test]
    fn scalars_and_matrices() {
        let body = br#"{"status":"success","data":{"resultType":"scalar","result":[1.0,"2"]}}"#;
        assert_eq!(parse_instant(200, body).unwrap()[0].value, 2.0);
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
}
