//! The load the dashboard puts on a real Prometheus: queries on screen every refresh, the
//! rest every few seconds, and nothing faster than Prometheus scrapes.

#![allow(clippy::unwrap_used)]

mod common;

use spheroseg_top::config::Layout;
use spheroseg_top::demo::{Stack, StackOptions};
use spheroseg_top::event::{DataEvent, Schedule, SourceCommand, Watch};
use spheroseg_top::sim::Scenario;
use std::time::Duration;
use tokio::time::{Instant, timeout_at};

/// Instant answers per query over `span` of polling at a 1 s refresh, and the last
/// schedule announced.
async fn poll(url: &str, span: Duration) -> (Vec<usize>, Option<Schedule>) {
    let queries = Layout::load("spheroseg").unwrap().queries;
    let (commands, mut rx) = common::spawn_poller(url, &queries);
    // The screen shows the first two queries.
    commands
        .send(SourceCommand::Watch(Watch {
            queries: vec![0, 1],
            rules: false,
            ..Watch::default()
        }))
        .await
        .unwrap();
    let mut answers = vec![0; queries.len()];
    let mut schedule = None;
    let end = Instant::now() + span;
    while let Ok(Some(event)) = timeout_at(end, rx.recv()).await {
        match event {
            DataEvent::Instant { id, .. } => answers[id] += 1,
            DataEvent::Schedule(s) => schedule = Some(s),
            _ => {}
        }
    }
    (answers, schedule)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_off_screen_are_asked_less_often() {
    let stack = common::stack(Scenario::Normal).await;
    let (answers, schedule) = poll(stack.prometheus_url(), Duration::from_secs(8)).await;
    // 8 s at 1 s (Prometheus scrapes every second): ~8 polls of what is on screen, 2 of
    // the rest (every 5 s).
    assert!(answers[0] >= 4, "on screen: {answers:?}");
    let off_screen = answers[2..].iter().max().copied().unwrap();
    assert!((1..=3).contains(&off_screen), "off screen: {answers:?}");
    assert_eq!(
        schedule,
        Some(Schedule {
            visible: Duration::from_secs(1),
            background: Duration::from_secs(5)
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_asked_faster_than_prometheus_scrapes() {
    let stack = match Stack::start(StackOptions {
        scenario: Scenario::Normal,
        scrape_interval: Duration::from_secs(10),
        ..StackOptions::default()
    })
    .await
    {
        Ok(stack) => stack,
        Err(e) => panic!("this test needs a real Prometheus and could not start one:\n{e}"),
    };
    let (answers, schedule) = poll(stack.prometheus_url(), Duration::from_secs(8)).await;
    // Targets scraped every 10 s: once at start, not again within 8 s.
    assert_eq!(
        schedule,
        Some(Schedule {
            visible: Duration::from_secs(10),
            background: Duration::from_secs(10)
        })
    );
    assert!(answers.iter().all(|&n| n <= 2), "{answers:?}");
    assert!(answers[0] >= 1);
}

/// Query requests Prometheus has answered, read off its own `/metrics` (its stored series
/// lag by a scrape).
async fn query_requests(url: &str) -> f64 {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| {
            l.starts_with("prometheus_http_requests_total{")
                && l.contains("handler=\"/api/v1/query\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Once each query has answered alone, fast and small, a refresh asks them together: far
/// fewer requests than queries, and every query still answers on its own, without error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_asks_its_queries_together() {
    let stack = common::stack(Scenario::Normal).await;
    let url = stack.prometheus_url();
    let queries = Layout::load("spheroseg").unwrap().queries;
    let (_commands, mut rx) = common::spawn_poller(url, &queries);
    // The first refresh asks each query alone and learns what it costs.
    let mut answers = vec![0; queries.len()];
    let mut errors = Vec::new();
    let mut listen = async |seconds| {
        let end = Instant::now() + Duration::from_secs(seconds);
        while let Ok(Some(event)) = timeout_at(end, rx.recv()).await {
            if let DataEvent::Instant { id, result, .. } = event {
                answers[id] += 1;
                if let Err(e) = result {
                    errors.push(format!("{}: {e}", queries[id].expr));
                }
            }
        }
        answers.iter().sum::<usize>()
    };
    let asked_before = listen(3).await;
    let before = query_requests(url).await;
    let asked = listen(6).await - asked_before;
    let requests = query_requests(url).await - before;
    eprintln!("{asked} queries answered in {requests} requests");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(answers.iter().all(|&n| n >= 2), "{answers:?}");
    assert!(
        requests * 4.0 <= asked as f64,
        "{asked} queries answered in {requests} requests"
    );
}
