//! Just enough HTTP/1.1 for an exporter: one request per connection, answered with `Connection: close`.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Larger heads are refused; scrapes and `curl` send a few hundred bytes.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Larger bodies are refused; the only body we accept is a scenario name.
const MAX_BODY_BYTES: usize = 64 * 1024;
const READ_CHUNK_BYTES: usize = 4096;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of `key` in the query string, if present.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .as_deref()?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find_map(|(name, value)| (name == key).then_some(value))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("connection closed before a request arrived")]
    NoRequest,
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    #[error("request head exceeds {MAX_HEAD_BYTES} bytes")]
    HeadTooLarge,
    #[error("request body exceeds {MAX_BODY_BYTES} bytes")]
    BodyTooLarge,
    #[error("reading the request failed: {0}")]
    Io(#[from] std::io::Error),
}

impl RequestError {
    /// The response owed to the client, or `None` when there is nobody left to answer.
    pub fn response(&self) -> Option<Response> {
        let status = match self {
            Self::NoRequest | Self::Io(_) => return None,
            Self::Malformed(_) => 400,
            Self::HeadTooLarge => 431,
            Self::BodyTooLarge => 413,
        };
        Some(Response::text(status, format!("{self}\n")))
    }
}

/// Reads one request: the head up to the blank line, then exactly `Content-Length` body bytes.
pub async fn read_request<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Request, RequestError> {
    let mut buffer = Vec::with_capacity(READ_CHUNK_BYTES);
    let head_end = loop {
        if let Some(position) = find(&buffer, b"\r\n\r\n") {
            break position;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(RequestError::HeadTooLarge);
        }
        let mut chunk = [0u8; READ_CHUNK_BYTES];
        let read = reader.read(&mut chunk).await?;
        if read == 0 {
            return Err(if buffer.is_empty() {
                RequestError::NoRequest
            } else {
                RequestError::Malformed("connection closed before the end of the request head")
            });
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end])
        .map_err(|_| RequestError::Malformed("head is not UTF-8"))?;
    let (method, target, content_length) = parse_head(head)?;

    let mut body = buffer[head_end + 4..].to_vec();
    if body.len() < content_length {
        let already = body.len();
        body.resize(content_length, 0);
        reader
            .read_exact(&mut body[already..])
            .await
            .map_err(|err| {
                if err.kind() == std::io::ErrorKind::UnexpectedEof {
                    RequestError::Malformed("body shorter than Content-Length")
                } else {
                    RequestError::Io(err)
                }
            })?;
    }
    body.truncate(content_length);

    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.to_owned(), None),
    };
    Ok(Request {
        method: method.to_owned(),
        path,
        query,
        body,
    })
}

/// Returns method, request target and body length.
fn parse_head(head: &str) -> Result<(&str, &str, usize), RequestError> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(RequestError::Malformed(
            "request line must be `METHOD TARGET HTTP/1.x`",
        ));
    };
    if method.is_empty() || !method.bytes().all(|byte| byte.is_ascii_uppercase()) {
        return Err(RequestError::Malformed("invalid method"));
    }
    if !target.starts_with('/') {
        return Err(RequestError::Malformed(
            "request target must start with `/`",
        ));
    }
    if !version.starts_with("HTTP/1.") {
        return Err(RequestError::Malformed("only HTTP/1.x is supported"));
    }

    let mut content_length = None;
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or(RequestError::Malformed("header line without `:`"))?;
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(RequestError::Malformed("invalid header name"));
        }
        if name.eq_ignore_ascii_case("content-length") {
            let length: usize = value
                .trim()
                .parse()
                .map_err(|_| RequestError::Malformed("Content-Length is not a number"))?;
            if content_length.is_some_and(|previous| previous != length) {
                return Err(RequestError::Malformed(
                    "conflicting Content-Length headers",
                ));
            }
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(RequestError::Malformed(
                "Transfer-Encoding is not supported; send Content-Length",
            ));
        }
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > MAX_BODY_BYTES {
        return Err(RequestError::BodyTooLarge);
    }
    Ok((method, target, content_length))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[derive(Debug)]
pub struct Response {
    status: u16,
    content_type: &'static str,
    allow: Option<&'static str>,
    body: String,
}

impl Response {
    pub fn text(status: u16, body: String) -> Self {
        Self::with_type(status, "text/plain; charset=utf-8", body)
    }

    pub fn with_type(status: u16, content_type: &'static str, body: String) -> Self {
        Self {
            status,
            content_type,
            allow: None,
            body,
        }
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        let body = format!("method not allowed; use {allow}\n");
        Self {
            allow: Some(allow),
            ..Self::text(405, body)
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            reason_phrase(self.status),
            self.content_type,
            self.body.len()
        );
        if let Some(allow) = self.allow {
            head.push_str("Allow: ");
            head.push_str(allow);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(raw: &[u8]) -> Result<Request, RequestError> {
        read_request(&mut &raw[..]).await
    }

    #[tokio::test]
    async fn parses_request_with_query_and_body() {
        let request =
            parse(b"POST /scenario?name=incident&x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nnormalEXTRA")
                .await
                .unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/scenario");
        assert_eq!(request.query_param("name"), Some("incident"));
        assert_eq!(request.body, b"normal");
    }

    #[tokio::test]
    async fn rejects_malformed_requests() {
        for raw in [
            &b"garbage\r\n\r\n"[..],
            b"GET /metrics\r\n\r\n",
            b"GET metrics HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort",
            b"GET / HTTP/1.1\r\n",
        ] {
            let error = parse(raw).await.unwrap_err();
            assert_eq!(
                error.response().map(|response| response.status),
                Some(400),
                "{error}"
            );
        }
        assert!(matches!(parse(b"").await, Err(RequestError::NoRequest)));
        let huge = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY_BYTES + 1
        );
        assert!(matches!(
            parse(huge.as_bytes()).await,
            Err(RequestError::BodyTooLarge)
        ));
    }

    #[test]
    fn response_has_length_and_close() {
        let bytes = Response::method_not_allowed("GET").to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(text.contains("Connection: close\r\n") && text.contains("Allow: GET\r\n"));
        assert!(text.contains("Content-Length: 28\r\n"), "{text}");
    }
}
