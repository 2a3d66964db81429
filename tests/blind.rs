//! Never "connected" while blind, against a real Prometheus scraping the simulator: one
//! stopped with SIGSTOP (the kernel still accepts connections, nothing answers), and one
//! whose basic auth refuses the password sent. The real poller and app are wired as the
//! event loop wires them (the app's questions about the server go to the poller), so the
//! targets panel's requests take part as they do on screen.

#![allow(clippy::unwrap_used)]

mod conn_support;

use conn_support::{Server, free_port, scrape_config};
use spheroseg_top::app::{App, Msg, SourceInfo};
use spheroseg_top::clock::unix_now;
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::{Connection, DataEvent, SourceCommand};
use spheroseg_top::prom::{ClientOptions, PromClient};
use spheroseg_top::sim::{self, Scenario};
use spheroseg_top::source::live::{self as poller, PollerConfig};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

const REFRESH: Duration = Duration::from_millis(250);
const TIMEOUT: Duration = Duration::from_millis(500);
const QUERIES: [&str; 3] = [
    "up{job=\"spheroseg\"}",
    "sum(websocket_active_connections)",
    "count(up)",
];

/// The three stat panels and, on the same tab, the scrape targets (asked every refresh
/// while on screen, outside the poller's cycles).
fn layout() -> Layout {
    let mut text = String::from("title = \"blind\"\n[[tab]]\ntitle = \"Blind\"\n[[tab.row]]\n");
    for expr in QUERIES {
        text.push_str(&format!(
            "[[tab.row.panel]]\ntitle = '[{expr}]'\nkind = \"stat\"\nquery = '{expr}'\n"
        ));
    }
    text.push_str("[[tab.row.panel]]\ntitle = \"Targets\"\nkind = \"targets\"\n");
    Layout::parse(Source {
        origin: "blind.toml".into(),
        text,
    })
    .unwrap()
}

/// A plain-HTTP Prometheus scraping `target`; with `web`, that text as its
/// `--web.config.file` (read again on every request, so a test may change it).
fn prometheus(target: SocketAddr, web: Option<&str>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), scrape_config(target)).unwrap();
    let mut args: Vec<String> = vec![
        "--config.file={dir}/prometheus.yml".into(),
        "--storage.tsdb.path={dir}/data".into(),
        "--web.listen-address=127.0.0.1:{port}".into(),
        "--log.level=warn".into(),
    ];
    if let Some(web) = web {
        std::fs::write(dir.path().join("web.yml"), web).unwrap();
        args.push("--web.config.file={dir}/web.yml".into());
    }
    let binary = spheroseg_top::demo::stack::find_prometheus()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "prometheus".to_string());
    Server::spawn(&binary, dir, free_port(), &args)
}

fn signal(server: &Server, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(server.child.id()).unwrap();
    // SAFETY: kill(2) on the child this test started; no memory is involved.
    assert_eq!(
        unsafe { libc::kill(pid, signal) },
        0,
        "kill({pid}, {signal})"
    );
}

/// The real poller and app, wired as the event loop wires them.
struct Dash {
    app: App,
    commands: mpsc::Sender<SourceCommand>,
    events: mpsc::Receiver<DataEvent>,
    /// Every connection state the poller announced, with when.
    connections: Vec<(Instant, Connection)>,
}

impl Dash {
    fn start(client: PromClient) -> Dash {
        let app = App::new(
            layout(),
            Theme::load("default").unwrap(),
            SourceInfo {
                label: client.display_url().to_string(),
                refresh: REFRESH,
                note: None,
            },
        );
        let (tx, events) = mpsc::channel(4096);
        let commands = poller::spawn(
            client,
            PollerConfig {
                queries: app.polled_queries(),
                refresh: REFRESH,
                concurrency: 8,
                alertmanager: None,
            },
            tx,
        );
        Dash {
            app,
            commands,
            events,
            connections: Vec::new(),
        }
    }

