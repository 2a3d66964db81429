//! HTTP client for Prometheus: instant and range queries, alerts and rules, with timeouts,
//! auth, TLS as configured ([`super::TlsOptions`]) and a size cap.
//! Credentials live only here and in [`super::auth`]; everything else sees the redacted URL,
//! and every answer leaves with the client's secrets hidden ([`super::secrets`]). Redirects are
//! followed only when they keep the request (307, 308) and stay on the same origin, so
//! credentials never travel elsewhere; other redirects, throttling and transport failures
//! come back as errors that say what to do.

use super::api::{self, InstantAnswer, Sample, Series};
use super::auth::{self, Auth};
use super::batch;
use super::decode::not_json;
use super::error::{ClientError, PromError};
use super::options::{ClientOptions, ProxyPolicy};
use super::secrets::{Scrub, Secrets};
use super::tls;
use super::transport;
use crate::clock::unix_now;
use crate::model::text::mask_userinfo;
use crate::prom::alertmanager::{self, AlertmanagerState};
use crate::prom::alerts::{Alert, RuleGroupStatus};
use crate::prom::silences::{self, NewSilence};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use std::error::Error as StdError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::{Host, Url};

/// Bodies larger than this are refused rather than parsed: a runaway query must not
/// take the dashboard's memory with it.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Same-origin 307/308 redirects followed at most for one request.
const MAX_REDIRECTS: usize = 5;

