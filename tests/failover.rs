//! An HA pair of two real Prometheus servers, each scraping its own simulator: the
//! dashboard asks the first; killed, the second answers within two refreshes and the
//! status bar says so; started again, the first is taken back once it has answered for a
//! while. Only one server is asked at a time, so nothing is counted twice.

#![allow(clippy::unwrap_used)]

mod common;

use common::tmux::Tmux;
use common::*;
use spheroseg_top::sim::Scenario;
use std::time::Duration;

/// Query requests a Prometheus has answered (its own counter, which only this test reads).
async fn queries_answered(url: &str) -> f64 {
    let answer = client(url)
        .instant(
            "sum(prometheus_http_requests_total{handler=~\"/api/v1/query|/api/v1/query_range\"})",
            spheroseg_top::clock::unix_now(),
        )
        .await
        .unwrap();
    answer.samples.first().map_or(0.0, |s| s.value)
}

fn profile(dir: &std::path::Path, first: &str, second: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!("[profiles.pair]\nprometheus = [\"{first}\", \"{second}\"]\nrefresh = \"1s\"\n"),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_answers_while_the_first_is_down_and_the_first_comes_back() {
    let (mut first, second) = tokio::join!(stack(Scenario::Normal), stack(Scenario::Normal));
    let (first_url, second_url) = (
        first.prometheus_url().to_string(),
        second.prometheus_url().to_string(),
    );
    let host = |url: &str| url.trim_start_matches("http://").to_string();
    let dir = tempfile::tempdir().unwrap();
    let config = profile(dir.path(), &first_url, &second_url);

    let tmux = Tmux::new("failover");
    tmux.launch(
        &format!(
            "{} --config {} --profile pair",
            env!("CARGO_BIN_EXE_spheroseg-top"),
            config.display()
        ),
        200,
        50,
    );
    let on_first = format!("connected to {} (1 of 2)", host(&first_url));
    tmux.wait_for("the first server answering", Duration::from_secs(20), |s| {
        s.contains(&on_first) && s.contains("updated")
    });
    let before = queries_answered(&second_url).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = queries_answered(&second_url).await - before;
    // The test's own two queries are the only ones the standby sees.
    assert!(
        idle <= 1.0,
        "the standby was asked {idle} queries while the first answered"
    );

    first.kill_prometheus();
    let on_second = format!("connected to {} (standby 2 of 2)", host(&second_url));
    let (_, took) = tmux.wait_for("the standby answering", Duration::from_secs(10), |s| {
        s.contains(&on_second)
    });
    assert!(
        took <= Duration::from_secs(3),
        "the standby took {took:?}: more than two refreshes"
    );
    // Its answers fill the screen: the freshness clock runs on.
    tmux.wait_for("fresh data from the standby", Duration::from_secs(5), |s| {
        s.contains(&on_second) && (s.contains("updated 0s ago") || s.contains("updated 1s ago"))
    });

    first
        .restart_prometheus(Duration::from_secs(30))
        .await
        .unwrap();
    // Ten refreshes of answers, checked every 5 s: back within about 20 s, not at once.
    let (_, took) = tmux.wait_for(
        "the first server taken back",
        Duration::from_secs(40),
        |s| s.contains(&on_first),
    );
    assert!(
        took >= Duration::from_secs(9),
        "the first was taken back after {took:?}: before it had answered for a while"
    );
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("quitting");
}

#[test]
fn a_broken_group_is_refused_with_where_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("prometheus = []", "an empty list"),
        (
            "prometheus = [\"http://127.0.0.1:1\", \"http://127.0.0.1:1/\"]",
            "listed twice",
        ),
        (
            "prometheus = [\"http://127.0.0.1:1\", \"http://127.0.0.1:2\", \"http://127.0.0.1:3\", \"http://127.0.0.1:4\", \"http://127.0.0.1:5\", \"http://127.0.0.1:6\", \"http://127.0.0.1:7\", \"http://127.0.0.1:8\", \"http://127.0.0.1:9\"]",
            "at most 8",
        ),
        ("prometheus = [1, 2]", "prometheus"),
    ];
    for (line, why) in cases {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, format!("[profiles.pair]\n{line}\n")).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
            .args(["--profile", "pair", "--config"])
            .arg(&path)
            .arg("check")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{line}: {stderr}");
        assert!(
            stderr.contains(why) && stderr.contains("config.toml:2:"),
            "{line}: {stderr}"
        );
    }
}

#[test]
fn check_lists_every_server_of_the_group_with_its_password_masked() {
    let dir = tempfile::tempdir().unwrap();
    let config = profile(
        dir.path(),
        "http://ops:s3cret@127.0.0.1:9",
        "http://127.0.0.1:10",
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(["--profile", "pair", "--config"])
        .arg(&config)
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout.contains("connection http://127.0.0.1:9: ok")
            && stdout.contains("connection http://127.0.0.1:10: ok")
            && !stdout.contains("s3cret"),
        "{stdout}"
    );
}
