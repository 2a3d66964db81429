//! TLS and scheme mix-ups on loopback: certificate errors and http:// and https:// confused
//! must come out as words with the fix, never as a TLS library's debug text, and never with
//! credentials in them.

#![allow(clippy::unwrap_used)]

use spheroseg_top::prom::{ClientOptions, PromClient, PromError};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const PASSWORD: &str = "s3cret";
const TOKEN: &str = "t0ken-xyzzy-42";

// Made once with Python's cryptography package; valid for a century unless named otherwise.
/// SELF_SIGNED
const SELF_SIGNED: (&str, &str) = (
    "-----BEGIN CERTIFICATE-----
MIIBSzCB86ADAgECAhRXSDhGyOTKEEuxNRLK3il5IJ9ZwjAKBggqhkjOPQQDAjAU
MRIwEAYDVQQDDAkxMjcuMC4wLjEwIBcNMjUwMTAxMDAwMDAwWhgPMjEyNTAxMDEw
MDAwMDBaMBQxEjAQBgNVBAMMCTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABPbQNNqO/9fNTJErq8iTkPLaoH3tu5GHusCUyMLB9hyh/VVQ5TMQQiHB
LdFJ8RBCujUegRz5j302Mhm/hnaqCOajITAfMA8GA1UdEQQIMAaHBH8AAAEwDAYD
VR0TAQH/BAIwADAKBggqhkjOPQQDAgNHADBEAiAeDCusYlYPtcMBOqN2p+nI/C8e
OYRS+5bY7AivUJz59AIgRDe1JmqMvVemBPQIzSbt4jxdjBk5LqTeVSkkppI7SHM=
-----END CERTIFICATE-----",
    "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmlD+xYPeGqePhaUT
YVQ9KxnT5StluZ0uPOfl39EVBO6hRANCAAT20DTajv/XzUyRK6vIk5Dy2qB97buR
h7rAlMjCwfYcof1VUOUzEEIhwS3RSfEQQro1HoEc+Y99NjIZv4Z2qgjm
-----END PRIVATE KEY-----",
);

/// EXPIRED
const EXPIRED: (&str, &str) = (
    "-----BEGIN CERTIFICATE-----
MIIBSjCB8aADAgECAhQ0p/YtNuNdEU14/rAEQoRHPjMASDAKBggqhkjOPQQDAjAU
MRIwEAYDVQQDDAkxMjcuMC4wLjEwHhcNMjAwMTAxMDAwMDAwWhcNMjEwMTAxMDAw
MDAwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjOPQMB
BwNCAAQLYFHjBc18a83jcbnhcwKyWRO/3l7l4XJPvqHx1/HU4YB6O501AO3DF/Gf
RC/KP5JIdsyHO7Sq5srdpBX2NUAeoyEwHzAPBgNVHREECDAGhwR/AAABMAwGA1Ud
EwEB/wQCMAAwCgYIKoZIzj0EAwIDSAAwRQIgfQuyMIOsj5os8IjgM2oCaXQqv3xm
fFiA17FBNU5i1zoCIQCP2mUcK7/OQ1k+ldRrMPgciKkRJZpURTHwOyErr0PVmw==
-----END CERTIFICATE-----",
    "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQwrf5Uc5HpPpVXTE
xb4iwxNu8WJS1F36LguMzduMTQGhRANCAAQLYFHjBc18a83jcbnhcwKyWRO/3l7l
4XJPvqHx1/HU4YB6O501AO3DF/GfRC/KP5JIdsyHO7Sq5srdpBX2NUAe
-----END PRIVATE KEY-----",
);

