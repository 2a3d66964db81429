//! Shared set-up for the tests of connecting to production-like backends: a PKI made in
//! the test (a CA, a server and a client certificate, and a stranger's client certificate),
//! a real Prometheus behind TLS, mutual TLS and basic auth scraping the simulator, and the
//! dashboard polled until every query answered, then drawn.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use spheroseg_top::app::{App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::prom::{ClientOptions, PromClient};
use spheroseg_top::source::live::{self as poller, PollerConfig};
use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::mpsc;

/// PEM files in a temporary folder.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A client certificate from a CA the server does not trust.
    pub stranger_cert: PathBuf,
    pub stranger_key: PathBuf,
}

fn ca(name: &str) -> (CertificateParams, KeyPair, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let pem = params.self_signed(&key).unwrap().pem();
    (params, key, pem)
}

fn leaf(
    issuer: &Issuer<'_, KeyPair>,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params.distinguished_name.push(DnType::CommonName, "leaf");
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let (params, key, ca_pem) = ca("spheroseg test CA");
        let issuer = Issuer::new(params, key);
        let (server_cert, server_key) = leaf(
            &issuer,
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) =
            leaf(&issuer, &["ops"], ExtendedKeyUsagePurpose::ClientAuth);
        let (params, key, _) = ca("someone else's CA");
        let stranger = Issuer::new(params, key);
        let (stranger_cert, stranger_key) =
            leaf(&stranger, &["ops"], ExtendedKeyUsagePurpose::ClientAuth);
        Self {
            ca: write("ca.pem", &ca_pem),
            server_cert: write("server.pem", &server_cert),
            server_key: write("server-key.pem", &server_key),
            client_cert: write("client.pem", &client_cert),
            client_key: write("client-key.pem", &client_key),
            stranger_cert: write("stranger.pem", &stranger_cert),
            stranger_key: write("stranger-key.pem", &stranger_key),
            dir,
        }
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scrape config for the simulator at `target`, every second.
pub fn scrape_config(target: SocketAddr) -> String {
    format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: spheroseg\n    honor_labels: true\n    static_configs:\n      - targets: ['{target}']\n"
    )
}

/// A child process killed when dropped, with its folder.
pub struct Server {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `binary` with `args` (after `{dir}` and `{port}` are substituted), its output
    /// in `log` in its folder. A missing binary fails the test: these tests never skip.
    pub fn spawn(binary: &str, dir: tempfile::TempDir, port: u16, args: &[String]) -> Self {
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("{dir}", &dir.path().display().to_string())
                    .replace("{port}", &port.to_string())
            })
            .collect();
        let child = Command::new(binary)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("this test needs `{binary}` (bash .ci/run installs it): {e}")
            });
        Self { child, dir, port }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

/// Debian's node exporter on a free loopback port; a missing binary fails the test.
pub fn node_exporter() -> Server {
    Server::spawn(
        "prometheus-node-exporter",
        tempfile::tempdir().unwrap(),
        free_port(),
        &["--web.listen-address=127.0.0.1:{port}".into()],
    )
}

/// A real Prometheus scraping `target` every second as job `node`, the job name Node
/// Exporter Full expects, and itself as job `prometheus`.
pub fn prometheus(target: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['{target}']\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let binary = spheroseg_top::demo::stack::find_prometheus()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "prometheus".to_string());
    Server::spawn(
        &binary,
        dir,
        port,
        &[
            "--config.file={dir}/prometheus.yml".into(),
            "--storage.tsdb.path={dir}/data".into(),
            "--web.listen-address=127.0.0.1:{port}".into(),
            "--log.level=warn".into(),
        ],
    )
}

/// A plain-HTTP Prometheus scraping `target`; with `web`, that text as its
/// `--web.config.file` (read again on every request, so a test may change it).
pub fn plain_prometheus(target: SocketAddr, web: Option<&str>) -> Server {
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
    Server::spawn(&prometheus_binary(), dir, free_port(), &args)
}

/// Basic auth as `ops` with `password`, as Prometheus' `--web.config.file` says it.
pub fn basic_auth_config(password: &str) -> String {
    // The lowest cost bcrypt allows: Prometheus checks it on every request.
    format!(
        "basic_auth_users:\n  ops: {}\n",
        bcrypt::hash(password, 4).unwrap()
    )
}

pub fn prometheus_binary() -> String {
    spheroseg_top::demo::stack::find_prometheus()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "prometheus".to_string())
}

