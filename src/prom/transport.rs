//! Transport failures in words, with the fix: certificate problems on either side, and
//! http:// and https:// mixed up. What reqwest reports is a chain of wrapped errors ending in rustls'
//! or hyper's debug text; this finds the error that explains and says what to do.

use std::error::Error as StdError;

/// What Go's HTTP server (Prometheus') answers to plain HTTP on a TLS port.
const HTTP_TO_HTTPS_PORT: &str = "Client sent an HTTP request to an HTTPS server";
pub(super) const SPEAKS_TLS: &str = "this port speaks TLS: use https://";
const SPEAKS_PLAIN_HTTP: &str = "this port speaks plain HTTP, not TLS: use http://";

/// Whether a body is Go's (Prometheus') answer to plain HTTP on its TLS port.
pub(super) fn says_use_https(body: &[u8]) -> bool {
    String::from_utf8_lossy(body).contains(HTTP_TO_HTTPS_PORT)
}

/// The common transport failures in words, with the fix: certificates, and http:// and
/// https:// mixed up. `client_cert` tells whether a client certificate was offered.
/// `None` for the rest.
pub(super) fn explain(
    err: &reqwest::Error,
    https: bool,
    client_cert: bool,
) -> Option<&'static str> {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(error) = cause {
        if let Some(tls) = rustls_error(error) {
            return tls_problem(tls, https, client_cert);
        }
        if let Some(http) = error.downcast_ref::<hyper::Error>() {
            if http.is_parse() {
                return Some(not_http(http, https));
            }
            // hyper's "connection was not ready": the connection died before the request
            // was written. Right after a TLS 1.3 handshake that is the server refusing the
            // client certificate: its alert arrives after the client thinks it is done,
            // and hyper keeps only that the connection is gone.
            if https && http.is_canceled() {
                return Some(closed_after_handshake(client_cert));
            }
        }
        cause = error.source();
    }
    None
}

/// An answer hyper could not read as HTTP, by what it found. Only a bad version — the
/// first bytes are no `HTTP/1.x` — means TLS on a plain http:// URL (a TLS alert starts
/// 0x15 0x03); a 1 MB response head was told as "this port speaks TLS" too.
fn not_http(error: &hyper::Error, https: bool) -> &'static str {
    // hyper says which part was wrong only in its text (its kinds are private).
    let text = error.to_string();
    if text.starts_with("invalid HTTP version") {
        if https {
            "the server's answer does not start as HTTP does (not an HTTP server?)"
        } else {
            SPEAKS_TLS
        }
    } else if text.starts_with("message head is too large") {
        "the server's answer has a head (status line and headers) over 400 KiB or over 100 \
         headers, which no Prometheus sends (a misbehaving proxy?)"
    } else if text.starts_with("invalid HTTP status") {
        "the server's answer has an invalid HTTP status line (not an HTTP server, or a \
         broken proxy?)"
    } else {
        "the server's answer is malformed HTTP (an invalid header; a broken proxy?)"
    }
}

/// A rustls error, bare or inside the `io::Error`s the TLS stream wraps it in (whose
/// `source` skips it).
fn rustls_error<'a>(mut error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        error = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn tls_problem(error: &rustls::Error, https: bool, client_cert: bool) -> Option<&'static str> {
    match error {
        rustls::Error::InvalidCertificate(certificate) => certificate_problem(certificate),
        // The first bytes were not a TLS record: an HTTP answer, most likely.
        rustls::Error::InvalidMessage(_) if https => Some(SPEAKS_PLAIN_HTTP),
        rustls::Error::AlertReceived(alert) => client_certificate_problem(*alert, client_cert),
        _ => None,
    }
}

/// The server's alert when mutual TLS fails: Go's servers (Prometheus') send "certificate
/// required" (TLS 1.3) or "bad certificate" (TLS 1.2) when none was offered.
fn client_certificate_problem(
    alert: rustls::AlertDescription,
    client_cert: bool,
) -> Option<&'static str> {
    use rustls::AlertDescription as A;
    match alert {
        A::CertificateRequired | A::BadCertificate | A::HandshakeFailure if !client_cert => Some(
            "the TLS handshake failed: the server requires a client certificate (mutual TLS; \
             give --client-cert FILE and --client-key FILE)",
        ),
        A::BadCertificate
        | A::UnknownCA
        | A::CertificateUnknown
        | A::CertificateExpired
        | A::CertificateRevoked
        | A::HandshakeFailure => Some(
            "the TLS handshake failed: the server refused the client certificate (issued by a \
             CA it does not trust, or expired?)",
        ),
        _ => None,
    }
}

/// The server hung up between the handshake and the request, without saying why.
fn closed_after_handshake(client_cert: bool) -> &'static str {
    if client_cert {
        "the TLS handshake failed: the server closed the connection before any request; \
         most likely it refused the client certificate (issued by a CA it does not trust, \
         or expired?)"
    } else {
        "the TLS handshake failed: the server closed the connection before any request; \
         most likely it requires a client certificate (mutual TLS; give --client-cert FILE \
         and --client-key FILE)"
    }
}

fn certificate_problem(error: &rustls::CertificateError) -> Option<&'static str> {
    use rustls::CertificateError as E;
    Some(match error {
        E::UnknownIssuer => {
            "the server's certificate is signed by a CA this machine does not trust \
             (a company CA? trust it with --ca-cert FILE)"
        }
        E::Expired | E::ExpiredContext { .. } => {
            "the server's certificate has expired (renew it on the server, or check this \
             machine's clock)"
        }
        E::NotValidYet | E::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (check this machine's clock)"
        }
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "the server's certificate is for another host name (use the name it was \
             issued for in the URL)"
        }
        E::Other(other)
            if other.0.downcast_ref::<webpki::Error>()
                == Some(&webpki::Error::CaUsedAsEndEntity) =>
        {
            "the server presents a CA's certificate as its own (give the server a \
             certificate issued by that CA)"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_are_told_with_the_fix() {
        use rustls::CertificateError as E;
        let told = |e: E| certificate_problem(&e).unwrap_or_default();
        assert!(told(E::UnknownIssuer).contains("--ca-cert FILE"));
        assert!(told(E::Expired).contains("expired"));
        assert!(told(E::NotValidForName).contains("another host name"));
        assert!(told(E::NotValidYet).contains("clock"));
        let ca = E::Other(rustls::OtherError(std::sync::Arc::new(
            webpki::Error::CaUsedAsEndEntity,
        )));
        assert!(told(ca).contains("a CA's certificate as its own"));
        assert_eq!(certificate_problem(&E::BadSignature), None);
        let plain = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert_eq!(tls_problem(&plain, true, false), Some(SPEAKS_PLAIN_HTTP));
    }

    #[test]
    fn mutual_tls_refusals_say_which_side_to_fix() {
        use rustls::AlertDescription as A;
        let told = |alert, offered| client_certificate_problem(alert, offered).unwrap_or_default();
        assert!(told(A::CertificateRequired, false).contains("--client-cert FILE"));
        assert!(told(A::BadCertificate, false).contains("requires a client certificate"));
        assert!(told(A::BadCertificate, true).contains("refused the client certificate"));
        assert_eq!(client_certificate_problem(A::DecodeError, true), None);
    }
}
