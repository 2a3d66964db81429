//! A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback with a temporary
//! store, killed when dropped. A missing binary fails the test; it never skips.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Alertmanager {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// `127.0.0.1:PORT`, as Prometheus' `alerting` config names it.
    pub fn target(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Every silence Alertmanager holds, expired ones included, as its API gives them.
    pub async fn silences(&self) -> Vec<serde_json::Value> {
        let body = reqwest::get(format!("{}/api/v2/silences", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        serde_json::from_str(&body).unwrap()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start_alertmanager() -> Alertmanager {
    let binary = std::env::var("SPHEROSEG_ALERTMANAGER_BIN")
        .unwrap_or_else(|_| "prometheus-alertmanager".into());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: oncall\n  group_by: ['alertname']\n  group_wait: 0s\nreceivers:\n  - name: oncall\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("this test needs Alertmanager ({binary}; .ci/run installs prometheus-alertmanager): {e}"));
    let am = Alertmanager {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http
            .get(format!("{}/-/ready", am.url))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return am;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Alertmanager did not become ready at {}", am.url);
}