#[derive(Clone)]
pub struct PromClient {
    http: reqwest::Client,
    base: String,
    display: String,
    auth: Auth,
    /// An `Authorization` header came with `--header` (a refusal says so).
    authorization_header: bool,
    timeout: Duration,
    https: bool,
    /// A client certificate is offered (a refused handshake is explained accordingly).
    client_cert: bool,
    /// What a server quoting them back must not get into an answer.
    secrets: Secrets,
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
    /// removed from every URL the rest of the program sees. Proxies as `options.proxy` says.
    pub fn new(url: &str, options: ClientOptions) -> Result<Self, ClientError> {
        let mut parsed = Url::parse(url).map_err(|reason| ClientError::InvalidUrl {
            url: mask_userinfo(url),
            reason,
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::NotHttp(mask_userinfo(url)));
        }
        let auth = Auth::choose(
            options.bearer_token.as_deref(),
            options.basic_auth.as_ref(),
            &parsed,
        )?;
        let headers = auth::headers(
            &options.headers,
            options.tenant.as_deref(),
            !matches!(auth, Auth::None),
        )?;
        let authorization_header = headers.contains_key(AUTHORIZATION);
        let sent_headers = headers.clone();
        // Stripping credentials cannot fail for http(s) URLs, which have a host.
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        let base = parsed.as_str().trim_end_matches('/').to_string();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.timeout.min(Duration::from_secs(3)))
            .user_agent(concat!("spheroseg-top/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect_policy())
            .default_headers(headers);
        builder = tls::configure(builder, &options.tls)?;
        if options.proxy == ProxyPolicy::Off || is_loopback(&parsed) {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(ClientError::Build)?;
        // The credential's header exactly as requests carry it (basic auth in base64).
        let credential = auth.apply(http.get(&base)).build().ok();
        let secrets = Secrets::new(
            credential
                .as_ref()
                .and_then(|request| request.headers().get(AUTHORIZATION))
                .and_then(|value| value.to_str().ok()),
            auth.password(),
            &sent_headers,
            auth::TENANT_HEADER,
        );
        Ok(Self {
            http,
            display: base.clone(),
            https: parsed.scheme() == "https",
            base,
            auth,
            authorization_header,
            timeout: options.timeout,
            client_cert: options.tls.client_cert.is_some(),
            secrets,
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
    pub async fn instant(&self, expr: &str, time: f64) -> Result<InstantAnswer, PromError> {
        let form = [
            ("query", expr.to_string()),
            ("time", format!("{time:.3}")),
            ("timeout", self.server_timeout()),
        ];
        self.post("query", &form, api::parse_instant).await
    }

    /// Evaluates every one of `exprs` (instant vectors, [`batch::can_join`]) at `time` in
    /// one request: each one's samples, in their order.
    pub async fn instant_batch<S: AsRef<str>>(
        &self,
        exprs: &[S],
        time: f64,
    ) -> Result<Vec<Vec<Sample>>, PromError> {
        let answer = self.instant(&batch::combined(exprs), time).await?;
        batch::split(answer, exprs.len())
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
        self.post("query_range", &form, api::parse_range).await
    }

    /// A cheap request that tells whether Prometheus answers at all.
    pub async fn ping(&self) -> Result<(), PromError> {
        self.get("status/buildinfo", api::parse_ok).await
    }

    /// Every pending and firing alert Prometheus evaluates (`GET /api/v1/alerts`).
    pub async fn alerts(&self) -> Result<Vec<Alert>, PromError> {
        self.get("alerts", api::parse_alerts).await
    }

    /// Prometheus' rule groups with each rule's health and alerts (`GET /api/v1/rules`).
    pub async fn rules(&self) -> Result<Vec<RuleGroupStatus>, PromError> {
        self.get("rules", api::parse_rules).await
    }

    /// Alertmanager's notification groups (`GET /api/v2/alerts/groups`); this client's URL
    /// must then be Alertmanager's.
    pub async fn alertmanager(&self) -> Result<AlertmanagerState, PromError> {
        let groups = self.http.get(format!("{}/api/v2/alerts/groups", self.base));
        let groups = self.ask(groups, true, alertmanager::parse_groups).await?;
        let silences = self.http.get(format!("{}/api/v2/silences", self.base));
        let silences = self
            .ask(silences, true, alertmanager::parse_silences)
            .await?;
        Ok(AlertmanagerState { groups, silences })
    }

    /// Creates a silence (`POST /api/v2/silences`; this client's URL must be Alertmanager's)
    /// and returns its id.
    pub async fn create_silence(&self, silence: &NewSilence) -> Result<String, PromError> {
        let request = self
            .http
            .post(format!("{}/api/v2/silences", self.base))
            .header(CONTENT_TYPE, "application/json")
            .body(silence.to_json());
        self.ask(request, true, silences::parse_created).await
    }

    /// Expires a silence (`DELETE /api/v2/silence/{id}`), which answers with no body.
    pub async fn expire_silence(&self, id: &str) -> Result<(), PromError> {
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let request = self
            .http
            .delete(format!("{}/api/v2/silence/{id}", self.base));
        self.ask(request, false, silences::check_expired).await
    }

    /// `GET /api/v1/{endpoint}`, its answer `parse`d; `endpoint` may carry an encoded
    /// query string.
    pub(super) async fn get<T: Scrub>(
        &self,
        endpoint: &str,
        parse: impl FnOnce(u16, &[u8]) -> Result<T, PromError>,
    ) -> Result<T, PromError> {
        let request = self.http.get(format!("{}/api/v1/{endpoint}", self.base));
        self.ask(request, true, parse).await
    }

    fn server_timeout(&self) -> String {
        format!("{}ms", self.timeout.as_millis())
    }

    /// `POST /api/v1/{endpoint}` with `form`, its answer `parse`d.
    pub(super) async fn post<T: Scrub>(
        &self,
        endpoint: &str,
        form: &[(&str, String)],
        parse: impl FnOnce(u16, &[u8]) -> Result<T, PromError>,
    ) -> Result<T, PromError> {
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
        self.ask(request, true, parse).await
    }

    /// Sends `request` and `parse`s the answer: the one way every answer comes in, so
    /// each leaves with the client's secrets hidden, whatever a server quoted back.
    async fn ask<T: Scrub>(
        &self,
        request: reqwest::RequestBuilder,
        json: bool,
        parse: impl FnOnce(u16, &[u8]) -> Result<T, PromError>,
    ) -> Result<T, PromError> {
        let mut answer = self
            .exchange(request, json)
            .await
            .and_then(|(status, body)| parse(status, &body));
        answer.scrub(&self.secrets);
        answer
    }

    /// `json`: a successful answer must be JSON (an expired silence's is empty).
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        json: bool,
    ) -> Result<(u16, Vec<u8>), PromError> {
        let request = self.auth.apply(request);
        let timeout = self.timeout;
        let exchange = async {
            let response = request.send().await.map_err(|e| self.transport_error(&e))?;
            if let Some(refusal) = self.refusal(&response) {
                return Err(refusal);
            }
            let status = response.status();
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let mut body = self.body(response).await?;
            if !status.is_success() {
                body = self.secrets.scrub_body(body);
            }
            if let Some(mixup) = self.plain_http_to_tls(status, &body) {
                return Err(mixup);
            }
            if json
                && status.is_success()
                && let Some(err) = not_json(content_type.as_deref(), &body)
            {
                return Err(err);
            }
            Ok((status.as_u16(), body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| PromError::Timeout(timeout))?
    }

    /// Answers judged by their head alone: not authorised, redirected elsewhere, or asked
    /// to wait.
    fn refusal(&self, response: &Response) -> Option<PromError> {
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Some(PromError::Http {
                status: status.as_u16(),
                message: self
                    .auth
                    .refused(status.as_u16(), self.authorization_header),
            });
        }
        if status.is_redirection() {
            return redirected(response);
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
            let now = UNIX_EPOCH + Duration::from_secs_f64(unix_now());
            return retry_after(value, now).map(|retry_after| PromError::Throttled {
                status: status.as_u16(),
                retry_after,
            });
        }
        None
    }

    /// Reads the whole body, [`MAX_BODY_BYTES`] at most.
    async fn body(&self, mut response: Response) -> Result<Vec<u8>, PromError> {
        let too_large = || {
            PromError::Decode(format!(
                "response larger than {} MiB; narrow the query",
                MAX_BODY_BYTES >> 20
            ))
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Go's answer to plain HTTP on its TLS port, in words.
    fn plain_http_to_tls(&self, status: StatusCode, body: &[u8]) -> Option<PromError> {
        let said = status == StatusCode::BAD_REQUEST && transport::says_use_https(body);
        (said && !self.https).then(|| self.unreachable(transport::SPEAKS_TLS))
    }

    fn transport_error(&self, err: &reqwest::Error) -> PromError {
        if err.is_timeout() {
            return PromError::Timeout(self.timeout);
        }
        let mut cause: Option<&(dyn StdError + 'static)> = Some(err);
        while let Some(error) = cause {
            if let Some(trouble) = error.downcast_ref::<RedirectTrouble>() {
                return PromError::Http {
                    status: trouble.status,
                    message: trouble.words(),
                };
            }
            cause = error.source();
        }
        if let Some(words) = transport::explain(err, self.https, self.client_cert) {
            return self.unreachable(words);
        }
        // reqwest's message names the URL; ours carries no credentials. The innermost
        // cause ("Connection refused") is what an operator needs.
        let mut cause: &dyn StdError = err;
        while let Some(next) = cause.source() {
            cause = next;
        }
        PromError::Unreachable(format!("{} ({cause})", self.display))
    }

    fn unreachable(&self, why: &str) -> PromError {
        PromError::Unreachable(format!("{}: {why}", self.display))
    }
}

/// Follows a redirect only when it keeps the method and body (307, 308: a 301/302/303
/// would turn the POSTed query into an empty GET) and stays on the server's origin
/// (scheme, host and port), so credentials never go elsewhere. Anything else comes back
/// to be explained; a loop, or one redirect too many, fails as [`RedirectTrouble`].
fn redirect_policy() -> Policy {
    Policy::custom(|attempt| {
        let keeps_request = matches!(
            attempt.status(),
            StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
        );
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !keeps_request || !same_origin {
            return attempt.stop();
        }
        let trouble = |looped| RedirectTrouble {
            status: attempt.status().as_u16(),
            to: without_credentials(attempt.url()),
            looped,
        };
        if attempt.previous().contains(attempt.url()) {
            let trouble = trouble(true);
            attempt.error(trouble)
        } else if attempt.previous().len() > MAX_REDIRECTS {
            let trouble = trouble(false);
            attempt.error(trouble)
        } else {
            attempt.follow()
        }
    })
}

/// Redirects that lead nowhere: back to a URL already asked, or on past [`MAX_REDIRECTS`].
#[derive(Debug, thiserror::Error)]
#[error("{}", self.words())]
struct RedirectTrouble {
    status: u16,
    /// Where the last redirect pointed, without credentials or query.
    to: String,
    looped: bool,
}

impl RedirectTrouble {
    fn words(&self) -> String {
        let (status, to) = (self.status, &self.to);
        let what = if self.looped {
            format!("the server redirects in a loop: a {status} leads back to {to}, asked before")
        } else {
            format!(
                "the server redirected more than {MAX_REDIRECTS} times (last a {status} to {to})"
            )
        };
        format!("{what}; its or a proxy's configuration is wrong, not the URL given here")
    }
}

/// `url` as safe to show: no user, password, query or fragment.
fn without_credentials(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// A redirect not followed, with the URL to use instead: the target without credentials
/// and without the API path that was asked for. `None` without a usable `Location`.
fn redirected(response: &Response) -> Option<PromError> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let mut target = response.url().join(location).ok()?;
    let asked = response.url().path();
    let api_path = asked.find("/api/").map_or("", |i| &asked[i..]);
    let _ = target.set_username("");
    let _ = target.set_password(None);
    target.set_query(None);
    target.set_fragment(None);
    if !api_path.is_empty()
        && let Some(base) = target.path().strip_suffix(api_path)
    {
        let base = base.to_string();
        target.set_path(&base);
    }
    let flag = if api_path.starts_with("/api/v2/") {
        "--alertmanager"
    } else {
        "--prometheus"
    };
    let status = response.status().as_u16();
    let target = target.as_str().trim_end_matches('/');
    let asked = without_credentials(response.url());
    let base = asked.strip_suffix(api_path).unwrap_or(&asked);
    // A redirect to the URL in use (a 302 to itself) needs no other URL: it is a loop.
    let message = if target == base.trim_end_matches('/') {
        format!(
            "the server redirects to itself ({status} to {target}): its or a proxy's \
             configuration is wrong, not the URL given here"
        )
    } else {
        format!("redirected to {target} ({status}): use that URL as {flag}")
    };
    Some(PromError::Http { status, message })
}

/// `Retry-After`: seconds, or an HTTP-date (one already past asks for no wait).
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

/// Whether `url` names this machine.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ClientOptions {
        ClientOptions {
            timeout: Duration::from_secs(1),
            bearer_token: None,
            ..ClientOptions::default()
        }
    }

    #[test]
    fn credentials_never_reach_the_display_url() {
        let client =
            PromClient::new("http://admin:s3cret@127.0.0.1:9090/prom/", options()).unwrap();
        assert_eq!(client.display_url(), "http://127.0.0.1:9090/prom");
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn bad_urls_are_explained() {
        assert!(
            PromClient::new("localhost:9090", options())
                .unwrap_err()
                .to_string()
                .contains("http://")
        );
        assert!(PromClient::new("not a url", options()).is_err());
        // Without a scheme the URL parser sees no password: the text before `@` is hidden.
        let error = PromClient::new("user:pw@host:9090", options())
            .unwrap_err()
            .to_string();
        assert!(
            !error.contains("pw") && error.contains("***@host:9090"),
            "{error}"
        );
    }

    #[test]
    fn bearer_tokens_are_checked_once() {
        let with_token = |token: &str| {
            PromClient::new(
                "http://127.0.0.1:9090",
                ClientOptions {
                    bearer_token: Some(token.to_string()),
                    ..options()
                },
            )
        };
        assert!(with_token("t0ken").is_ok());
        assert_eq!(
            with_token(" \t ").unwrap_err().to_string(),
            "the bearer token is empty"
        );
        assert_eq!(
            with_token("t0ken\nsecond-line").unwrap_err().to_string(),
            "the bearer token contains a control character (a line break?)"
        );
        assert!(with_token("t0k\u{7f}en").is_err());
    }

    #[test]
    fn loopback_servers_take_no_proxy() {
        for url in [
            "http://localhost:9090",
            "http://LOCALHOST:9090",
            "http://prom.localhost",
            "http://127.0.0.1:9090",
            "http://127.8.9.10",
            "https://[::1]:9090",
        ] {
            assert!(is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
        for url in ["http://prometheus:9090", "http://10.0.0.1", "http://[::2]"] {
            assert!(!is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(retry_after(&later, now), Some(Duration::from_secs(90)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
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
                ..ClientOptions::default()
            },
        )
        .unwrap();
        // Accepted by the kernel's backlog, never answered.
        let err = client.rules().await.unwrap_err();
        assert_eq!(err, PromError::Timeout(Duration::from_millis(300)));
        drop(listener);
    }
}