/// A real Prometheus scraping the simulator at `target`, behind TLS with the PKI's server
/// certificate, requiring a client certificate from the PKI's CA and basic auth as `ops`
/// with `password`.
pub fn tls_prometheus(pki: &Pki, target: SocketAddr, password: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), scrape_config(target)).unwrap();
    // The lowest cost bcrypt allows: Prometheus checks it on every request.
    let hash = bcrypt::hash(password, 4).unwrap();
    let web = format!(
        "tls_server_config:\n  cert_file: {}\n  key_file: {}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\nbasic_auth_users:\n  ops: {hash}\n",
        pki.server_cert.display(),
        pki.server_key.display(),
        pki.ca.display()
    );
    std::fs::write(dir.path().join("web.yml"), web).unwrap();
    let port = free_port();
    Server::spawn(
        &prometheus_binary(),
        dir,
        port,
        &[
            "--config.file={dir}/prometheus.yml".into(),
            "--storage.tsdb.path={dir}/data".into(),
            "--web.listen-address=127.0.0.1:{port}".into(),
            "--web.config.file={dir}/web.yml".into(),
            "--log.level=warn".into(),
        ],
    )
}

/// Waits until `client` sees `expr` return a sample; fails the test after `timeout` with
/// the server's log.
pub async fn wait_for_data(
    client: &PromClient,
    expr: &str,
    server: &mut Server,
    timeout: Duration,
) {
    wait_until(server, timeout, async || {
        let answer = client.instant(expr, spheroseg_top::clock::unix_now()).await;
        match &answer {
            Ok(a) if !a.samples.is_empty() => Ok(()),
            _ => Err(format!("no data for `{expr}` (last answer {answer:?})")),
        }
    })
    .await;
}

/// Retries `attempt` until it succeeds; fails the test with the last failure and the
/// server's log after `timeout`, or at once when the server exits.
pub async fn wait_until(
    server: &mut Server,
    timeout: Duration,
    mut attempt: impl AsyncFnMut() -> Result<(), String>,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let Err(last) = attempt().await else {
            return;
        };
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("the server exited ({status}):\n{}", server.log());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "in time: {last}; log:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `vmauth` on a free port, letting requests with the bearer `token` through to
/// `url_prefix`.
pub fn vmauth(token: &str, url_prefix: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config =
        format!("users:\n  - bearer_token: \"{token}\"\n    url_prefix: \"{url_prefix}\"\n");
    std::fs::write(dir.path().join("auth.yml"), config).unwrap();
    Server::spawn(
        "vmauth",
        dir,
        free_port(),
        &[
            "-httpListenAddr=127.0.0.1:{port}".into(),
            "-auth.config={dir}/auth.yml".into(),
            "-loggerLevel=ERROR".into(),
        ],
    )
}

pub fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

/// A one-tab layout of stat panels titled `[expr]`.
pub fn stat_layout(exprs: &[&str]) -> Layout {
    let mut text = String::from("title = \"conn\"\n[[tab]]\ntitle = \"Conn\"\n[[tab.row]]\n");
    for expr in exprs {
        text.push_str(&format!(
            "[[tab.row.panel]]\ntitle = '[{expr}]'\nkind = \"stat\"\nquery = '{expr}'\n"
        ));
    }
    Layout::parse(Source {
        origin: "conn.toml".into(),
        text,
    })
    .unwrap()
}

/// The dashboard on `client` once every query answered (data or error), drawn 160×45:
/// the screen's lines.
pub async fn screen(layout: Layout, client: PromClient, warning: Option<String>) -> Vec<String> {
    render(&answered(layout, client, warning, Duration::from_secs(15)).await)
}

/// An app fed by a real poller on `client` until every query of `layout` answered (data
/// or error), within `patience`. `warning` is set as the dashboard sets a connection
/// warning (unverified TLS): first after the connection state, never cut by the status
/// bar's later segments.
pub async fn answered(
    layout: Layout,
    client: PromClient,
    warning: Option<String>,
    patience: Duration,
) -> App {
    answered_seeing(layout, client, warning, patience, |_| {}).await
}

/// [`answered`], handing every event to `see` (a recorder) before the app takes it.
pub async fn answered_seeing(
    layout: Layout,
    client: PromClient,
    warning: Option<String>,
    patience: Duration,
    mut see: impl FnMut(&DataEvent),
) -> App {
    let mut app = App::new(
        layout,
        Theme::load("default").unwrap(),
        SourceInfo {
            label: client.display_url().to_string(),
            refresh: Duration::from_secs(1),
            note: None,
        },
    )
    .with_source_warning(warning);
    let queries = app.layout().queries.len();
    let (tx, mut rx) = mpsc::channel(1024);
    let _commands = poller::spawn(
        client,
        PollerConfig {
            queries: app.layout().queries.clone(),
            refresh: Duration::from_secs(1),
            concurrency: 4,
            alertmanager: None,
        },
        tx,
    );
    let mut answered = HashSet::new();
    let deadline = tokio::time::Instant::now() + patience;
    while answered.len() < queries {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("every query answered in time")
            .expect("poller running");
        if let DataEvent::Instant { id, at, .. } = &event {
            answered.insert(*id);
            app.update(Msg::Tick(*at));
        }
        see(&event);
        app.update(Msg::Data(event));
    }
    app
}

pub fn render(app: &App) -> Vec<String> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 45)).unwrap();
    terminal
        .draw(|frame| spheroseg_top::ui::render(frame, app))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect()
        })
        .collect()
}
