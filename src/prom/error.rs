//! The errors shared by the files of `prom`: why a request gave no answer ([`PromError`],
//! plain data that is stored, shown and recorded) and why a client cannot be made
//! ([`ClientError`]). In a file of their own, so that parsing, credentials and the client
//! each need this file and not each other.

use super::tls::TlsError;
use crate::model::duration::Form;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a query gave no result. Cloneable plain data: it is stored, shown and recorded.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum PromError {
    /// No connection to Prometheus at all: the whole dashboard is blind.
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("timed out after {}", Form::Setting.duration(*.0))]
    Timeout(Duration),
    /// Prometheus rejected the query; `message` is the server's own words.
    #[error("{kind}: {message}")]
    Query { kind: String, message: String },
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// The server is overloaded or rate-limiting (429, 503) and said how long to wait
    /// (`Retry-After`).
    #[error("HTTP {status}: server asked to wait {}", Form::Setting.duration(*.retry_after))]
    Throttled { status: u16, retry_after: Duration },
    #[error("invalid response: {0}")]
    Decode(String),
}

impl PromError {
    /// True when the failure is about reaching Prometheus rather than about one query.
    pub fn is_connection(&self) -> bool {
        matches!(self, PromError::Unreachable(_))
    }

    /// True when the server refused the credentials sent, or that none were (401, 403).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            PromError::Http {
                status: 401 | 403,
                ..
            }
        )
    }

    /// True when the server failed the request rather than judged the query: no answer
    /// in time, an overloaded or failing server or proxy. Many of these in one refresh
    /// mean the dashboard should ask less often.
    pub fn is_server_failure(&self) -> bool {
        match self {
            PromError::Unreachable(_) | PromError::Timeout(_) | PromError::Throttled { .. } => true,
            PromError::Http { status, .. } => *status == 429 || *status >= 500,
            PromError::Query { .. } | PromError::Decode(_) => false,
        }
    }
}

/// Why a client cannot be made. The URL in messages is redacted.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid Prometheus URL \"{url}\": {reason}")]
    InvalidUrl {
        url: String,
        reason: url::ParseError,
    },
    #[error(
        "Prometheus URL must start with http:// or https://, got \"{0}\" (e.g. http://127.0.0.1:9090)"
    )]
    NotHttp(String),
    /// The token itself is never part of the message.
    #[error("the bearer token {0}")]
    BearerToken(&'static str),
    #[error("a basic-auth user must be given and cannot contain ':'")]
    BasicAuthUser,
    /// The value may be a secret: only the name is told.
    #[error("the header {name} {reason}")]
    Header { name: String, reason: &'static str },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot build HTTP client: {0}")]
    Build(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_failures_are_told_from_query_errors() {
        let http = |status| PromError::Http {
            status,
            message: String::new(),
        };
        assert!(http(503).is_server_failure() && http(429).is_server_failure());
        assert!(!http(404).is_server_failure() && !http(400).is_server_failure());
        assert!(PromError::Timeout(Duration::from_secs(1)).is_server_failure());
        let throttled = PromError::Throttled {
            status: 429,
            retry_after: Duration::from_secs(120),
        };
        assert!(throttled.is_server_failure());
        assert_eq!(throttled.to_string(), "HTTP 429: server asked to wait 2m");
        let query = PromError::Query {
            kind: "bad_data".into(),
            message: "x".into(),
        };
        assert!(!query.is_server_failure());
    }
}
