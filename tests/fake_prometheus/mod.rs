//! A hand-written, programmable imitation of Prometheus' HTTP API for fault-injection tests.
//!
//! It answers `/api/v1/query`, `/api/v1/query_range` (form-encoded POST bodies or GET query
//! strings) and `/api/v1/status/buildinfo` on a loopback port. What each PromQL expression
//! returns is set at runtime with [`FakePrometheus::set`]; every request is recorded so tests
//! can count them and look at their headers. The server can be stopped and restarted on the
//! same port to imitate an outage.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the fake answers for one expression.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// One unlabelled series with this value (a matrix of a few points for range queries).
    Value(f64),
    /// One series per entry, with these labels and values.
    Values(Vec<(Vec<(String, String)>, f64)>),
    /// This HTTP status with an HTML body, as a proxy in front of Prometheus would send.
    ServerError(u16),
    /// HTTP 400 with Prometheus' error envelope and this message.
    PromqlError(String),
    /// HTTP 200 with a body that is not JSON.
    Garbage,
    /// Sleeps this long, then answers the value 1.
    Slow(Duration),
    /// Sleeps this long, then behaves as the inner behaviour.
    Delayed(Duration, Box<Behaviour>),
    /// This many series, labelled `series="s00000"`… with values 0, 1, 2…
    Huge(usize),
    /// A successful answer with no series.
    Empty,
    /// Never answers (the connection stays open until the client gives up).
    Hang,
    /// This status (429, 503) with a `Retry-After` header of this text (seconds or an
    /// HTTP-date) and Prometheus' error envelope.
    Throttle(u16, String),
    /// HTTP 200 with an HTML page, as a login page or a proxy's portal sends.
    Html,
    /// HTTP 200 with this content type and body.
    Body(&'static str, String),
    /// HTTP 200 with these bytes as a JSON body, rendered once (see [`instant_body`]), so
    /// that a huge answer costs the fake no memory per request.
    Rendered(Arc<Vec<u8>>),
}

/// Which API endpoint a request was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Query,
    QueryRange,
    BuildInfo,
    Other,
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Request {
    pub endpoint: Endpoint,
    pub method: String,
    /// The `query` parameter, if any.
    pub expr: Option<String>,
    /// The `time` parameter of instant queries, as sent.
    pub time: Option<String>,
    pub authorization: Option<String>,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The request's path, without the query string.
    pub path: String,
    /// Of instant queries asked together (see [`batch_members`]): this one's place. Each
    /// is recorded as a request of its own, so that counts by expression stay counts of
    /// what was asked.
    pub place: Option<usize>,
}

/// Requests under `prefix` are answered with `status` and a `Location` of `to` followed by
/// the rest of the path.
#[derive(Clone, Debug)]
struct Redirect {
    prefix: String,
    status: u16,
    to: String,
}

#[derive(Default)]
struct State {
    /// A fault of the whole server: every request, of any endpoint, behaves so.
    server: Option<Behaviour>,
    redirects: Vec<Redirect>,
    behaviours: HashMap<String, Behaviour>,
    /// Overrides for range queries only.
    range_behaviours: HashMap<String, Behaviour>,
    /// What other endpoints answer, by path (`/api/v1/alerts`); 404 otherwise.
    paths: HashMap<String, Behaviour>,
    requests: Vec<Request>,
}

/// The fake server. Dropping it stops it.
pub struct FakePrometheus {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    server: Option<JoinHandle<()>>,
    /// While stopped: the port, bound but not listening (see [`stop`](Self::stop)).
    reserved: Option<TcpSocket>,
}