    /// One event into the app (and the app's commands to the poller); `false` at `deadline`.
    async fn step(&mut self, deadline: Instant) -> bool {
        for command in self.app.take_commands() {
            self.commands.send(command).await.unwrap();
        }
        let Ok(event) = tokio::time::timeout_at(deadline, self.events.recv()).await else {
            return false;
        };
        let event = event.expect("the poller stopped");
        if let DataEvent::Connection(c) = &event {
            self.connections.push((Instant::now(), c.clone()));
        }
        // The event loop ticks the clock once a second; a tick asks for what is due.
        self.app.update(Msg::Tick(unix_now().max(self.app.now())));
        self.app.update(Msg::Data(event));
        true
    }

    async fn until(&mut self, what: &str, within: Duration, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + within;
        while !done(&self.app) {
            assert!(
                self.step(deadline).await,
                "no {what} within {within:?}; connections {:?}\nscreen:\n{}",
                self.connections,
                self.screen().join("\n")
            );
        }
    }

    async fn run_for(&mut self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while self.step(deadline).await {}
    }

    fn screen(&self) -> Vec<String> {
        conn_support::render(&self.app)
    }

    fn status_bar(&self) -> String {
        self.screen().last().cloned().unwrap_or_default()
    }

    /// Until every stat panel shows a value.
    async fn until_values(&mut self, within: Duration) {
        self.until("values", within, |app| {
            (0..QUERIES.len()).all(|id| {
                app.store()
                    .query(id)
                    .is_some_and(|q| q.error.is_none() && q.current().next().is_some())
            })
        })
        .await;
    }
}

fn connected(app: &App) -> bool {
    app.connection() == Connection::Connected
}

fn unreachable_error(connection: &Connection) -> Option<&str> {
    match connection {
        Connection::Unreachable { error, .. } => Some(error),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_prometheus_is_not_connected_until_it_answers_again() {
    let sim = sim::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), Scenario::Normal)
        .await
        .unwrap();
    let mut server = prometheus(sim.addr(), None);
    let url = format!("http://127.0.0.1:{}", server.port);
    let options = ClientOptions {
        timeout: TIMEOUT,
        ..ClientOptions::default()
    };
    conn_support::wait_for_data(
        &PromClient::new(&url, conn_support::options()).unwrap(),
        QUERIES[0],
        &mut server,
        Duration::from_secs(30),
    )
    .await;
    let mut dash = Dash::start(PromClient::new(&url, options).unwrap());
    dash.until("data", Duration::from_secs(10), connected).await;
    dash.until_values(Duration::from_secs(10)).await;

    signal(&server, libc::SIGSTOP);
    let stopped = Instant::now();
    // Twenty refreshes, a dozen timeouts: the probe's and the targets panel's among them.
    dash.run_for(REFRESH * 24).await;
    let after: Vec<&Connection> = dash
        .connections
        .iter()
        .filter(|(at, _)| *at > stopped)
        .map(|(_, c)| c)
        .collect();
    let first_blind = after
        .iter()
        .position(|c| unreachable_error(c).is_some_and(|e| e.contains("not answering")))
        .unwrap_or_else(|| panic!("never 'not answering' while stopped: {after:?}"));
    assert!(
        !after[first_blind..].contains(&&Connection::Connected),
        "connected again while nothing answers: {after:?}"
    );
    let bar = dash.status_bar();
    assert!(
        bar.contains("not answering") && !bar.contains("connected"),
        "{bar}"
    );

    signal(&server, libc::SIGCONT);
    dash.until("reconnection", Duration::from_secs(20), |app| {
        connected(app)
    })
    .await;
    let resumed = Instant::now();
    dash.until("fresh values", Duration::from_secs(10), |app| {
        app.store()
            .query(0)
            .and_then(|q| q.last_eval)
            .is_some_and(|at| at > unix_now() - 2.0)
    })
    .await;
    dash.until_values(Duration::from_secs(10)).await;
    assert!(resumed.elapsed() < Duration::from_secs(10));
}
