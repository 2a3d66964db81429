//! Measurements of the poller against a hostile server, ignored by default (they measure,
//! and take a while): run them one at a time with
//! `cargo test --test net_measure NAME -- --ignored --nocapture`.
//! - the peak resident memory when every query answers 100,000 series;
//! - the request rate against a server that answers 429 and asks for two minutes of quiet.

#![allow(clippy::unwrap_used)]

mod fake_prometheus;

use fake_prometheus::{Behaviour, Endpoint, FakePrometheus};
use spheroseg_top::app::{App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::prom::{ClientOptions, PromClient};
use spheroseg_top::source::live::{self as poller, PollerConfig};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

const QUERIES: usize = 37;
const SERIES: usize = 100_000;
const REFRESH: Duration = Duration::from_secs(2);

/// `VmHWM` (peak) and `VmRSS` (now) of this process, in MiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .unwrap()
            / 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One bar panel for each of `queries` queries, `huge_0`…
fn layout(queries: usize) -> Layout {
    let mut text = String::from("title = \"burst\"\n[[tab]]\ntitle = \"Burst\"\n[[tab.row]]\n");
    for i in 0..queries {
        text.push_str(&format!(
            "[[tab.row.panel]]\ntitle = \"q{i}\"\nkind = \"bar\"\nquery = \"huge_{i}\"\n"
        ));
    }
    Layout::parse(Source {
        origin: "burst.toml".into(),
        text,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures memory; run on its own with --ignored --nocapture"]
async fn peak_memory_with_100k_series_on_every_query() {
    let fake = FakePrometheus::start().await;
    let body = fake_prometheus::instant_body(SERIES);
    for i in 0..QUERIES {
        fake.set(&format!("huge_{i}"), Behaviour::Rendered(body.clone()));
    }
    let (peak_before, _) = memory();
    let client = PromClient::new(
        &fake.url(),
        ClientOptions {
            timeout: Duration::from_secs(30),
            bearer_token: None,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let mut app = App::new(
        layout(QUERIES),
        Theme::load("default").unwrap(),
        SourceInfo {
            label: fake.url(),
            refresh: REFRESH,
            note: None,
        },
    );
    let (tx, mut events) = mpsc::channel(4096);
    let _commands = poller::spawn(
        client,
        PollerConfig {
            queries: app.layout().queries.clone(),
            refresh: REFRESH,
            concurrency: 8,
            alertmanager: None,
        },
        tx,
    );
    // Until every query has answered twice (a debug build parses slowly).
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut answers = 0;
    while answers < 2 * QUERIES
        && let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await
    {
        if matches!(event, DataEvent::Instant { result: Ok(_), .. }) {
            answers += 1;
        }
        app.update(Msg::Data(event));
    }
    let (peak, now) = memory();
    eprintln!(
        "{answers} answers of {SERIES} series: peak RSS {peak} MiB (before polling {peak_before} MiB), now {now} MiB"
    );
    assert!(answers >= 2 * QUERIES, "only {answers} answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures a request rate for 20 s; run on its own with --ignored --nocapture"]
async fn request_rate_against_a_server_asking_for_quiet() {
    const SECONDS: u64 = 20;
    let fake = FakePrometheus::start().await;
    fake.set_server(Some(Behaviour::Throttle(429, "120".into())));
    let client = PromClient::new(
        &fake.url(),
        ClientOptions {
            timeout: Duration::from_secs(10),
            bearer_token: None,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    // 35 queries and the alerts and rules requests: 37 a cycle.
    let layout = layout(35);
    let (tx, mut events) = mpsc::channel(4096);
    let _commands = poller::spawn(
        client,
        PollerConfig {
            queries: layout.queries.clone(),
            refresh: REFRESH,
            concurrency: 8,
            alertmanager: None,
        },
        tx,
    );
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    while let Ok(Some(_)) = tokio::time::timeout_at(deadline, events.recv()).await {}
    let queries = (fake.requests().iter())
        .filter(|r| r.endpoint == Endpoint::Query)
        .count();
    let requests = fake.http_requests();
    eprintln!(
        "{requests} requests ({queries} queries asked) in {SECONDS} s: {:.2} requests/s",
        requests as f64 / SECONDS as f64
    );
}