impl FakePrometheus {
    /// Binds 127.0.0.1 on a free port and starts serving.
    pub async fn start() -> Self {
        let mut fake = Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state: Arc::default(),
            server: None,
            reserved: None,
        };
        fake.bind().await;
        fake
    }

    /// Reserves a port but does not serve on it: connections are refused until
    /// [`restart`](Self::restart).
    pub async fn start_stopped() -> Self {
        // Never listening, not even for a moment: a port closed after listening could be
        // handed to another test's server before this fake reserved it again.
        let reserved = TcpSocket::new_v4().expect("socket");
        reserved.set_reuseaddr(true).expect("SO_REUSEADDR");
        reserved
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind");
        Self {
            addr: reserved.local_addr().expect("local addr"),
            state: Arc::default(),
            server: None,
            reserved: Some(reserved),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Closes the listener and every open connection; the port then refuses connections.
    /// It stays this fake's meanwhile, bound but not listening: a free port is what the
    /// kernel hands the next server that asks for any port (another test's, in this binary
    /// or the one running beside it), and that server's answers would reach this fake's
    /// client as if the stopped one had come back.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            // Once the aborted task is joined, its listener and connections are dropped.
            let _ = server.await;
        }
        if self.reserved.is_none() {
            self.reserved = TcpSocket::new_v4().ok().filter(|socket| {
                // Reuse, as the listener had: its closed connections may linger.
                socket.set_reuseaddr(true).is_ok() && socket.bind(self.addr).is_ok()
            });
        }
    }

    /// Serves again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.bind().await;
    }

    async fn bind(&mut self) {
        self.reserved = None;
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        // The port may linger briefly after a stop; retry for a moment.
        let mut attempts = 0;
        let listener = loop {
            match socket.bind(self.addr) {
                Ok(()) => break socket.listen(1024).expect("listen"),
                Err(e) if attempts < 50 => {
                    attempts += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("cannot bind {}: {e}", self.addr),
            }
        };
        self.addr = listener.local_addr().expect("local addr");
        let state = self.state.clone();
        self.server = Some(tokio::spawn(async move {
            // Connections live in this set, so aborting the server closes them all.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            connections.spawn(serve(stream, state.clone()));
                        }
                    }
                    Some(_) = connections.join_next() => {}
                }
            }
        }));
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets what `expr` answers from now on, for instant and range queries.
    pub fn set(&self, expr: &str, behaviour: Behaviour) {
        let mut state = self.state();
        state.behaviours.insert(expr.to_string(), behaviour);
    }

    /// Sets what requests for `path` (an endpoint other than the queries and the build
    /// info, such as `/api/v1/alerts`) answer from now on.
    pub fn set_path(&self, path: &str, behaviour: Behaviour) {
        self.state().paths.insert(path.to_string(), behaviour);
    }

    /// Sets what `expr` answers to range queries only (instant queries keep [`set`](Self::set)).
    pub fn set_range(&self, expr: &str, behaviour: Behaviour) {
        let mut state = self.state();
        state.range_behaviours.insert(expr.to_string(), behaviour);
    }

    /// Makes every request, of any endpoint (the liveness probe too), behave as `behaviour`
    /// (`Hang` for a stopped process, `Throttle` for a server asking to be left alone);
    /// `None` lets each expression answer as set again.
    pub fn set_server(&self, behaviour: Option<Behaviour>) {
        self.state().server = behaviour;
    }

    /// Answers requests whose path starts with `prefix` with `status` and a `Location` of
    /// `to` followed by the rest of the path (`to` may be another server's URL, or empty
    /// for this server).
    pub fn redirect(&self, prefix: &str, status: u16, to: &str) {
        self.state().redirects.push(Redirect {
            prefix: prefix.to_string(),
            status,
            to: to.to_string(),
        });
    }

    /// Every request received so far, in order; a batch as one per query in it.
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }

    /// How many HTTP requests came: a batch counts once.
    pub fn http_requests(&self) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.place.unwrap_or(0) == 0)
            .count()
    }

    /// How many requests `endpoint` received for `expr`.
    pub fn count(&self, endpoint: Endpoint, expr: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.endpoint == endpoint && r.expr.as_deref() == Some(expr))
            .count()
    }

    /// Instant queries received for `expr`.
    pub fn instant_count(&self, expr: &str) -> usize {
        self.count(Endpoint::Query, expr)
    }

    /// Range queries received for `expr`.
    pub fn range_count(&self, expr: &str) -> usize {
        self.count(Endpoint::QueryRange, expr)
    }

    /// Every `Authorization` header received.
    pub fn authorizations(&self) -> Vec<String> {
        self.state()
            .requests
            .iter()
            .filter_map(|r| r.authorization.clone())
            .collect()
    }
}

impl Drop for FakePrometheus {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Serves one connection: requests one after another until the client closes it.
async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        let response = respond(request, &state).await;
        if stream.write_all(&response).await.is_err() || stream.flush().await.is_err() {
            return;
        }
    }
}

