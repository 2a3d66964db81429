//! Shared set-up for integration tests: a real Prometheus scraping the simulator, and the
//! poller run until every query of a layout has answered.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

pub mod alertmanager;
pub mod tmux;
pub mod wired;

use spheroseg_top::app::{App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::demo::{Stack, StackOptions};
use spheroseg_top::event::{DataEvent, SourceCommand};
use spheroseg_top::prom::{ClientOptions, PromClient};
use spheroseg_top::sim::Scenario;
use spheroseg_top::source::live::{self as poller, PollerConfig};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::mpsc;

/// Starts Prometheus + the simulator. A missing or broken Prometheus fails the test:
/// these tests must never pass by skipping.
pub async fn stack(scenario: Scenario) -> Stack {
    match Stack::start(StackOptions {
        scenario,
        ..StackOptions::default()
    })
    .await
    {
        Ok(stack) => stack,
        Err(e) => panic!("this test needs a real Prometheus and could not start one:\n{e}"),
    }
}

pub fn client(url: &str) -> PromClient {
    PromClient::new(
        url,
        ClientOptions {
            timeout: Duration::from_secs(5),
            bearer_token: None,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// Waits until `expr` evaluates to a non-empty result on Prometheus (e.g. until enough
/// scrapes happened for rate() windows to have two samples).
pub async fn wait_for(url: &str, expr: &str, timeout: Duration) {
    let client = client(url);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let now = spheroseg_top::clock::unix_now();
        if let Ok(answer) = client.instant(expr, now).await
            && !answer.samples.is_empty()
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for `{expr}` to return data"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A live poller of `queries` on `url` at a 1 s refresh: its commands and its events.
pub fn spawn_poller(
    url: &str,
    queries: &[spheroseg_top::config::layout::QueryDef],
) -> (mpsc::Sender<SourceCommand>, mpsc::Receiver<DataEvent>) {
    let (tx, rx) = mpsc::channel(1024);
    let config = PollerConfig {
        queries: queries.to_vec(),
        refresh: Duration::from_secs(1),
        concurrency: 8,
        alertmanager: None,
    };
    (poller::spawn(client(url), config, tx), rx)
}

pub fn app(layout: Layout, url: &str) -> App {
    App::new(
        layout,
        Theme::load("default").unwrap(),
        SourceInfo {
            label: url.to_string(),
            refresh: Duration::from_secs(1),
            note: None,
        },
    )
}

/// Runs the real poller until every query has answered its instant query, every history
/// query its backfill, and Prometheus its alerts and rules, feeding all events to `app`.
pub async fn poll_until_complete(app: &mut App, url: &str) {
    let queries = app.layout().queries.clone();
    let (_commands, mut rx) = spawn_poller(url, &queries);
    let mut instants = HashSet::new();
    let mut ranges = HashSet::new();
    let (mut alerts, mut rules) = (false, false);
    let histories = queries.iter().filter(|q| q.history.is_some()).count();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while instants.len() < queries.len() || ranges.len() < histories || !alerts || !rules {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("poller answered in time")
            .expect("poller running");
        match &event {
            DataEvent::Instant { id, at, .. } => {
                instants.insert(*id);
                app.update(Msg::Tick(*at));
            }
            DataEvent::Range { id, .. } => {
                ranges.insert(*id);
            }
            DataEvent::Alerts { .. } => alerts = true,
            DataEvent::Rules { .. } => rules = true,
            _ => {}
        }
        app.update(Msg::Data(event));
    }
    answer_server_requests(app, url).await;
}

/// Answers the questions about the server the app asked (targets, facts, why a panel is
/// empty, annotations), as the poller would, until it asks nothing more; returns how
/// many were answered. Other commands are dropped: call this with no drill view open.
pub async fn answer_server_requests(app: &mut App, url: &str) -> usize {
    let client = client(url);
    let mut answered = 0;
    loop {
        let requests: Vec<_> = app
            .take_commands()
            .into_iter()
            .filter_map(|c| match c {
                SourceCommand::Server(request) => Some(request),
                _ => None,
            })
            .collect();
        if requests.is_empty() {
            return answered;
        }
        for request in requests {
            let event = poller::server_event(&client, request).await;
            app.update(Msg::Data(event));
            answered += 1;
        }
    }
}

/// Sends the range queries the app asked for to Prometheus and feeds it the answers,
/// as the poller would; returns how many were answered.
pub async fn answer_range_requests(app: &mut App, url: &str) -> usize {
    let client = client(url);
    let mut answered = 0;
    for command in app.take_commands() {
        let SourceCommand::Range(request) = command else {
            continue;
        };
        let result = client
            .range(
                &request.expr,
                request.start as f64,
                request.end as f64,
                f64::from(request.step),
            )
            .await;
        app.update(Msg::Data(DataEvent::RangeAnswer {
            request,
            result,
            latency: Duration::ZERO,
        }));
        answered += 1;
    }
    answered
}

/// Renders the whole screen into a buffer of the given size.
pub fn render(app: &App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| spheroseg_top::ui::render(frame, app))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer's text, one string per line.
pub fn lines(buffer: &ratatui::buffer::Buffer) -> Vec<String> {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// Debian's node exporter on a free loopback port (only the meminfo collector: the
/// tests read memory), killed when dropped. A missing binary fails the test.
pub struct NodeExporter {
    child: Option<std::process::Child>,
    pub addr: std::net::SocketAddr,
}

impl NodeExporter {
    pub fn start() -> NodeExporter {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        let child = std::process::Command::new("prometheus-node-exporter")
            .arg(format!("--web.listen-address={addr}"))
            .args(["--collector.disable-defaults", "--collector.meminfo"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "this test needs Debian's prometheus-node-exporter and could not start it: {e}"
                )
            });
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "node exporter did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        NodeExporter {
            child: Some(child),
            addr,
        }
    }

    /// Stops it, as a crashed exporter stops.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn scenario(name: &str) -> Scenario {
    name.parse().unwrap()
}

/// A label set from pairs (not every test binary uses it).
#[allow(unused_imports)]
pub use spheroseg_top::model::labels::from_pairs as labels;
