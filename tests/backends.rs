//! Several Prometheus side by side: two real servers, each scraping its own simulator (one
//! in the incident, one normal). Every KPI row shows both backends' values, each judged
//! alone; one backend lost never blanks the other; bad backend flags stop the start.

#![allow(clippy::unwrap_used)]

mod common;

use common::tmux::Tmux;
use common::*;
use spheroseg_top::sim::Scenario;
use std::time::Duration;

fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|line| line.contains(name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_backends_show_side_by_side_each_judged_alone() {
    let (mut eu, us) = tokio::join!(stack(Scenario::Incident), stack(Scenario::Normal));
    for (width, height) in [(200, 60), (80, 24)] {
        let tmux = Tmux::new(&format!("backends{width}"));
        tmux.launch(
            &format!(
                "{} --prometheus eu={} --prometheus us={} --refresh 1s",
                env!("CARGO_BIN_EXE_spheroseg-top"),
                eu.prometheus_url(),
                us.prometheus_url()
            ),
            width,
            height,
        );
        tmux.wait_for("both backends connected", Duration::from_secs(20), |s| {
            s.contains("eu ●") && s.contains("us ●")
        });
        // The Overview's replication lag ("Lag"): the incident's backend at ALERT (its
        // glyph, and named in the status), the other one's value beside it; at 80x24 the
        // KPI's name gives way, both values stay.
        let alerting = |line: &str| {
            let (eu_at, us_at) = (line.find("eu "), line.find("us "));
            eu_at
                .zip(us_at)
                .is_some_and(|(eu, us)| eu < us && line[eu..us].contains('◆'))
        };
        let (screen, _) =
            tmux.wait_for("the lag judged per backend", Duration::from_secs(30), |s| {
                s.lines().any(alerting)
            });
        if width == 200 {
            let line = row(&screen, "Lag").unwrap();
            let lag = &line[line.find("Lag").unwrap()..];
            assert!(lag.contains("ALERT eu") && alerting(lag), "{line}");
        }
        if width == 200 {
            // The first backend down: the other's values keep updating.
            eu.kill_prometheus();
            tmux.wait_for("eu lost, us still fresh", Duration::from_secs(15), |s| {
                s.contains("eu ✖") && s.contains("us ●")
            });
            eu.restart_prometheus(Duration::from_secs(30))
                .await
                .unwrap();
        }
        tmux.keys(&["q"]);
        tmux.wait_for_clean_exit("quitting");
    }
}

#[test]
fn bad_backends_stop_the_start_with_why() {
    let bin = env!("CARGO_BIN_EXE_spheroseg-top");
    for (args, why) in [
        (
            vec![
                "--prometheus",
                "eu=http://127.0.0.1:1",
                "--prometheus",
                "eu=http://127.0.0.1:2",
            ],
            "two backends are named \"eu\"",
        ),
        (
            vec![
                "--prometheus",
                "eu=http://127.0.0.1:1",
                "--prometheus",
                "http://127.0.0.1:2",
            ],
            "several servers need a name each",
        ),
        (
            vec![
                "--prometheus",
                "a b=http://127.0.0.1:1",
                "--prometheus",
                "c=http://127.0.0.1:2",
            ],
            "cannot name a backend",
        ),
    ] {
        let out = std::process::Command::new(bin)
            .args(&args)
            .arg("check")
            .env_remove("SPHEROSEG_PROMETHEUS_URL")
            .env_remove("SPHEROSEG_PROFILE")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(why), "{args:?}: {stderr}");
    }
}

#[test]
fn profiles_open_as_backends_one_by_one_or_as_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.eu]\nprometheus = \"http://127.0.0.1:19090\"\n\
         [profiles.us]\nprometheus = \"http://127.0.0.1:19091\"\n\
         [profiles.all]\nbackends = [\"eu\", \"us\"]\n",
    )
    .unwrap();
    let check = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .arg("check")
            .env_remove("SPHEROSEG_PROMETHEUS_URL")
            .env_remove("SPHEROSEG_PROFILE")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    for args in [
        &["--profile", "eu", "--profile", "us"][..],
        &["--profile", "all"],
    ] {
        let (code, text) = check(args);
        assert_eq!(code, Some(0), "{args:?}: {text}");
        assert!(
            text.contains("backend eu: connection http://127.0.0.1:19090")
                && text.contains("backend us: connection http://127.0.0.1:19091"),
            "{args:?}: {text}"
        );
    }
    let (code, text) = check(&["--profile", "eu", "--profile", "eu"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("two backends are named \"eu\""), "{text}");
    let (code, text) = check(&["--profile", "eu", "--profile", "mars"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("no profile named \"mars\""), "{text}");
    let (code, text) = check(&[
        "--profile",
        "eu",
        "--profile",
        "us",
        "--prometheus",
        "x=http://127.0.0.1:1",
    ]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("give the servers one way"), "{text}");
}