struct RawRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 request (headers and a `Content-Length` body); `None` at end of stream.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<RawRequest> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(buffer, b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split_whitespace();
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn respond(request: RawRequest, state: &Mutex<State>) -> Vec<u8> {
    let (path, query_string) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let mut params: HashMap<String, String> = url::form_urlencoded::parse(query_string.as_bytes())
        .into_owned()
        .collect();
    params.extend(url::form_urlencoded::parse(&request.body).into_owned());
    let endpoint = match path {
        "/api/v1/query" => Endpoint::Query,
        "/api/v1/query_range" => Endpoint::QueryRange,
        "/api/v1/status/buildinfo" => Endpoint::BuildInfo,
        _ => Endpoint::Other,
    };
    let expr = params.get("query").cloned();
    let authorization = request
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone());

    let members = match (endpoint, &expr) {
        (Endpoint::Query, Some(expr)) => batch_members(expr),
        _ => None,
    };
    let (behaviour, server, redirect, together) = {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        let asked = match &members {
            Some(members) => members.iter().cloned().map(Some).enumerate().collect(),
            None => vec![(0, expr.clone())],
        };
        for (place, expr) in asked {
            state.requests.push(Request {
                endpoint,
                method: request.method.clone(),
                expr,
                time: params.get("time").cloned(),
                authorization: authorization.clone(),
                headers: request.headers.clone(),
                path: path.to_string(),
                place: members.as_ref().map(|_| place),
            });
        }
        let together: Option<Vec<Behaviour>> = members.as_ref().map(|members| {
            (members.iter())
                .map(|m| state.behaviours.get(m).cloned().unwrap_or(Behaviour::Empty))
                .collect()
        });
        let redirect = state
            .redirects
            .iter()
            .find(|r| path.starts_with(&r.prefix))
            .cloned();
        let expr = expr.clone().unwrap_or_default();
        let range = match endpoint {
            Endpoint::QueryRange => state.range_behaviours.get(&expr).cloned(),
            _ => None,
        };
        let behaviour = match endpoint {
            Endpoint::Other => state.paths.get(path).cloned(),
            _ => range.or_else(|| state.behaviours.get(&expr).cloned()),
        };
        (behaviour, state.server.clone(), redirect, together)
    };

    if let Some(redirect) = redirect {
        let location = format!("{}{}", redirect.to, &path[redirect.prefix.len()..]);
        return moved(redirect.status, &location);
    }
    if let Some(server) = server {
        return answer(server, "", Window::Instant(0.0)).await;
    }
    if let Some(behaviours) = together {
        let time = params.get("time").and_then(|v| v.parse::<f64>().ok());
        return answer_together(behaviours, time.unwrap_or(0.0)).await;
    }
    match endpoint {
        Endpoint::BuildInfo => json(
            200,
            r#"{"status":"success","data":{"version":"2.53.0","revision":"fake","branch":"HEAD"}}"#,
        ),
        Endpoint::Other => match behaviour {
            Some(behaviour) => answer(behaviour, "", Window::Instant(0.0)).await,
            None => http(404, "text/plain", "404 page not found\n"),
        },
        Endpoint::Query | Endpoint::QueryRange => {
            let Some(expr) = expr else {
                return json(
                    400,
                    r#"{"status":"error","errorType":"bad_data","error":"query parameter is missing"}"#,
                );
            };
            let number = |name: &str| params.get(name).and_then(|v| v.parse::<f64>().ok());
            let window = match endpoint {
                Endpoint::Query => Window::Instant(number("time").unwrap_or(0.0)),
                _ => Window::Range {
                    start: number("start").unwrap_or(0.0),
                    end: number("end").unwrap_or(0.0),
                    step: number("step").unwrap_or(1.0).max(0.001),
                },
            };
            // Unknown expressions answer like a metric that does not exist: no series.
            answer(behaviour.unwrap_or(Behaviour::Empty), &expr, window).await
        }
    }
}

#[derive(Clone, Copy)]
enum Window {
    Instant(f64),
    Range { start: f64, end: f64, step: f64 },
}

/// `behaviour` once its delays are over (for ever, if it hangs).
async fn settled(mut behaviour: Behaviour) -> Behaviour {
    loop {
        match behaviour {
            Behaviour::Slow(delay) => {
                tokio::time::sleep(delay).await;
                behaviour = Behaviour::Value(1.0);
            }
            Behaviour::Delayed(delay, inner) => {
                tokio::time::sleep(delay).await;
                behaviour = *inner;
            }
            Behaviour::Hang => std::future::pending::<()>().await,
            settled => return settled,
        }
    }
}

async fn answer(behaviour: Behaviour, expr: &str, window: Window) -> Vec<u8> {
    match settled(behaviour).await {
        Behaviour::Value(v) => success(window, &[(Vec::new(), v)]),
        Behaviour::Values(series) => success(window, &series),
        Behaviour::Huge(n) => {
            let series: Vec<_> = (0..n)
                .map(|i| (vec![("series".to_string(), format!("s{i:05}"))], i as f64))
                .collect();
            success(window, &series)
        }
        Behaviour::Empty => success(window, &[]),
        Behaviour::ServerError(status) => {
            let reason = reason(status);
            http(
                status,
                "text/html",
                &format!(
                    "<html>\n<head><title>{status} {reason}</title></head>\n<body>\n<center><h1>{status} {reason}</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
                ),
            )
        }
        Behaviour::PromqlError(message) => {
            let body = serde_json::json!({
                "status": "error",
                "errorType": "bad_data",
                "error": message,
            });
            json(400, &body.to_string())
        }
        Behaviour::Garbage => http(
            200,
            "application/json",
            &format!("<html>this is not JSON for {expr}</html> {{\"status\":"),
        ),
        Behaviour::Throttle(status, retry_after) => {
            let body =
                r#"{"status":"error","errorType":"unavailable","error":"too many requests"}"#;
            format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nRetry-After: {retry_after}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
                reason(status),
                body.len()
            )
            .into_bytes()
        }
        Behaviour::Html => http(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form>…</form></body></html>\n",
        ),
        Behaviour::Body(content_type, body) => http(200, content_type, &body),
        Behaviour::Rendered(body) => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
                body.len()
            )
            .into_bytes();
            response.extend_from_slice(&body);
            response
        }
        Behaviour::Slow(_) | Behaviour::Delayed(..) | Behaviour::Hang => unreachable!(),
    }
}

