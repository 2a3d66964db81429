//! HTTP/1.1 for the exporter, spoken by hyper: one request per connection, answered with
//! `Connection: close`.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};

/// Larger heads are refused; scrapes and `curl` send a few hundred bytes.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Larger bodies are refused; the only body we accept is a scenario name.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// Slow or silent clients are cut off rather than holding a task forever.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to drain unread input after answering, so closing does not reset the connection
/// and destroy the response before the client has read it.
const LINGER: Duration = Duration::from_millis(500);

pub type Body = Full<Bytes>;

/// Reads one request from `stream`, body included, and writes the response `respond` makes.
pub async fn serve_connection(
    mut stream: TcpStream,
    respond: impl Fn(&Request<Bytes>) -> Response<Body>,
) {
    // Head and body together must arrive in time, not each of them.
    let read_deadline = Instant::now() + READ_TIMEOUT;
    let respond = &respond;
    let service = service_fn(move |request| async move {
        let response = match read_body(request, read_deadline).await {
            Ok(request) => respond(&request),
            Err(refusal) => refusal,
        };
        Ok::<_, Infallible>(response)
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .max_header_size(MAX_HEAD_BYTES)
        .keep_alive(false)
        // Header names as this exporter has always spelled them, for anyone matching them.
        .title_case_headers(true)
        // Borrowed, so the stream is still ours to linger on afterwards.
        .serve_connection(TokioIo::new(&mut stream), service);
    match timeout_at(read_deadline + WRITE_TIMEOUT, connection).await {
        Ok(Ok(())) => {}
        // hyper has already answered what deserves an answer (400, 431).
        Ok(Err(err)) => log::debug!("spheroseg-sim: connection failed: {err}"),
        Err(_elapsed) => {
            log::debug!("spheroseg-sim: client too slow");
            return;
        }
    }
    // hyper closes its sending side only after a clean exchange; after an error the client
    // must still see the end of the response.
    if stream.shutdown().await.is_ok() {
        let _ = timeout(LINGER, drain(&mut stream)).await;
    }
}

/// The request with its whole body, or the response refusing it.
async fn read_body(
    request: Request<Incoming>,
    deadline: Instant,
) -> Result<Request<Bytes>, Response<Body>> {
    let (head, body) = request.into_parts();
    match timeout_at(deadline, Limited::new(body, MAX_BODY_BYTES).collect()).await {
        Ok(Ok(body)) => Ok(Request::from_parts(head, body.to_bytes())),
        Ok(Err(err)) if err.is::<LengthLimitError>() => Err(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body exceeds {MAX_BODY_BYTES} bytes\n"),
        )),
        Ok(Err(err)) => Err(text(
            StatusCode::BAD_REQUEST,
            format!("malformed request: {err}\n"),
        )),
        Err(_elapsed) => Err(text(
            StatusCode::REQUEST_TIMEOUT,
            "timed out waiting for the request\n".to_owned(),
        )),
    }
}

/// Reads and discards until the client closes its side.
async fn drain(stream: &mut TcpStream) {
    let mut sink = [0u8; 4096];
    while matches!(stream.read(&mut sink).await, Ok(read) if read > 0) {}
}

pub fn text(status: StatusCode, body: String) -> Response<Body> {
    with_type(status, "text/plain; charset=utf-8", body)
}

pub fn with_type(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Full::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method not allowed; use {allow}\n"),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}
