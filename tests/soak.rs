//! A soak: the live dashboard (poller, App, rendering) against a real Prometheus scraping
//! the simulator, through a proxy that injects faults — 503s, garbage, a hung server, a
//! 1 MB response head, a redirect loop — while the simulator switches between normal and
//! incident. Retention is cut to 20 s, so the history fills and is pruned several times
//! over. Asserts: no panic, memory flat once the history is full, every fault told for
//! what it is and recovered at the first retry after it ends.

#![allow(clippy::unwrap_used)]

mod common;

use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::clock::unix_now;
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::event::{Connection, DataEvent};
use spheroseg_top::prom::{ClientOptions, PromClient};
use spheroseg_top::sim::Scenario;
use spheroseg_top::source::live::{self, PollerConfig};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

const REFRESH: Duration = Duration::from_millis(250);
const RETENTION: Duration = Duration::from_secs(20);

/// What the proxy does with the next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    /// 503 with an HTML body, as a load balancer in front of Prometheus sends.
    Unavailable,
    /// 200 with a body that stops in the middle of the JSON.
    Garbage,
    /// Reads the request and never answers.
    Hang,
    /// 200 with a 1 MB header, as a broken proxy might send: once told as "this port
    /// speaks TLS".
    HugeHead,
    /// A 307 to the very URL asked: once told as "use that URL".
    RedirectLoop,
}

impl Fault {
    /// What the dashboard must say during it, if anything in particular.
    fn said(self) -> Option<&'static str> {
        match self {
            Fault::HugeHead => Some("over 400 KiB"),
            Fault::RedirectLoop => Some("redirects in a loop"),
            _ => None,
        }
    }
}

/// A loopback HTTP proxy in front of Prometheus that injects [`Fault`]s.
struct FaultProxy {
    addr: SocketAddr,
    fault: Arc<Mutex<Fault>>,
}

impl FaultProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fault = Arc::new(Mutex::new(Fault::None));
        let shared = fault.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, upstream, shared.clone()));
            }
        });
        Self { addr, fault }
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

