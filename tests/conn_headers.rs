//! What goes on the wire to a gateway in front of the backend: the credential, `--header`s
//! and the tenant on every request (queries, alerts, rules, the probe), from flags and
//! profiles alike; nothing of them to another origin on a redirect; and an answer with
//! warnings (Thanos' partial responses) drawn as partial data, never as a plain OK. A
//! small fake of its own records every request's headers.

#![allow(clippy::unwrap_used)]

mod conn_support;

use clap::Parser;
use conn_support::{options, screen, stat_layout};
use spheroseg_top::cli::Cli;
use spheroseg_top::launch::connect;
use spheroseg_top::prom::{BasicAuth, ClientOptions, PromClient, PromError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A request as received: its path and headers (names in lower case).
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    headers: BTreeMap<String, String>,
}

/// Status, extra headers and body.
type Response = (u16, Vec<(&'static str, String)>, String);

/// An HTTP server on a loopback port answering each request with `answer(path)`; returns
/// its port and what it saw.
async fn fake(
    answer: impl Fn(&str) -> Response + Send + Sync + 'static,
) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = log.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).to_string();
                let mut lines = text.split("\r\n");
                let path = lines
                    .next()
                    .and_then(|l| l.split(' ').nth(1))
                    .unwrap_or_default()
                    .split('?')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let headers = lines
                    .take_while(|l| !l.is_empty())
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
                    .collect();
                log.lock().unwrap().push(Seen {
                    path: path.clone(),
                    headers,
                });
                let (status, extra, body) = answer(&path);
                let mut response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                for (name, value) in extra {
                    response.push_str(&format!("{name}: {value}\r\n"));
                }
                response.push_str("\r\n");
                response.push_str(&body);
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (port, seen)
}

/// A Prometheus that answers every query with 3 and some warnings, as Thanos Query does
/// when a store did not answer (`partial_response`).
fn partial_prometheus(path: &str) -> Response {
    let body = match path {
        "/api/v1/query" => {
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"3"]}]},"warnings":["receive-1 store unavailable: partial response"]}"#
        }
        "/api/v1/query_range" => {
            r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#
        }
        "/api/v1/alerts" => r#"{"status":"success","data":{"alerts":[]}}"#,
        "/api/v1/rules" => r#"{"status":"success","data":{"groups":[]}}"#,
        _ => r#"{"status":"success","data":{}}"#,
    };
    (200, Vec::new(), body.to_string())
}

const PASSWORD: &str = "pa55-w0rd";
const API_KEY: &str = "k3y-s3cret";

#[tokio::test]
async fn the_credential_headers_and_tenant_go_with_every_request() {
    let (port, seen) = fake(partial_prometheus).await;
    let client = PromClient::new(
        &format!("http://127.0.0.1:{port}"),
        ClientOptions {
            basic_auth: Some(BasicAuth {
                user: "ops".into(),
                password: PASSWORD.into(),
            }),
            headers: vec![("X-Api-Key".into(), API_KEY.into())],
            tenant: Some("team-a".into()),
            ..options()
        },
    )
    .unwrap();
    assert!(!format!("{client:?}").contains(PASSWORD));
    client.instant("up", 1.0).await.unwrap();
    client.range("up", 1.0, 2.0, 1.0).await.unwrap();
    client.alerts().await.unwrap();
    client.rules().await.unwrap();
    client.ping().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 5);
    for request in &seen {
        let header = |name: &str| request.headers.get(name).map(String::as_str);
        // "ops:pa55-w0rd" in base64.
        assert_eq!(
            header("authorization"),
            Some("Basic b3BzOnBhNTUtdzByZA=="),
            "{request:?}"
        );
        assert_eq!(header("x-api-key"), Some(API_KEY), "{request:?}");
        assert_eq!(header("x-scope-orgid"), Some("team-a"), "{request:?}");
    }
}

