//! How an answer's bytes become data: the API envelope read straight into typed data (no
//! intermediate JSON tree: one of 100,000 series takes hundreds of megabytes), arrays cut
//! to a bound while they are read, and what a body is when it is not JSON.

use super::error::PromError;
use serde::de::{DeserializeOwned, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::marker::PhantomData;

/// Series read from one answer at most; the rest are counted, not built, so a query that
/// suddenly matches 100,000 series costs no more memory than one matching this many. Ten
/// times what a panel keeps (`store::MAX_SERIES`), so the store still finds the series it
/// already holds when the server lists them in another order.
pub const MAX_SERIES_PER_ANSWER: usize = 5_000;

/// Warnings kept from one answer; the rest say nothing new.
const MAX_WARNINGS: usize = 5;

/// Every `/api/v1` answer: `data` on success, the server's words on failure, and warnings
/// with a success when the data may be partial (Thanos' partial responses, a store or
/// querier that did not answer).
#[derive(Deserialize)]
struct Envelope<D> {
    status: String,
    data: Option<D>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

impl<D> Envelope<D> {
    /// The data of a successful answer and its warnings; the server's error message wins
    /// over the HTTP status, because Prometheus explains bad PromQL in the body of its
    /// 400/422 answers.
    fn into_data(self, status: u16, body: &[u8]) -> Result<(D, Vec<String>), PromError> {
        if self.status != "success" {
            return Err(PromError::Query {
                kind: self.error_type.unwrap_or_else(|| "error".to_string()),
                message: self.error.unwrap_or_else(|| format!("HTTP {status}")),
            });
        }
        if !(200..300).contains(&status) {
            return Err(PromError::Http {
                status,
                message: snippet(body),
            });
        }
        let mut warnings = self.warnings;
        warnings.truncate(MAX_WARNINGS);
        self.data
            .map(|data| (data, warnings))
            .ok_or_else(|| PromError::Decode("success without data".to_string()))
    }
}

/// The first [`MAX_SERIES_PER_ANSWER`] items of a JSON array, and how many it had: the
/// rest are read past without being built.
pub(super) struct Capped<T> {
    pub(super) items: Vec<T>,
    pub(super) total: usize,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Capped<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(CappedVisitor(PhantomData))
    }
}

struct CappedVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for CappedVisitor<T> {
    type Value = Capped<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Capped<T>, A::Error> {
        let mut items = Vec::new();
        while items.len() < MAX_SERIES_PER_ANSWER {
            match seq.next_element()? {
                Some(item) => items.push(item),
                None => {
                    let total = items.len();
                    return Ok(Capped { items, total });
                }
            }
        }
        let mut total = items.len();
        while seq.next_element::<IgnoredAny>()?.is_some() {
            total += 1;
        }
        Ok(Capped { items, total })
    }
}

/// Reads an answer's envelope and its data straight into `D`, without an intermediate
/// JSON tree (a tree of 100,000 series takes hundreds of megabytes).
pub(super) fn data<D: DeserializeOwned>(status: u16, body: &[u8]) -> Result<D, PromError> {
    data_and_warnings(status, body).map(|(data, _)| data)
}

/// [`data`] and the answer's warnings.
pub(super) fn data_and_warnings<D: DeserializeOwned>(
    status: u16,
    body: &[u8],
) -> Result<(D, Vec<String>), PromError> {
    let err = match serde_json::from_slice::<Envelope<D>>(body) {
        Ok(envelope) => return envelope.into_data(status, body),
        Err(err) => err,
    };
    match serde_json::from_slice::<Envelope<IgnoredAny>>(body) {
        // The envelope is fine; its data is not what the endpoint should answer.
        Ok(envelope) => envelope
            .into_data(status, body)
            .and(Err(PromError::Decode(err.to_string()))),
        Err(_) if (200..300).contains(&status) => {
            Err(not_json(None, body).unwrap_or_else(|| PromError::Decode(err.to_string())))
        }
        Err(_) => Err(PromError::Http {
            status,
            message: snippet(body),
        }),
    }
}

/// When a successful answer cannot be JSON, says what it is instead: HTML (a login page or
/// a proxy's portal), nothing, or the content type the server named. `None` when it may
/// be JSON, and the parser will tell.
pub fn not_json(content_type: Option<&str>, body: &[u8]) -> Option<PromError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let what = match first {
        Some(b'{' | b'[') => return None,
        None => "an empty answer".to_string(),
        Some(b'<') => "HTML".to_string(),
        Some(_) if media.as_deref() == Some("text/html") => "HTML".to_string(),
        Some(_) => match media {
            Some(media) if !media.contains("json") => media,
            _ => return None,
        },
    };
    let hint = if what == "HTML" {
        " (a login page or proxy?)"
    } else {
        ""
    };
    Some(PromError::Decode(format!("got {what}, not JSON{hint}")))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_json_is_named() {
        let html = crate::prom::api::parse_instant(200, b"\n<!DOCTYPE html><html>Sign in</html>")
            .unwrap_err();
        assert_eq!(
            html.to_string(),
            "invalid response: got HTML, not JSON (a login page or proxy?)"
        );
        let named = |ct, body: &[u8]| not_json(Some(ct), body).map(|e| e.to_string());
        assert_eq!(
            named("text/html; charset=utf-8", b"Sign in"),
            Some("invalid response: got HTML, not JSON (a login page or proxy?)".into())
        );
        assert_eq!(
            named("text/plain", b"hello"),
            Some("invalid response: got text/plain, not JSON".into())
        );
        assert_eq!(
            named("application/json", b""),
            Some("invalid response: got an empty answer, not JSON".into())
        );
        assert_eq!(
            named("text/plain", b" {\"status\""),
            None,
            "JSON, whatever it says"
        );
        assert_eq!(
            named("application/json", b"oops"),
            None,
            "the parser says why"
        );
    }
}
