//! HTTP client for Prometheus: instant and range queries, alerts and rules, with timeouts,
//! auth and a size cap.
//! Credentials live only here; everything else sees the redacted URL.

use super::api::{self, PromError, Sample, Series};
use crate::prom::alertmanager::{self, AlertmanagerState};
use crate::prom::alerts::{Alert, RuleGroupStatus};
use reqwest::StatusCode;
use std::time::Duration;
use url::Url;

/// Bodies larger than this are refused rather than parsed: a runaway query must not
/// take the dashboard's memory with it.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Per-request deadline; also sent to Prometheus so it stops evaluating.
    pub timeout: Duration,
    pub bearer_token: Option<String>,
}

#[derive(Clone)]
enum Auth {
    None,
    Basic {
        user: String,
        password: Option<String>,
    },
    Bearer(String),
}

#[derive(Clone)]
pub struct PromClient {
    http: reqwest::Client,
    base: String,
    display: String,
    auth: Auth,
    timeout: Duration,
}

impl std::fmt::Debug for PromClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromClient")
            .field("url", &self.display)
            .finish_non_exhaustive()
    }
}

impl PromClient {
    /// `url` may carry `user:password@` for basic auth; it is moved into a header and
    /// removed from every URL the rest of the program sees.
    pub fn new(url: &str, options: ClientOptions) -> Result<Self, String> {
        let mut parsed = Url::parse(url)
            .map_err(|e| format!("invalid Prometheus URL \"{}\": {e}", redact(url)))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "Prometheus URL must start with http:// or https://, got \"{}\"",
                redact(url)
            ));
        }
        let auth = if let Some(token) = options.bearer_token {
            Auth::Bearer(token)
        } else if !parsed.username().is_empty() {
            Auth::Basic {
                user: parsed.username().to_string(),
                password: parsed.password().map(str::to_string),
            }
        } else {
            Auth::None
        };
        // Stripping credentials cannot fail for http(s) URLs, which have a host.
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        let base = parsed.as_str().trim_end_matches('/').to_string();
        let http = reqwest::Client::builder()
            .connect_timeout(options.timeout.min(Duration::from_secs(3)))
            .user_agent(concat!("spheroseg-top/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        Ok(Self {
            http,
            display: base.clone(),
            base,
            auth,
            timeout: options.timeout,
        })
    }

    /// The URL without credentials, for status bars and logs.
    pub fn display_url(&self) -> &str {
        &self.display
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Evaluates `expr` at `time` (Unix seconds).
    pub async fn instant(&self, expr: &str, time: f64) -> Result<Vec<Sample>, PromError> {
        let form = [
            ("query", expr.to_string()),
            ("time", format!("{time:.3}")),
            ("timeout", self.server_timeout()),
        ];
        let (status, body) = self.post("query", &form).await?;
        api::parse_instant(status, &body)
    }

    /// Evaluates `expr` from `start` to `end` every `step` seconds.
    pub async fn range(
        &self,
        expr: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<Vec<Series>, PromError> {
        let form = [
            ("query", expr.to_string()),
            ("start", format!("{start:.3}")),
            ("end", format!("{end:.3}")),
            ("step", format!("{step:.3}")),
            ("timeout", self.server_timeout()),
        ];
        let (status, body) = self.post("query_range", &form).await?;
        api::parse_range(status, &body)
    }

    /// A cheap request that tells whether Prometheus answers at all.
    pub async fn ping(&self) -> Result<(), PromError> {
        let (status, body) = self.get("status/buildinfo").await?;
        api::parse_ok(status, &body)
    }

    /// Every pending and firing alert Prometheus evaluates (`GET /api/v1/alerts`).
    pub async fn alerts(&self) -> Result<Vec<Alert>, PromError> {
        let (status, body) = self.get("alerts").await?;
        api::parse_alerts(status, &body)
    }

    /// Prometheus' rule groups with each rule's health and alerts (`GET /api/v1/rules`).
    pub async fn rules(&self) -> Result<Vec<RuleGroupStatus>, PromError> {
        let (status, body) = self.get("rules").await?;
        api::parse_rules(status, &body)
    }

    /// Alertmanager's notification groups (`GET /api/v2/alerts/groups`); this client's URL
    /// must then be Alertmanager's.
    pub async fn alertmanager(&self) -> Result<AlertmanagerState, PromError> {
        let (status, body) = self
            .send(self.http.get(format!("{}/api/v2/alerts/groups", self.base)))
            .await?;
        let groups = alertmanager::parse_groups(status, &body)?;
        let (status, body) = self
            .send(self.http.get(format!("{}/api/v2/silences", self.base)))
            .await?;
        let silences = alertmanager::parse_silences(status, &body)?;
        Ok(AlertmanagerState { groups, silences })
    }

    async fn get(&self, endpoint: &str) -> Result<(u16, Vec<u8>), PromError> {
        let request = self.http.get(format!("{}/api/v1/{endpoint}", self.base));
        self.send(request).await
    }

    fn server_timeout(&self) -> String {
        format!("{}ms", self.timeout.as_millis())
    }

    async fn post(
        &self,
        endpoint: &str,
        form: &[(&str, String)],
    ) -> Result<(u16, Vec<u8>), PromError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(format!("{}/api/v1/{endpoint}", self.base))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        self.send(request).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), PromError> {
        let request = match &self.auth {
            Auth::None => request,
            Auth::Basic { user, password } => request.basic_auth(user, password.as_ref()),
            Auth::Bearer(token) => request.bearer_auth(token),
        };
        let timeout = self.timeout;
        let exchange = async {
            let mut response = request.send().await.map_err(|e| self.transport_error(&e))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(PromError::Http {
                    status: status.as_u16(),
                    message: "not authorised (check --bearer-token-file or the URL's credentials)"
                        .to_string(),
                });
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| self.transport_error(&e))?
            {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(PromError::Decode(format!(
                        "response larger than {} MiB; narrow the query",
                        MAX_BODY_BYTES >> 20
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status.as_u16(), body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| PromError::Timeout(timeout))?
    }

    fn transport_error(&self, err: &reqwest::Error) -> PromError {
        if err.is_timeout() {
            return PromError::Timeout(self.timeout);
        }
        // reqwest's message names the URL; ours carries no credentials. The innermost
        // cause ("Connection refused") is what an operator needs.
        let mut cause: &dyn std::error::Error = err;
        while let Some(next) = cause.source() {
            cause = next;
        }
        PromError::Unreachable(format!("{} ({cause})", self.display))
    }
}

/// Replaces a URL's password with `***` for messages about URLs; text that is not a URL
/// with a host (`user:pw@host:9090`, no scheme) hides whatever stands before its `@`.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
                return parsed.to_string();
            }
            url.to_string()
        }
        _ => {
            let start = url.find("//").map_or(0, |i| i + 2);
            match url.rfind('@') {
                Some(at) if at > start => format!("{}***{}", &url[..start], &url[at..]),
                _ => url.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ClientOptions {
        ClientOptions {
            timeout: Duration::from_secs(1),
            bearer_token: None,
        }
    }

    #[test]
    fn credentials_never_reach_the_display_url() {
        let client =
            PromClient::new("http://admin:s3cret@127.0.0.1:9090/prom/", options()).unwrap();
        assert_eq!(client.display_url(), "http://127.0.0.1:9090/prom");
        assert!(!format!("{client:?}").contains("s3cret"));
        assert_eq!(
            redact("http://admin:s3cret@host:1/"),
            "http://admin:***@host:1/"
        );
        assert!(!redact("http://a:s3cret@[bad").contains("s3cret"));
    }

    #[test]
    fn bad_urls_are_explained() {
        assert!(
            PromClient::new("localhost:9090", options())
                .unwrap_err()
                .contains("http://")
        );
        assert!(PromClient::new("not a url", options()).is_err());
        // Without a scheme the URL parser sees no password: the text before `@` is hidden.
        let error = PromClient::new("user:pw@host:9090", options()).unwrap_err();
        assert!(
            !error.contains("pw") && error.contains("***@host:9090"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = PromClient::new(&format!("http://127.0.0.1:{port}"), options()).unwrap();
        let err = client.instant("up", 0.0).await.unwrap_err();
        assert!(err.is_connection(), "{err:?}");
    }

    /// Answers one HTTP request with `response` and hands back the request's text.
    async fn serve_once(response: String) -> (String, tokio::task::JoinHandle<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://tok:en@{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 4096];
            let n = socket.read(&mut request).await.unwrap();
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
            String::from_utf8_lossy(&request[..n]).to_string()
        });
        (url, task)
    }

    #[tokio::test]
    async fn alerts_and_rules_are_gets_with_auth() {
        let body = r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"state":"pending","activeAt":"2026-01-01T00:00:00Z","value":"1"}]}}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let (url, request) = serve_once(response).await;
        let client = PromClient::new(&url, options()).unwrap();
        let alerts = client.alerts().await.unwrap();
        assert_eq!(alerts[0].name, "A");
        let request = request.await.unwrap();
        assert!(
            request.starts_with("GET /api/v1/alerts HTTP/1.1"),
            "{request}"
        );
        // "tok:en" in base64: the URL's credentials went into a header.
        assert!(
            request
                .to_lowercase()
                .contains("authorization: basic dg9rOmVu".to_lowercase().as_str()),
            "{request}"
        );

        let (url, _) =
            serve_once("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n".into()).await;
        let err = PromClient::new(&url, options())
            .unwrap()
            .rules()
            .await
            .unwrap_err();
        assert!(
            matches!(err, PromError::Http { status: 401, .. }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn alerts_time_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let client = PromClient::new(
            &url,
            ClientOptions {
                timeout: Duration::from_millis(300),
                bearer_token: None,
            },
        )
        .unwrap();
        // Accepted by the kernel's backlog, never answered.
        let err = client.rules().await.unwrap_err();
        assert_eq!(err, PromError::Timeout(Duration::from_millis(300)));
        drop(listener);
    }
}