/// One request per connection: the answers say `Connection: close`.
async fn serve(mut client: TcpStream, upstream: SocketAddr, fault: Arc<Mutex<Fault>>) {
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let current = *fault.lock().unwrap();
    let canned = |status: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    match current {
        Fault::None => {
            let Ok(mut server) = TcpStream::connect(upstream).await else {
                return;
            };
            if server.write_all(&request).await.is_ok() {
                let _ = tokio::io::copy(&mut server, &mut client).await;
            }
        }
        Fault::Unavailable => {
            let response = canned("503 Service Unavailable", "<html>busy</html>");
            let _ = client.write_all(response.as_bytes()).await;
        }
        Fault::Garbage => {
            let response = canned("200 OK", r#"{"status":"success","data":{"resultTy"#)
                .replace("text/html", "application/json");
            let _ = client.write_all(response.as_bytes()).await;
        }
        Fault::Hang => {
            // Held open until the fault ends (the client gives up long before).
            while *fault.lock().unwrap() == Fault::Hang {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Fault::HugeHead => {
            let head = format!("X-Padding: {}\r\nContent-Type", "p".repeat(1 << 20));
            let response = canned("200 OK", "{}").replace("Content-Type", &head);
            let _ = client.write_all(response.as_bytes()).await;
        }
        Fault::RedirectLoop => {
            let request = String::from_utf8_lossy(&request).to_string();
            let target = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let response = canned("307 Temporary Redirect", "").replace(
                "Content-Type",
                &format!("Location: {target}\r\nContent-Type"),
            );
            let _ = client.write_all(response.as_bytes()).await;
        }
    }
}

/// The request's bytes, with `Connection: close` so the server ends the exchange.
async fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut lines: Vec<&str> = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let mut request = (lines.join("\r\n") + "\r\n\r\n").into_bytes();
    request.extend_from_slice(&buf[head_end..]);
    Some(request)
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

struct Soak {
    app: App,
    events: mpsc::Receiver<DataEvent>,
    /// When every query last answered without error, by query id.
    answered: Vec<f64>,
    frames: usize,
}

impl Soak {
    /// Runs the dashboard until `deadline`: data into the app, the clock every refresh,
    /// a frame every other refresh at alternating sizes.
    async fn run_until(&mut self, deadline: Instant) {
        let mut ticker = tokio::time::interval(REFRESH);
        while Instant::now() < deadline {
            tokio::select! {
                Some(event) = self.events.recv() => {
                    if let DataEvent::Instant { id, at, result: Ok(_), .. } = &event {
                        self.answered[*id] = self.answered[*id].max(*at);
                    }
                    self.app.update(Msg::Data(event));
                    self.app.take_commands();
                }
                _ = ticker.tick() => {
                    self.app.update(Msg::Data(DataEvent::Clock(unix_now())));
                    self.frames += 1;
                    if self.frames.is_multiple_of(2) {
                        let (w, h) = if self.frames.is_multiple_of(4) { (200, 60) } else { (80, 24) };
                        self.app.update(Msg::Action(Action::Resize(w, h)));
                        common::render(&self.app, w, h);
                    }
                }
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }

    /// Seconds until every query has answered without error after `since` (Unix time).
    async fn recovery(&mut self, since: f64, within: Duration) -> Option<f64> {
        let started = Instant::now();
        while started.elapsed() < within {
            self.run_until(Instant::now() + Duration::from_millis(50))
                .await;
            if self.answered.iter().all(|t| *t >= since) {
                return Some(started.elapsed().as_secs_f64());
            }
        }
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_scenario_switches_leave_memory_flat_and_each_fault_recovers() {
    let stack = common::stack(Scenario::Normal).await;
    let upstream: SocketAddr = stack
        .prometheus_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    common::wait_for(
        stack.prometheus_url(),
        "sum(rate(http_request_duration_seconds_count[5m])) > 0",
        Duration::from_secs(30),
    )
    .await;
    let proxy = FaultProxy::start(upstream).await;

    let mut layout = Layout::load("spheroseg").unwrap();
    for query in &mut layout.queries {
        query.history = query.history.map(|h| h.min(RETENTION));
    }
    let queries = layout.queries.clone();
    let app = App::new(
        layout,
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "soak".into(),
            refresh: REFRESH,
            note: None,
        },
    );
    let client = PromClient::new(
        &format!("http://{}", proxy.addr),
        ClientOptions {
            timeout: Duration::from_secs(1),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let (tx, events) = mpsc::channel(1024);
    let _commands = live::spawn(
        client,
        PollerConfig {
            queries: queries.clone(),
            refresh: REFRESH,
            concurrency: 8,
            alertmanager: None,
        },
        tx,
    );
    let mut soak = Soak {
        app,
        events,
        answered: vec![0.0; queries.len()],
        frames: 0,
    };

    // Warm up past the retention: the history is full from here on.
    soak.run_until(Instant::now() + RETENTION + Duration::from_secs(2))
        .await;
    let full = resident_kib();

    let mut recoveries = Vec::new();
    let schedule = [
        (Fault::Unavailable, Scenario::Incident),
        (Fault::Garbage, Scenario::Incident),
        (Fault::Hang, Scenario::Normal),
        (Fault::Unavailable, Scenario::Normal),
        (Fault::Garbage, Scenario::Incident),
        (Fault::HugeHead, Scenario::Normal),
        (Fault::RedirectLoop, Scenario::Incident),
    ];
    for (fault, scenario) in schedule {
        stack.sim.set_scenario(scenario);
        proxy.set(fault);
        soak.run_until(Instant::now() + Duration::from_secs(3))
            .await;
        let noticed = soak.app.connection() != Connection::Connected
            || soak.app.store().queries().iter().any(|q| q.error.is_some());
        assert!(noticed, "{fault:?}: three seconds of it went unnoticed");
        if let Some(said) = fault.said() {
            let mut told: Vec<String> = soak
                .app
                .store()
                .queries()
                .iter()
                .filter_map(|q| q.error.as_ref().map(ToString::to_string))
                .collect();
            if let Connection::Unreachable { error, .. } = soak.app.connection() {
                told.push(error);
            }
            assert!(
                told.iter().any(|t| t.contains(said)) && !told.iter().any(|t| t.contains("TLS")),
                "{fault:?}: {told:?}"
            );
        }
        proxy.set(Fault::None);
        let ended = unix_now();
        // The poller may be waiting out a backoff it announced: recovery is due at the
        // first retry after the fault, plus one refresh and the slowest answer.
        let retry = match soak.app.connection() {
            Connection::Unreachable { retry_in, .. } => retry_in,
            _ => Duration::ZERO,
        };
        let due = retry + REFRESH + Duration::from_secs(2);
        let took = soak.recovery(ended, due).await;
        assert!(
            took.is_some(),
            "{fault:?}: not recovered within {due:?} after it ended; connection {:?}",
            soak.app.connection()
        );
        recoveries.push((fault, retry, took));
        soak.run_until(Instant::now() + Duration::from_secs(3))
            .await;
    }
    let end = resident_kib();
    eprintln!(
        "soak: {} frames; RSS {full} KiB with full history, {end} KiB at the end; recoveries {recoveries:?}",
        soak.frames
    );
    assert!(
        end < full + 16 * 1024,
        "memory grew from {full} KiB to {end} KiB once the history was full"
    );
    assert_eq!(soak.app.connection(), Connection::Connected);
}