/// The label the client tags each query of a batch with.
const TAG: &str = "spheroseg_top_query";

/// The queries of a batch as the client writes one (`label_replace(\nQ\n, TAG, "N", "",
/// "")` joined by ` or\n`), in order; `None` for any other expression.
pub fn batch_members(expr: &str) -> Option<Vec<String>> {
    let mut members = Vec::new();
    let mut rest = expr;
    loop {
        let inner = rest.strip_prefix("label_replace(\n")?;
        let (member, after) = inner.split_once(&format!("\n, \"{TAG}\", \""))?;
        let (place, after) = after.split_once("\", \"\", \"\")")?;
        if place.parse::<usize>().ok()? != members.len() {
            return None;
        }
        members.push(member.to_string());
        match after.strip_prefix(" or\n") {
            Some(next) => rest = next,
            None if after.is_empty() => return Some(members),
            None => return None,
        }
    }
}

/// A batch's answer, as Prometheus gives one: its queries evaluated one after another
/// (their delays add up), the first failure the whole answer's, else every series tagged.
async fn answer_together(behaviours: Vec<Behaviour>, time: f64) -> Vec<u8> {
    let mut series = Vec::new();
    for (place, behaviour) in behaviours.into_iter().enumerate() {
        let own: Vec<(Vec<(String, String)>, f64)> = match settled(behaviour).await {
            Behaviour::Value(v) => vec![(Vec::new(), v)],
            Behaviour::Values(values) => values,
            Behaviour::Huge(n) => (0..n)
                .map(|i| (vec![("series".to_string(), format!("s{i:05}"))], i as f64))
                .collect(),
            Behaviour::Empty => Vec::new(),
            failure => return answer(failure, "", Window::Instant(time)).await,
        };
        let tag = (TAG.to_string(), place.to_string());
        series.extend(own.into_iter().map(|(mut labels, v)| {
            labels.push(tag.clone());
            (labels, v)
        }));
    }
    success(Window::Instant(time), &series)
}

/// A value as Prometheus writes it: NaN and infinities are spelled out.
fn prom_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v == f64::INFINITY {
        "+Inf".to_string()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{v}")
    }
}

fn success(window: Window, series: &[(Vec<(String, String)>, f64)]) -> Vec<u8> {
    let metric = |labels: &[(String, String)]| {
        serde_json::Value::Object(
            labels
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    };
    let data = match window {
        Window::Instant(time) => serde_json::json!({
            "resultType": "vector",
            "result": series.iter().map(|(labels, v)| serde_json::json!({
                "metric": metric(labels),
                "value": [time, prom_value(*v)],
            })).collect::<Vec<_>>(),
        }),
        Window::Range { start, end, step } => {
            // A few points ending at `end`, the same value at each.
            let times: Vec<f64> = (0..5)
                .rev()
                .map(|k| end - f64::from(k) * step)
                .filter(|t| *t >= start)
                .collect();
            serde_json::json!({
                "resultType": "matrix",
                "result": series.iter().map(|(labels, v)| serde_json::json!({
                    "metric": metric(labels),
                    "values": times.iter().map(|t| serde_json::json!([t, prom_value(*v)])).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        }
    };
    let body = serde_json::json!({ "status": "success", "data": data });
    json(200, &body.to_string())
}

/// An instant query's answer with `n` series labelled `series="s00000"`…, as bytes to serve
/// with [`Behaviour::Rendered`].
pub fn instant_body(n: usize) -> Arc<Vec<u8>> {
    let mut body = String::from(r#"{"status":"success","data":{"resultType":"vector","result":["#);
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"metric":{{"__name__":"huge_metric","series":"s{i:06}"}},"value":[1700000000,"{i}"]}}"#
        ));
    }
    body.push_str("]}}");
    Arc::new(body.into_bytes())
}

/// A redirect to `location`.
fn moved(status: u16, location: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
        reason(status)
    )
    .into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

fn json(status: u16, body: &str) -> Vec<u8> {
    http(status, "application/json", body)
}

fn http(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
        reason(status),
        body.len()
    )
    .into_bytes()
}
