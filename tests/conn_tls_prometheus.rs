//! A real Prometheus as production runs it: TLS with a certificate from a CA made in the
//! test, mutual TLS (`RequireAndVerifyClientCert`) and basic auth (a bcrypt hash in its
//! `--web.config.file`), scraping the simulator. The right credentials show data; each
//! wrong one shows what is wrong and the flag that fixes it, on the panels and in the
//! status bar, and no secret anywhere.

#![allow(clippy::unwrap_used)]

mod conn_support;

use conn_support::{Pki, Server, options, screen, stat_layout, tls_prometheus, wait_for_data};
use spheroseg_top::prom::{
    BasicAuth, ClientOptions, INSECURE_NOTE, PromClient, PromError, TlsOptions,
};
use spheroseg_top::sim::{self, Scenario};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The password of the test's `ops` user: a fixture, hashed into Prometheus' web config.
const PASSWORD: &str = "correct horse battery";
const QUERIES: &[&str] = &["up{job=\"spheroseg\"}", "sum(websocket_active_connections)"];

fn tls(pki: &Pki) -> TlsOptions {
    TlsOptions {
        ca_cert: Some(pki.ca.clone()),
        client_cert: Some(pki.client_cert.clone()),
        client_key: Some(pki.client_key.clone()),
        insecure_skip_verify: false,
    }
}

fn ops(password: &str) -> Option<BasicAuth> {
    Some(BasicAuth {
        user: "ops".into(),
        password: password.into(),
    })
}

fn client(url: &str, options: ClientOptions) -> PromClient {
    PromClient::new(url, options).unwrap()
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(
        !text.contains(PASSWORD),
        "{what} shows the password:\n{text}"
    );
    assert!(
        !text.contains("horse"),
        "{what} shows part of the password:\n{text}"
    );
}

/// A TLS Prometheus (client certificates, basic auth) scraping the simulator, answering
/// `ready` with the right credentials. The simulator and Prometheus live as long as it.
struct Secured {
    _sim: sim::SimHandle,
    _prometheus: Server,
    pki: Pki,
    url: String,
    /// Everything it asks for: the company CA, a client certificate, the password.
    right: ClientOptions,
}

async fn secured(ready: &str) -> Secured {
    let sim = sim::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), Scenario::Normal)
        .await
        .unwrap();
    let pki = Pki::new();
    let mut prometheus = tls_prometheus(&pki, sim.addr(), PASSWORD);
    let url = format!("https://127.0.0.1:{}", prometheus.port);
    let right = ClientOptions {
        basic_auth: ops(PASSWORD),
        tls: tls(&pki),
        ..options()
    };
    wait_for_data(
        &client(&url, right.clone()),
        ready,
        &mut prometheus,
        Duration::from_secs(15),
    )
    .await;
    Secured {
        _sim: sim,
        _prometheus: prometheus,
        pki,
        url,
        right,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_credentials_show_data_and_a_wrong_password_says_401_and_who() {
    // Bound, not `..`: the servers and the certificates' folder must outlive the test.
    let Secured {
        _sim,
        _prometheus,
        pki: _pki,
        url,
        right,
    } = secured("up{job=\"spheroseg\"} == 1").await;

    let lines = screen(stat_layout(QUERIES), client(&url, right.clone()), None).await;
    let text = lines.join("\n");
    assert!(text.contains("● connected"), "{text}");
    assert!(!text.contains("ERROR") && !text.contains("401"), "{text}");
    // The stat of `up` reads 1 (the value is drawn large; its digits are on screen).
    assert!(text.contains("[up{job=\"spheroseg\"}]"), "{text}");

    let wrong = ClientOptions {
        basic_auth: ops("tr0ub4dor"),
        ..right
    };
    let lines = screen(stat_layout(QUERIES), client(&url, wrong), None).await;
    let text = lines.join("\n");
    let status_bar = lines.last().unwrap();
    assert!(
        status_bar.contains("HTTP 401") && status_bar.contains("basic auth as ops"),
        "the status bar says 401 and which credential: {status_bar}"
    );
    let panel_lines = &lines[..lines.len() - 1];
    assert!(
        panel_lines.iter().any(|l| l.contains("ERROR"))
            && panel_lines.iter().any(|l| l.contains("401")),
        "the panels say 401:\n{text}"
    );
    assert!(!text.contains("tr0ub4dor"), "{text}");
    assert_no_secret("the screen", &text);
}

/// What pinging the server with `options` fails with.
async fn failure(url: &str, options: ClientOptions) -> String {
    let err = client(url, options).ping().await.unwrap_err();
    assert!(matches!(err, PromError::Unreachable(_)), "{err:?}");
    let text = err.to_string();
    assert_no_secret("the error", &format!("{text} {err:?}"));
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_missing_piece_of_tls_is_named_with_its_flag() {
    let Secured {
        _sim,
        _prometheus,
        pki,
        url,
        right,
    } = secured("up").await;

    // Without the company CA: the certificate problem, and the flag that fixes it.
    let no_ca = ClientOptions {
        tls: TlsOptions {
            ca_cert: None,
            ..tls(&pki)
        },
        ..right.clone()
    };
    let said = failure(&url, no_ca.clone()).await;
    assert!(
        said.contains("signed by a CA this machine does not trust") && said.contains("--ca-cert"),
        "{said}"
    );
    let lines = screen(stat_layout(QUERIES), client(&url, no_ca), None).await;
    let status_bar = lines.last().unwrap();
    assert!(status_bar.contains("--ca-cert FILE"), "{status_bar}");

    // Without a client certificate: the handshake failure, named, and its flags.
    let no_client_cert = ClientOptions {
        tls: TlsOptions {
            client_cert: None,
            client_key: None,
            ..tls(&pki)
        },
        ..right.clone()
    };
    let said = failure(&url, no_client_cert).await;
    assert!(
        said.contains("TLS handshake failed")
            && said.contains("requires a client certificate")
            && said.contains("--client-cert FILE"),
        "{said}"
    );

    // A client certificate from a CA the server does not trust.
    let stranger = ClientOptions {
        tls: TlsOptions {
            client_cert: Some(pki.stranger_cert.clone()),
            client_key: Some(pki.stranger_key.clone()),
            ..tls(&pki)
        },
        ..right.clone()
    };
    let said = failure(&url, stranger).await;
    // Under TLS 1.3 the refusal can reach the client only after its handshake is done, as
    // the connection closing before the request: both ways are put in the same words.
    assert!(said.contains("refused the client certificate"), "{said}");

    // Verification off: data, and the status bar keeps saying so.
    let insecure = ClientOptions {
        tls: TlsOptions {
            ca_cert: None,
            insecure_skip_verify: true,
            ..tls(&pki)
        },
        ..right
    };
    let lines = screen(
        stat_layout(QUERIES),
        client(&url, insecure),
        Some(INSECURE_NOTE.to_string()),
    )
    .await;
    let status_bar = lines.last().unwrap();
    assert!(
        status_bar.contains("● connected") && status_bar.contains("NOT verified"),
        "{status_bar}"
    );
}