#[tokio::test]
async fn flags_and_a_profile_reach_the_wire_in_order() {
    let (port, seen) = fake(partial_prometheus).await;
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.gw]\nprometheus = \"http://127.0.0.1:{port}\"\nbasic_auth = \"ops\"\npassword_file = \"password\"\ntenant = \"from-profile\"\nheaders = {{ X-Api-Key = \"{API_KEY}\", X-Env = \"profile\" }}\n"
        ),
    )
    .unwrap();
    let mut cli = Cli::try_parse_from([
        "spheroseg-top",
        "--config",
        config.to_str().unwrap(),
        "--profile",
        "gw",
        "--tenant",
        "team-b",
        "--header",
        "X-Env: flag",
    ])
    .unwrap();
    connect::apply_profile(&mut cli.options).unwrap();
    let options = &cli.options;
    let clients = connect::clients(options, options.prometheus_url()).unwrap();
    assert!(!clients.insecure);
    clients.prometheus.instant("up", 1.0).await.unwrap();
    let request = seen.lock().unwrap()[0].clone();
    let header = |name: &str| request.headers.get(name).map(String::as_str);
    assert_eq!(header("authorization"), Some("Basic b3BzOnBhNTUtdzByZA=="));
    assert_eq!(header("x-scope-orgid"), Some("team-b"), "the flag wins");
    assert_eq!(header("x-env"), Some("flag"), "the flag wins for a name");
    assert_eq!(
        header("x-api-key"),
        Some(API_KEY),
        "the profile's other headers stay"
    );
}

#[tokio::test]
async fn nothing_secret_follows_a_redirect_to_another_origin() {
    // Another port is another origin; it only listens, to see whether anyone comes.
    let elsewhere = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = elsewhere.local_addr().unwrap().port();
    // Every query is redirected: to another origin, or to `/prometheus` on this one.
    let (port, seen) = fake(move |path| match path {
        "/api/v1/query" => (
            307,
            vec![("location", format!("http://127.0.0.1:{other}/api/v1/query"))],
            String::new(),
        ),
        "/same/api/v1/query" => (
            307,
            vec![("location", "/prometheus/api/v1/query".to_string())],
            String::new(),
        ),
        _ => partial_prometheus("/api/v1/query"),
    })
    .await;
    let options = ClientOptions {
        basic_auth: Some(BasicAuth {
            user: "ops".into(),
            password: PASSWORD.into(),
        }),
        headers: vec![("X-Api-Key".into(), API_KEY.into())],
        tenant: Some("team-a".into()),
        ..options()
    };
    let client = PromClient::new(&format!("http://127.0.0.1:{port}"), options.clone()).unwrap();
    let err = client.instant("up", 1.0).await.unwrap_err();
    assert!(
        matches!(&err, PromError::Http { status: 307, message } if message.contains(&format!("127.0.0.1:{other}"))),
        "{err:?}"
    );
    assert!(!err.to_string().contains(PASSWORD) && !err.to_string().contains(API_KEY));
    // Nothing reached the other origin: it was never even connected to.
    let nobody =
        tokio::time::timeout(std::time::Duration::from_millis(300), elsewhere.accept()).await;
    assert!(nobody.is_err(), "a request went to the other origin");

    // The same origin: followed, with everything kept.
    let same = PromClient::new(&format!("http://127.0.0.1:{port}/same"), options).unwrap();
    assert_eq!(same.instant("up", 1.0).await.unwrap().samples[0].value, 3.0);
    let seen = seen.lock().unwrap().clone();
    let followed = seen
        .iter()
        .find(|r| r.path == "/prometheus/api/v1/query")
        .unwrap();
    assert!(followed.headers.contains_key("authorization"));
    assert_eq!(
        followed.headers.get("x-scope-orgid").map(String::as_str),
        Some("team-a")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_show_as_partial_data_never_as_ok() {
    let (port, _) = fake(partial_prometheus).await;
    let client = PromClient::new(&format!("http://127.0.0.1:{port}"), options()).unwrap();
    let answer = client.instant("up", 1.0).await.unwrap();
    assert_eq!(
        answer.warnings,
        ["receive-1 store unavailable: partial response"]
    );

    let lines = screen(stat_layout(&["up"]), client, None).await;
    let text = lines.join("\n");
    assert!(text.contains("PARTIAL DATA"), "{text}");
    assert!(
        text.contains("partial data: receive-1 store unavailable"),
        "the panel carries the server's message:\n{text}"
    );
}
