//! A real Prometheus (Debian's `prometheus` from PATH) scraping the in-process simulator,
//! on loopback ports, with temporary storage; stopped and removed when dropped.
//! Used by `demo` and by the integration tests.

use crate::sim::{self, Scenario, SimHandle};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::time::{Instant, sleep};

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(
        "`prometheus` was not found in PATH.\n  Install it (Debian/Ubuntu): sudo apt-get update && sudo apt-get install -y prometheus\n  or point SPHEROSEG_PROMETHEUS_BIN at a prometheus binary."
    )]
    NotInstalled,
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("Prometheus exited during start-up ({status}). Its log ends with:\n{log}")]
    Exited { status: String, log: String },
    #[error("timed out after {secs}s waiting for {what}. Prometheus' log ends with:\n{log}")]
    Timeout {
        what: &'static str,
        secs: u64,
        log: String,
    },
}

#[derive(Clone, Debug)]
pub struct StackOptions {
    pub scenario: Scenario,
    pub scrape_interval: Duration,
    /// Rule files for Prometheus to load.
    pub rule_files: Vec<PathBuf>,
    /// More scrape jobs beside the simulator's: (job name, address).
    pub extra_targets: Vec<(String, SocketAddr)>,
    pub startup_timeout: Duration,
    /// An Alertmanager (`host:port`) for Prometheus to send its alerts to.
    pub alertmanager: Option<String>,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            scenario: Scenario::Normal,
            scrape_interval: Duration::from_secs(1),
            rule_files: Vec::new(),
            extra_targets: Vec::new(),
            startup_timeout: Duration::from_secs(30),
            alertmanager: None,
        }
    }
}

pub struct Stack {
    pub sim: SimHandle,
    prometheus: Child,
    binary: PathBuf,
    port: u16,
    url: String,
    /// Prometheus' config and storage; removed when the stack is dropped.
    dir: tempfile::TempDir,
}

impl Stack {
    pub async fn start(options: StackOptions) -> Result<Stack, StackError> {
        let binary = find_prometheus().ok_or(StackError::NotInstalled)?;
        let sim = sim::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), options.scenario)
            .await
            .map_err(|source| StackError::Io {
                what: "starting the simulator".into(),
                source,
            })?;
        let dir = tempfile::Builder::new()
            .prefix("spheroseg-top-demo-")
            .tempdir()
            .map_err(|source| StackError::Io {
                what: "creating a temporary directory".into(),
                source,
            })?;
        write_config(dir.path(), sim.addr(), &options)?;

        // Another process may take the free port before Prometheus binds it; try again then.
        let log = dir.path().join("prometheus.log");
        let mut attempts = 0;
        loop {
            attempts += 1;
            let port = free_port().map_err(|source| StackError::Io {
                what: "finding a free port".into(),
                source,
            })?;
            let mut prometheus = spawn_prometheus(&binary, dir.path(), port)?;
            let url = format!("http://127.0.0.1:{port}");
            match wait_until_scraping(&mut prometheus, &url, &log, options.startup_timeout).await {
                Ok(()) => {
                    return Ok(Stack {
                        sim,
                        prometheus,
                        binary,
                        port,
                        url,
                        dir,
                    });
                }
                Err(e) => {
                    stop(&mut prometheus);
                    let port_taken = matches!(&e, StackError::Exited { log, .. } if log.contains("address already in use"));
                    if !port_taken || attempts == 3 {
                        return Err(e);
                    }
                }
            }
        }
    }

    pub fn prometheus_url(&self) -> &str {
        &self.url
    }

    /// Kills Prometheus, keeping its storage and port: a server of an HA group that dies.
    pub fn kill_prometheus(&mut self) {
        stop(&mut self.prometheus);
    }

    /// Starts Prometheus again on its port with its storage; returns once it scrapes.
    pub async fn restart_prometheus(&mut self, timeout: Duration) -> Result<(), StackError> {
        stop(&mut self.prometheus);
        self.prometheus = spawn_prometheus(&self.binary, self.dir.path(), self.port)?;
        let log = self.dir.path().join("prometheus.log");
        wait_until_scraping(&mut self.prometheus, &self.url, &log, timeout).await
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        stop(&mut self.prometheus);
    }
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Waits until Prometheus answers and has scraped the simulator successfully.
async fn wait_until_scraping(
    prometheus: &mut Child,
    url: &str,
    log: &Path,
    timeout: Duration,
) -> Result<(), StackError> {
    let deadline = Instant::now() + timeout;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| StackError::Io {
            what: "building an HTTP client".into(),
            source: std::io::Error::other(e),
        })?;
    let query = format!("{url}/api/v1/query?query=up%7Bjob%3D%22spheroseg%22%7D");
    loop {
        if let Ok(Some(status)) = prometheus.try_wait() {
            return Err(StackError::Exited {
                status: status.to_string(),
                log: log_tail(log),
            });
        }
        if let Ok(response) = http.get(&query).send().await
            && let Ok(body) = response.bytes().await
            && let Ok(answer) = crate::prom::api::parse_instant(200, &body)
            && answer.samples.iter().any(|s| s.value == 1.0)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(StackError::Timeout {
                what: "Prometheus to scrape the simulator",
                secs: timeout.as_secs(),
                log: log_tail(log),
            });
        }
        sleep(Duration::from_millis(200)).await;
    }
}

/// `SPHEROSEG_PROMETHEUS_BIN`, else `prometheus` on PATH.
pub fn find_prometheus() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SPHEROSEG_PROMETHEUS_BIN") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("prometheus"))
        .find(|p| p.is_file())
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

fn write_config(dir: &Path, target: SocketAddr, options: &StackOptions) -> Result<(), StackError> {
    let interval = format!("{}ms", options.scrape_interval.as_millis());
    let rules: String = options
        .rule_files
        .iter()
        .map(|f| format!("  - '{}'\n", f.display()))
        .collect();
    let rule_files = if rules.is_empty() {
        String::new()
    } else {
        format!("rule_files:\n{rules}")
    };
    let alerting = match &options.alertmanager {
        Some(alertmanager) => format!(
            "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{alertmanager}']\n"
        ),
        None => String::new(),
    };
    let extra: String = options
        .extra_targets
        .iter()
        .map(|(job, addr)| {
            format!("  - job_name: {job}\n    static_configs:\n      - targets: ['{addr}']\n")
        })
        .collect();
    let config = format!(
        "global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n{rule_files}{alerting}scrape_configs:\n  - job_name: spheroseg\n    honor_labels: true\n    static_configs:\n      - targets: ['{target}']\n{extra}"
    );
    std::fs::write(dir.join("prometheus.yml"), config).map_err(|source| StackError::Io {
        what: "writing prometheus.yml".into(),
        source,
    })
}

fn spawn_prometheus(binary: &Path, dir: &Path, port: u16) -> Result<Child, StackError> {
    let log =
        std::fs::File::create(dir.join("prometheus.log")).map_err(|source| StackError::Io {
            what: "creating prometheus.log".into(),
            source,
        })?;
    let log_err = log.try_clone().map_err(|source| StackError::Io {
        what: "opening prometheus.log".into(),
        source,
    })?;
    let mut command = Command::new(binary);
    // SAFETY: prctl only sets a flag of the child, between fork and exec; it allocates
    // nothing and touches no lock. It makes the kernel kill Prometheus if this process
    // dies without running Stack's Drop (SIGKILL, an abort): no orphan on a shared box.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|source| StackError::Io {
            what: format!("starting {}", binary.display()),
            source,
        })
}
