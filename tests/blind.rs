//! Never "connected" while blind, against a real Prometheus scraping the simulator: one
//! stopped with SIGSTOP (the kernel still accepts connections, nothing answers), and one
//! whose basic auth refuses the password sent. The real poller and app are wired as the
//! event loop wires them (the app's questions about the server go to the poller), so the
//! targets panel's requests take part as they do on screen.

#![allow(clippy::unwrap_used)]

mod conn_support;

use conn_support::{Server, basic_auth_config, plain_prometheus};
use spheroseg_top::app::{App, Msg, SourceInfo};
use spheroseg_top::clock::unix_now;
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::{Connection, DataEvent, SourceCommand};
use spheroseg_top::prom::{BasicAuth, ClientOptions, PromClient};
use spheroseg_top::sim::{self, Scenario};
use spheroseg_top::source::live::{self as poller, PollerConfig};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
    fn start(client: PromClient, concurrency: usize) -> Dash {
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
                concurrency,
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
    let mut server = plain_prometheus(sim.addr(), None);
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
    let mut dash = Dash::start(PromClient::new(&url, options).unwrap(), 8);
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

/// Counts the HTTP requests that pass through it on their way to `upstream`.
struct CountingProxy {
    port: u16,
    requests: Arc<AtomicUsize>,
}

impl CountingProxy {
    async fn start(upstream: u16) -> CountingProxy {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let counted = counted.clone();
                tokio::spawn(async move {
                    let Ok(mut server) =
                        tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, upstream)).await
                    else {
                        return;
                    };
                    let (mut client_read, mut client_write) = client.split();
                    let (mut server_read, mut server_write) = server.split();
                    let up = async {
                        let mut buffer = [0u8; 16384];
                        // The request line's end, kept across reads so none is missed.
                        let mut tail = Vec::new();
                        loop {
                            let n = match client_read.read(&mut buffer).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            tail.extend_from_slice(&buffer[..n]);
                            let marker = b" HTTP/1.1\r\n";
                            let found = tail.windows(marker.len()).filter(|w| w == marker).count();
                            counted.fetch_add(found, Ordering::SeqCst);
                            let keep = tail.len().min(marker.len() - 1);
                            tail.drain(..tail.len() - keep);
                            if server_write.write_all(&buffer[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = server_write.shutdown().await;
                    };
                    let down = async {
                        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                        let _ = client_write.shutdown().await;
                    };
                    tokio::join!(up, down);
                });
            }
        });
        CountingProxy { port, requests }
    }

    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_back_off_say_so_and_recover_by_themselves() {
    const SENT: &str = "what ops types";
    let sim = sim::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), Scenario::Normal)
        .await
        .unwrap();
    let server = plain_prometheus(sim.addr(), Some(&basic_auth_config("the real one")));
    let proxy = CountingProxy::start(server.port).await;
    let url = format!("http://127.0.0.1:{}", proxy.port);
    let options = ClientOptions {
        timeout: TIMEOUT,
        basic_auth: Some(BasicAuth {
            user: "ops".into(),
            password: SENT.into(),
        }),
        ..ClientOptions::default()
    };
    let wait = PromClient::new(
        &format!("http://127.0.0.1:{}", server.port),
        ClientOptions {
            basic_auth: options.basic_auth.clone(),
            ..conn_support::options()
        },
    )
    .unwrap();
    // Up and refusing: the first answer is a 401.
    let deadline = Instant::now() + Duration::from_secs(30);
    while wait
        .ping()
        .await
        .is_err_and(|e| !e.to_string().contains("401"))
    {
        assert!(Instant::now() < deadline, "{}", server.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // One request at a time: the refresh that meets the first 401 still has most of its
    // requests to send.
    let mut dash = Dash::start(PromClient::new(&url, options).unwrap(), 1);
    let window = Duration::from_secs(10);
    let started = Instant::now();
    dash.run_for(window).await;
    let sent = proxy.count();
    // Before: every query, the targets and the alerts every refresh, 40 refreshes (179
    // logins). Now: the first 401 keeps the rest of its refresh home; then one query
    // after 1, 2, 4 s (and the targets asked for the scrape interval, once).
    assert!(
        sent <= 12,
        "{sent} failed logins in {:?}",
        started.elapsed()
    );
    assert!(
        !dash
            .connections
            .iter()
            .any(|(_, c)| *c == Connection::Connected),
        "connected while every request is refused: {:?}",
        dash.connections
    );
    let state = dash.app.connection();
    let error = unreachable_error(&state).unwrap_or_else(|| panic!("{state:?}"));
    assert!(
        error.contains("credentials refused") && error.contains("basic auth as ops"),
        "{error}"
    );
    let screen = dash.screen().join("\n");
    let bar = dash.status_bar();
    assert!(
        bar.contains("credentials refused") && bar.contains("retry in"),
        "{bar}"
    );
    assert!(!bar.contains("● connected"), "{bar}");
    let panels: Vec<&str> = screen.lines().filter(|l| l.contains('│')).collect();
    assert!(
        panels.iter().any(|l| l.contains("credentials refused")),
        "{screen}"
    );
    assert!(!screen.contains(SENT), "{screen}");

    // The password is set to the one sent: the next probe gets in, data follows.
    std::fs::write(server.dir.path().join("web.yml"), basic_auth_config(SENT)).unwrap();
    dash.until("recovery", Duration::from_secs(40), connected)
        .await;
    dash.until_values(Duration::from_secs(10)).await;
}