/// CA_AS_SERVER
const CA_AS_SERVER: (&str, &str) = (
    "-----BEGIN CERTIFICATE-----
MIIBSzCB8qADAgECAhRPeNjYrHLp1FN4vzbFj8VjUobCdTAKBggqhkjOPQQDAjAS
MRAwDgYDVQQDDAd0ZXN0IENBMCAXDTI1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAw
MDAwWjASMRAwDgYDVQQDDAd0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD
QgAE0eN/Wr8cppbqabiEzvIkQFip3DOgGQmL3wKHj6lo1maCqS5WZFFJxY7u8CkR
sxXXogeQh01KEFJPls2jCub4gKMkMCIwDwYDVR0RBAgwBocEfwAAATAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCxzuoj3Q9+oL5oShSjPBIa+nUB
KJZpfWyVVpzNqDGgFwIgQTCD4xSM2V6olEOo66cuL468gRjrVbwAZanV6H5IN1Y=
-----END CERTIFICATE-----",
    "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5CncoAAI2kh0HLeY
/hn0Unb84xZiXr7QzP/yqrN5BumhRANCAATR439avxymluppuITO8iRAWKncM6AZ
CYvfAoePqWjWZoKpLlZkUUnFju7wKRGzFdeiB5CHTUoQUk+WzaMK5viA
-----END PRIVATE KEY-----",
);
/// A TLS server presenting `certificate` on a loopback port; returns the port.
async fn tls_server(certificate: (&str, &str)) -> u16 {
    let chain = vec![CertificateDer::from_pem_slice(certificate.0.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(certificate.1.as_bytes()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // Every client here rejects the certificate or speaks plain HTTP.
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

/// A plain TCP server that answers whatever arrives with `response` and closes.
async fn raw_server(response: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    port
}

/// What pinging `url` (with a password in it, and then with a bearer token) fails with.
async fn failure(url: &str) -> String {
    let client = |token: Option<&str>| {
        PromClient::new(
            url,
            ClientOptions {
                timeout: Duration::from_secs(5),
                bearer_token: token.map(str::to_string),
                ..ClientOptions::default()
            },
        )
        .unwrap()
    };
    let mut messages = Vec::new();
    for token in [None, Some(TOKEN)] {
        let err = client(token).ping().await.unwrap_err();
        assert!(err.is_connection(), "{err:?}");
        let PromError::Unreachable(message) = &err else {
            unreachable!()
        };
        let text = format!("{err} {err:?}");
        for secret in [PASSWORD, TOKEN] {
            assert!(!text.contains(secret), "leaks {secret}: {text}");
        }
        messages.push(message.clone());
    }
    assert_eq!(messages[0], messages[1]);
    messages.remove(0)
}

fn assert_words(message: &str, wanted: &str) {
    assert!(message.contains(wanted), "{message}");
    for debug in [
        "Other(",
        "OtherError",
        "UnknownIssuer",
        "InvalidContentType",
        "CaUsedAsEndEntity",
    ] {
        assert!(!message.contains(debug), "debug text: {message}");
    }
}

#[tokio::test]
async fn an_untrusted_certificate_names_the_fix() {
    let port = tls_server(SELF_SIGNED).await;
    let message = failure(&format!("https://user:{PASSWORD}@127.0.0.1:{port}")).await;
    assert_words(
        &message,
        "the server's certificate is signed by a CA this machine does not trust \
         (a company CA? trust it with --ca-cert FILE)",
    );
    assert!(
        message.starts_with(&format!("https://127.0.0.1:{port}: ")),
        "{message}"
    );
}

#[tokio::test]
async fn an_expired_certificate_says_so() {
    let port = tls_server(EXPIRED).await;
    let message = failure(&format!("https://user:{PASSWORD}@127.0.0.1:{port}")).await;
    assert_words(&message, "the server's certificate has expired");
}

#[tokio::test]
async fn a_ca_certificate_used_by_the_server_says_so() {
    let port = tls_server(CA_AS_SERVER).await;
    let message = failure(&format!("https://user:{PASSWORD}@127.0.0.1:{port}")).await;
    assert_words(
        &message,
        "the server presents a CA's certificate as its own",
    );
}

#[tokio::test]
async fn http_to_a_tls_port_says_use_https() {
    let port = tls_server(SELF_SIGNED).await;
    let message = failure(&format!("http://user:{PASSWORD}@127.0.0.1:{port}")).await;
    assert_words(&message, "this port speaks TLS: use https://");

    // Go's servers (Prometheus') answer plain HTTP on a TLS port with a 400 that says so.
    let port = raw_server(
        "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
    )
    .await;
    let message = failure(&format!("http://user:{PASSWORD}@127.0.0.1:{port}")).await;
    assert_words(&message, "this port speaks TLS: use https://");
}

#[tokio::test]
async fn an_answer_hyper_cannot_read_is_named_not_taken_for_tls() {
    // A 1 MB response head was "this port speaks TLS: use https://".
    let huge = format!(
        "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\n{{}}",
        "a".repeat(1 << 20)
    );
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("HTTP/1.1 200 OK\r\n{many}Content-Length: 2\r\n\r\n{{}}");
    for (response, says) in [
        (huge, "head (status line and headers) over 400 KiB"),
        (many, "over 100 headers"),
        (
            "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n".to_string(),
            "malformed HTTP",
        ),
        (
            "HTTP/1.1 abc OK\r\n\r\n".to_string(),
            "invalid HTTP status line",
        ),
    ] {
        let port = raw_server(Box::leak(response.into_boxed_str())).await;
        let message = failure(&format!("http://user:{PASSWORD}@127.0.0.1:{port}")).await;
        assert_words(&message, says);
        assert!(!message.contains("TLS"), "{message}");
    }
    // What a TLS server answers to plain HTTP (an alert record) still says so.
    let port = raw_server("\u{15}\u{3}\u{3}\u{0}\u{2}\u{2}\u{28}").await;
    let message = failure(&format!("http://user:{PASSWORD}@127.0.0.1:{port}")).await;
    assert_words(&message, "this port speaks TLS: use https://");
}

#[tokio::test]
async fn https_to_a_plain_http_port_says_use_http() {
    let port = raw_server("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
    let message = failure(&format!("https://user:{PASSWORD}@127.0.0.1:{port}")).await;
    assert_words(
        &message,
        "this port speaks plain HTTP, not TLS: use http://",
    );
}
