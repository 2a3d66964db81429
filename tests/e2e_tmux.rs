//! The real binary in a real terminal (tmux), against a real Prometheus scraping the
//! simulator, driven by keys like a user would.

#![allow(clippy::unwrap_used)]

mod common;

use common::tmux::Tmux;
use common::*;
use spheroseg_top::sim::Scenario;
use std::process::Command;
use std::time::{Duration, Instant};

const KPI_ROWS: &[&str] = &[
    "API response time (p95)",
    "Error rate",
    "WebSocket connections",
    "Memory usage",
    "Query time (p95)",
    "Connection pool usage",
    "Replication lag",
    "Queue size",
    "Processing time (p95)",
    "Instance CPU usage",
];

/// A KPI row is filled when the text after its name holds a digit and an OK/WARN/ALERT.
fn kpi_row_filled(screen: &str, name: &str) -> bool {
    screen.lines().any(|line| {
        // Panel borders: plain, thick (alert) and double (focus); ▸ marks the selected row.
        line.split(['│', '┃', '║']).any(|cell| {
            cell.trim_start().trim_start_matches('▸').starts_with(name)
                && cell[cell.find(name).map_or(0, |i| i + name.len())..]
                    .chars()
                    .any(|c| c.is_ascii_digit())
                && ["OK", "WARN", "ALERT"].iter().any(|s| cell.contains(s))
        })
    })
}

/// A real Prometheus over the simulator's incident, loading `rules`.
async fn incident_with_rules(rules: std::path::PathBuf) -> spheroseg_top::demo::Stack {
    spheroseg_top::demo::Stack::start(spheroseg_top::demo::StackOptions {
        scenario: Scenario::Incident,
        rule_files: vec![rules],
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("this test needs a real Prometheus and could not start one:\n{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_fills_every_kpi_row_and_keys_drive_the_dashboard() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(
        &url,
        "sum(rate(http_request_duration_seconds_count[5m])) > 0",
        Duration::from_secs(20),
    )
    .await;

    let tmux = Tmux::new("overview");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let command = format!("{binary} --prometheus {url} --refresh 1s");
    tmux.launch(&command, 200, 50);

    let (overview, took) = tmux.wait_for(
        "every KPI row to show a number",
        Duration::from_secs(20),
        |s| KPI_ROWS.iter().all(|row| kpi_row_filled(s, row)),
    );
    eprintln!(
        "time to a full Overview (from launch, incl. terminal start-up): {} ms",
        took.as_millis()
    );
    assert!(
        overview.contains("● connected"),
        "status bar says connected:\n{overview}"
    );
    assert!(
        overview.contains(&url),
        "status bar names Prometheus:\n{overview}"
    );

    // Each key, and what the screen must show after it.
    let steps: &[(&str, &str, &[&str])] = &[
        (
            "5",
            "the Database tab",
            &["Read/write split", "Pool connections by state"],
        ),
        ("Tab", "the ML tab", &["Load distribution across instances"]),
        (
            "?",
            "the help overlay",
            &[" Keys ", "pause / resume polling"],
        ),
        (
            "Escape",
            "help closed",
            &["Load distribution across instances"],
        ),
        // The pane and the connection's record: the only one a healthy run logs.
        (
            "L",
            "the log pane",
            &[" Log ", " I connected to http://127.0.0.1:"],
        ),
        ("p", "the paused badge", &["PAUSED"]),
    ];
    for (key, what, needles) in steps {
        tmux.keys(&[key]);
        tmux.wait_for(what, Duration::from_secs(5), |s| {
            needles.iter().all(|n| s.contains(n))
        });
    }

    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");
}

/// A Prometheus URL nobody answers on (a port just free).
fn nobody_listens() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_an_unreachable_prometheus_leave_a_clean_terminal() {
    // The UI must open anyway and say so.
    let unreachable = nobody_listens();
    let tmux = Tmux::new("unreachable");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let command = format!("{binary} --prometheus {unreachable} --refresh 1s");
    tmux.launch(&command, 160, 40);
    tmux.wait_for("the unreachable state", Duration::from_secs(10), |s| {
        s.contains("unreachable") && s.contains("retry in")
    });

    let pid = tmux.dashboard_pid();
    let status = Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .unwrap();
    assert!(status.success());
    tmux.wait_for_clean_exit("the dashboard to exit on SIGTERM");
    // The alternate screen was left: the dashboard's frame is gone from the pane.
    let screen = tmux.screen();
    assert!(
        !screen.contains("SpherosegV4"),
        "terminal restored:\n{screen}"
    );
}

#[test]
fn keys_rebound_in_the_config_file_drive_the_binary_and_the_old_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\nquit = [\"x\"]\nlog = [\"f2\"]\n").unwrap();
    // Nothing listens there: the keys are what is tried, not the data.
    let unreachable = nobody_listens();
    let tmux = Tmux::new("rebound");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let command = format!(
        "{binary} --config {} --prometheus {unreachable}",
        config.display()
    );
    tmux.launch(&command, 160, 40);
    tmux.wait_for("the dashboard", Duration::from_secs(10), |s| {
        s.contains("unreachable")
    });
    // q quits no more: the F2 after it is still read, and opens the log pane.
    tmux.keys(&["q", "F2"]);
    tmux.wait_for("F2 to open the log pane", Duration::from_secs(5), |s| {
        s.contains(" Log ")
    });
    // L no longer toggles it: L then F2 closes the pane (were L still bound, it would stay).
    tmux.keys(&["L", "F2"]);
    tmux.wait_for("F2 to close the log pane", Duration::from_secs(5), |s| {
        !s.contains(" Log ")
    });
    // Help lists the keys in force.
    tmux.keys(&["?"]);
    let line_of = |screen: &str, what: &str| {
        let line = screen.lines().find(|l| l.contains(what));
        line.unwrap_or_default().to_string()
    };
    tmux.wait_for("help with the rebound keys", Duration::from_secs(5), |s| {
        line_of(s, "show / hide the log pane").contains("F2") && line_of(s, "quit").contains(" x ")
    });
    tmux.keys(&["Escape", "x"]);
    tmux.wait_for_clean_exit("x to quit");
}

#[test]
fn a_replay_takes_the_config_files_keys_too() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\nquit = [\"x\"]\nlog = [\"f2\"]\n").unwrap();
    let recording = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/incident.rec");
    let tmux = Tmux::new("rebound-replay");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let command = format!("{binary} --config {} replay {recording}", config.display());
    tmux.launch(&command, 160, 40);
    tmux.wait_for("the replay", Duration::from_secs(10), |s| {
        s.contains("▶ 1×")
    });
    tmux.keys(&["q", "F2"]);
    tmux.wait_for("F2 to open the log pane", Duration::from_secs(5), |s| {
        s.contains(" Log ")
    });
    tmux.keys(&["x"]);
    tmux.wait_for_clean_exit("x to quit the replay");
}

/// The process state letter from /proc (`T` when stopped).
fn process_state(pid: &str) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the command name, which is in parentheses.
    stat.rsplit_once(") ")?.1.chars().next()
}

fn signal(pid: &str, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), pid])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_hands_the_terminal_back_and_continuing_redraws() {
    let unreachable = nobody_listens();
    let tmux = Tmux::new("suspend");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    tmux.launch(
        &format!("{binary} --prometheus {unreachable} --refresh 1s"),
        120,
        30,
    );
    let drawn = |s: &str| s.contains("SpherosegV4") && s.contains("unreachable");
    tmux.wait_for("the dashboard", Duration::from_secs(10), drawn);
    let pid = tmux.dashboard_pid();

    // Ctrl-Z as a key (raw mode turns it into a key, not a signal), then SIGTSTP as a signal.
    for (how, stop) in [("Ctrl-Z", None), ("SIGTSTP", Some("TSTP"))] {
        match stop {
            Some(name) => signal(&pid, name),
            None => tmux.keys(&["C-z"]),
        }
        tmux.wait_for(
            &format!("{how} to leave the screen"),
            Duration::from_secs(10),
            |s| !s.contains("SpherosegV4") && process_state(&pid) == Some('T'),
        );
        signal(&pid, "CONT");
        tmux.wait_for(
            &format!("a redraw after {how}"),
            Duration::from_secs(10),
            drawn,
        );
    }
    // A signal whose default would kill the process with the terminal raw ends it cleanly.
    signal(&pid, "USR1");
    tmux.wait_for_clean_exit("the dashboard to exit on SIGUSR1");
    let screen = tmux.screen();
    assert!(
        !screen.contains("SpherosegV4"),
        "terminal restored:\n{screen}"
    );
}

/// The KPI row marked as selected (▸), if any.
fn selected_kpi(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains('▸'))?;
    let after = line.split('▸').nth(1)?;
    Some(after.split("  ").next().unwrap_or_default().to_string())
}

/// Where the keyboard is: the focused panel's title and its selected KPI row.
fn focus_of(screen: &str) -> (Option<String>, Option<String>) {
    let panel = screen
        .split("▶ ")
        .nth(1)
        .map(|rest| rest.split(' ').take(3).collect::<Vec<_>>().join(" "));
    (panel, selected_kpi(screen))
}

/// The first series-table row under the header of a drill view.
fn first_series_row(screen: &str) -> Option<&str> {
    let mut lines = screen.lines();
    lines.find(|l| l.contains("Series") && l.contains("Beyond alert"))?;
    lines.next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_drill_from_a_red_kpi_to_the_lagging_replica_and_back() {
    let stack = stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    wait_for(
        &url,
        "count_over_time(db_replication_lag_seconds{replica=\"replica-2\"}[1m]) > 12",
        Duration::from_secs(40),
    )
    .await;

    let tmux = Tmux::new("drill");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    tmux.launch(
        &format!("{binary} --prometheus {url} --refresh 1s"),
        200,
        50,
    );
    tmux.wait_for("the lag row in alert", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.contains("Replication lag") && l.contains("ALERT"))
    });

    // → focuses "Database performance" on its worst row; the pool may tie with the lag.
    tmux.keys(&["Right"]);
    let (mut screen, _) = tmux.wait_for("focus", Duration::from_secs(5), |s| {
        s.contains("▶ Database performance")
    });
    for _ in 0..3 {
        if screen.contains("▸Replication lag") {
            break;
        }
        let before = selected_kpi(&screen);
        tmux.keys(&["Down"]);
        // The next check must see the key's effect, not the frame before it.
        (screen, _) = tmux.wait_for("the next KPI row", Duration::from_secs(5), |s| {
            s.contains("▶ Database performance")
                && selected_kpi(s).is_some()
                && selected_kpi(s) != before
        });
    }
    tmux.keys(&["Enter"]);
    let (screen, _) = tmux.wait_for("the lag drill view", Duration::from_secs(10), |s| {
        s.contains("Overview › Replication lag")
            && first_series_row(s).is_some_and(|r| r.contains("replica-2"))
    });
    let row = first_series_row(&screen).unwrap();
    assert!(
        row.contains("ALERT"),
        "the lagging replica first, in alert: {row}"
    );

    // Each key, and what the screen must show after it.
    let steps: &[(&str, &str, &[&str])] = &[
        ("-", "a 3h range", &["3h · live"]),
        ("[", "a range pinned in the past", &["3h · ending"]),
        ("0", "live again", &["3h · live"]),
        ("c", "the inspect cursor", &["cursor ", "at "]),
        (
            "Escape",
            "the cursor closed",
            &["Overview › Replication lag"],
        ),
        (
            "Enter",
            "the per-replica view",
            &[
                "› replica-2",
                "Connection pool utilisation",
                "Read/write split",
            ],
        ),
        (
            "Escape",
            "back to the lag chart",
            &["Overview › Replication lag  "],
        ),
        (
            "Escape",
            "back to the Overview",
            &["▶ Database performance", "▸Replication lag"],
        ),
    ];
    for (key, what, needles) in steps {
        tmux.keys(&[key]);
        tmux.wait_for(what, Duration::from_secs(10), |s| {
            needles.iter().all(|n| s.contains(n))
        });
    }
    assert!(!tmux.screen().contains("cursor "), "Esc closed the cursor");

    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alerts_tab_shows_what_pages_during_the_incident() {
    let rules = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules/spheroseg-fast.yml");
    let stack = incident_with_rules(rules).await;
    let url = stack.prometheus_url().to_string();

    let tmux = Tmux::new("alerts");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    tmux.launch(
        &format!("{binary} --prometheus {url} --refresh 1s"),
        200,
        50,
    );
    tmux.keys(&["8"]);
    let names = [
        "HighAPIResponseTime",
        "DatabaseReplicationLag",
        "MLQueueBacklog",
    ];
    let (screen, _) = tmux.wait_for("the three alerts firing", Duration::from_secs(40), |s| {
        names
            .iter()
            .all(|n| s.lines().any(|l| l.contains(n) && l.contains("FIRING")))
            && s.contains("critical firing")
    });
    let first = screen
        .lines()
        .find(|l| l.contains("FIRING"))
        .unwrap_or_default();
    assert!(
        first.contains("DatabaseReplicationLag"),
        "critical first: {first}"
    );
    assert!(
        screen.contains("8 Alerts ◆"),
        "the tab title carries the alert:\n{screen}"
    );

    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the alert's expression charted",
        Duration::from_secs(10),
        |s| s.contains("Alerts › DatabaseReplicationLag") && s.contains("alert 5.00"),
    );
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");
}

/// Without Prometheus, `demo` replays the bundled incident; the replay is driven by keys.
#[test]
fn demo_without_prometheus_replays_the_bundled_incident() {
    let tmux = Tmux::new("replay");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    tmux.launch(
        &format!("env -u SPHEROSEG_PROMETHEUS_BIN PATH=/nonexistent {binary} demo"),
        200,
        50,
    );
    let (screen, _) = tmux.wait_for(
        "the replay with its KPI rows",
        Duration::from_secs(20),
        |s| s.contains("▶ 1×") && KPI_ROWS.iter().all(|row| kpi_row_filled(s, row)),
    );
    assert!(
        screen.contains("▼"),
        "the recording's markers are on the timeline:\n{screen}"
    );
    let clock = |s: &str| {
        let bar = s.lines().last().unwrap_or_default();
        bar.split_whitespace()
            .nth(2)
            .unwrap_or_default()
            .to_string()
    };

    // Each key, and what the screen must show after it.
    let steps: &[(&str, &str, &[&str])] = &[
        (">", "2× speed", &["▶ 2×"]),
        ("Space", "paused", &["⏸ 2×"]),
        ("n", "the next marker or alert transition", &["⏸ 2×"]),
        ("5", "the Database tab, replayed", &["Read/write split"]),
    ];
    for (key, what, needles) in steps {
        tmux.keys(&[key]);
        tmux.wait_for(what, Duration::from_secs(10), |s| {
            needles.iter().all(|n| s.contains(n))
        });
    }
    // Down walks the KPI table's rows, then reaches the lag chart below it. Each step waits
    // for a whole Database frame with the focus moved, so no key races ahead of the screen.
    let database = |s: &str| s.contains("Read/write split") && s.contains("▶ ");
    let (mut screen, _) = tmux.wait_for("the Database tab focused", Duration::from_secs(5), |s| {
        database(s) && s.contains("▶ Database performance")
    });
    for _ in 0..5 {
        if screen.contains("▶ Replication lag") {
            break;
        }
        let before = focus_of(&screen);
        tmux.keys(&["Down"]);
        // A capture taken mid-frame may miss the KPI selection and look moved: the focus
        // counts as moved only when a second capture, a moment later, agrees (under load
        // a half-drawn frame once sent one Down too many, and Enter drilled the panel below).
        loop {
            (screen, _) = tmux.wait_for("focus to move", Duration::from_secs(5), |s| {
                database(s) && focus_of(s) != before
            });
            std::thread::sleep(Duration::from_millis(200));
            if focus_of(&tmux.screen()) == focus_of(&screen) {
                break;
            }
        }
    }
    assert!(
        screen.contains("▶ Replication lag"),
        "focus on the lag chart:\n{screen}"
    );
    let before = clock(&tmux.screen());
    tmux.keys(&["g"]);
    tmux.wait_for("the go-to prompt", Duration::from_secs(5), |s| {
        s.contains(" Go to ")
    });
    tmux.run(&["send-keys", "-t", "dash", "-l", "--", "+1m"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("a minute later", Duration::from_secs(10), |s| {
        !s.contains(" Go to ") && clock(s) != before
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the drill view from recorded data",
        Duration::from_secs(10),
        |s| s.contains("Database › Replication lag") && s.contains("replica-2"),
    );
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the replay to exit");
}

/// The line of the alert list the keyboard selected (its state cell starts with `▸`).
fn selected_alert_line(screen: &str) -> Option<&str> {
    screen
        .lines()
        .find(|l| l.contains("▸FIRING") || l.contains("▸PENDING"))
}

/// Presses `j` until the selected line of the alert list holds `text`.
fn select_alert_line(tmux: &Tmux, text: &str) {
    for _ in 0..12 {
        let (screen, _) = tmux.wait_for("a selected alert line", Duration::from_secs(10), |s| {
            selected_alert_line(s).is_some()
        });
        if selected_alert_line(&screen).is_some_and(|l| l.contains(text)) {
            return;
        }
        tmux.keys(&["j"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("never selected `{text}`:\n{}", tmux.screen());
}

/// Alertmanager's silences for `HighAPIResponseTime`.
async fn api_silences(am: &common::alertmanager::Alertmanager) -> Vec<serde_json::Value> {
    am.silences()
        .await
        .into_iter()
        .filter(|s| {
            s["matchers"].as_array().is_some_and(|ms| {
                ms.iter()
                    .any(|m| m["name"] == "alertname" && m["value"] == "HighAPIResponseTime")
            })
        })
        .collect()
}

/// The guide's incident, Prometheus sending to a real Alertmanager; the real binary driven
/// by keys: the fan-out group opens and closes, `/` filters, and silences are made and
/// expired only with `--allow-silences`, as Alertmanager's own API shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_groups_the_filter_and_silences_by_keys() {
    let am = common::alertmanager::start_alertmanager().await;
    let rules = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules/spheroseg-fast.yml");
    let stack = spheroseg_top::demo::Stack::start(spheroseg_top::demo::StackOptions {
        scenario: Scenario::Incident,
        rule_files: vec![rules],
        alertmanager: Some(am.target().to_string()),
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("this test needs a real Prometheus and could not start one:\n{e}"));
    let url = stack.prometheus_url().to_string();
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let command = format!(
        "{binary} --prometheus {url} --alertmanager {} --refresh 1s",
        am.url
    );
    let group_line = |s: &str| s.contains("▶ HighAPIResponseTime ×");

    // Without --allow-silences, `s` says how to enable them and sends nothing.
    let tmux = Tmux::new("silences-off");
    tmux.launch(&command, 200, 60);
    tmux.keys(&["8"]);
    tmux.wait_for(
        "the fan-out as one group line",
        Duration::from_secs(60),
        group_line,
    );
    select_alert_line(&tmux, "HighAPIResponseTime ×");
    tmux.keys(&["s"]);
    tmux.wait_for("how to enable silences", Duration::from_secs(10), |s| {
        s.contains("--allow-silences")
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(am.silences().await.is_empty(), "nothing was sent");
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");
    drop(tmux);

    let tmux = Tmux::new("silences");
    tmux.launch(&format!("{command} --allow-silences"), 200, 60);
    tmux.keys(&["8"]);
    tmux.wait_for(
        "the fan-out as one group line",
        Duration::from_secs(60),
        group_line,
    );

    // → opens the group, ← closes it.
    select_alert_line(&tmux, "HighAPIResponseTime ×");
    tmux.keys(&["Right"]);
    let (open, _) = tmux.wait_for("the group open", Duration::from_secs(10), |s| {
        s.contains("▼ HighAPIResponseTime ×")
    });
    let members = open
        .lines()
        .filter(|l| l.contains("  HighAPIResponseTime ") && l.contains("route="))
        .count();
    assert!(members > 3, "its members are listed:\n{open}");
    tmux.keys(&["Left"]);
    tmux.wait_for("the group closed", Duration::from_secs(10), group_line);

    // `/` filters alerts and rules; the title says so; Esc clears it.
    tmux.keys(&["/"]);
    tmux.wait_for("the filter prompt", Duration::from_secs(10), |s| {
        s.contains("Filter alerts and rules")
    });
    tmux.keys(&["-l", "severity=critical"]);
    tmux.keys(&["Enter"]);
    let (filtered, _) = tmux.wait_for("the filter applied", Duration::from_secs(10), |s| {
        // Only Alertmanager's own groups (not filtered) still name it.
        s.contains("/severity=critical")
            && s.lines()
                .flat_map(|l| l.split(['│', '┃', '║']))
                .filter(|cell| cell.contains("HighAPIResponseTime"))
                .all(|cell| cell.contains("alertname=HighAPIResponseTime"))
    });
    assert!(
        filtered.contains("DatabaseReplicationLag"),
        "the critical alert stays:\n{filtered}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", Duration::from_secs(10), |s| {
        group_line(s) && !s.contains("/severity=critical")
    });

    // `s` on the group: the comment first, Enter silences its shared labels.
    select_alert_line(&tmux, "HighAPIResponseTime ×");
    tmux.keys(&["s"]);
    tmux.wait_for("the silence form", Duration::from_secs(10), |s| {
        s.contains("Silence in Alertmanager") && s.contains("alertname=\"HighAPIResponseTime\"")
    });
    tmux.keys(&["-l", "deploy in progress"]);
    tmux.keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let silence = loop {
        if let Some(s) = api_silences(&am).await.into_iter().next() {
            break s;
        }
        assert!(Instant::now() < deadline, "no silence in Alertmanager");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(silence["comment"], "deploy in progress");
    assert_eq!(silence["status"]["state"], "active");
    assert!(silence["createdBy"].as_str().unwrap().contains('@'));
    let matchers = silence["matchers"].as_array().unwrap();
    let has = |name: &str, value: &str| {
        matchers.iter().any(|m| {
            m["name"] == name
                && m["value"] == value
                && m["isEqual"] == true
                && m["isRegex"] == false
        })
    };
    assert!(
        has("alertname", "HighAPIResponseTime") && has("severity", "warning"),
        "{silence}"
    );
    assert!(
        !matchers.iter().any(|m| m["name"] == "route"),
        "only the shared labels: {silence}"
    );
    tmux.wait_for("the group marked silenced", Duration::from_secs(40), |s| {
        s.lines()
            .any(|l| l.contains("HighAPIResponseTime ×") && l.contains("silenced"))
    });

    // `S` on the silence in the Alertmanager panel, then y: expired.
    for _ in 0..12 {
        tmux.keys(&["j"]);
    }
    tmux.wait_for("the rules panel focused", Duration::from_secs(10), |s| {
        s.contains("▶ Rules")
    });
    tmux.keys(&["l"]);
    tmux.wait_for("the silence selected", Duration::from_secs(10), |s| {
        s.contains("▶ Alertmanager") && s.contains("▸active")
    });
    tmux.keys(&["S"]);
    tmux.wait_for("the question", Duration::from_secs(10), |s| {
        s.contains("Expire it now? y / N")
    });
    tmux.keys(&["y"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let silences = api_silences(&am).await;
        if silences.iter().all(|s| s["status"]["state"] == "expired") {
            break;
        }
        assert!(Instant::now() < deadline, "not expired: {silences:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Alertmanager gone: the form says so and keeps what was typed.
    drop(am);
    tmux.keys(&["k"]);
    tmux.wait_for("the alert list focused", Duration::from_secs(10), |s| {
        s.contains("▶ Active alerts")
    });
    select_alert_line(&tmux, "HighAPIResponseTime ×");
    tmux.keys(&["s"]);
    tmux.keys(&["-l", "still here"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the refusal in the form", Duration::from_secs(30), |s| {
        s.contains("Silence in Alertmanager")
            && s.contains("⚠ unreachable")
            && s.contains("still here")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the form closed", Duration::from_secs(10), |s| {
        !s.contains("Silence in Alertmanager")
    });
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");
}

/// Template variables as a user meets them: `--var` sets the start, `v` opens the picker,
/// typing filters, Space ticks, Enter applies; the choice is recorded and a replay of the
/// recording shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_variables_picker_changes_the_choice_and_a_replay_shows_it() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, "db_replication_lag_seconds", Duration::from_secs(20)).await;
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("variables.rec");
    let layout = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/variables.toml");

    let tmux = Tmux::new("variables");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let command = format!(
        "{binary} --prometheus {url} --refresh 1s --scrape-interval 1s --layout {layout} --var replica=replica-2 --record {}",
        recording.display()
    );
    tmux.launch(&command, 160, 40);
    tmux.wait_for("the variables line", Duration::from_secs(20), |s| {
        s.contains("job=spheroseg")
            && s.contains("replica=replica-2")
            && s.contains("Lag of replica-2")
    });

    // v, the variables; "rep" leaves one; Enter lists its values, fetched live.
    tmux.keys(&["v"]);
    tmux.wait_for("the picker", Duration::from_secs(5), |s| {
        s.contains(" Variables ")
    });
    tmux.keys(&["r", "e", "p", "Enter"]);
    tmux.wait_for("the replicas", Duration::from_secs(10), |s| {
        s.contains("[ ] All") && s.contains("[x] replica-2") && s.contains("[ ] replica-1")
    });
    // Down to replica-1, tick it, apply.
    tmux.keys(&["Down", "Space"]);
    tmux.wait_for("replica-1 ticked", Duration::from_secs(5), |s| {
        s.contains("[x] replica-1")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the new choice", Duration::from_secs(10), |s| {
        s.contains("replica=replica-2+replica-1")
            && s.contains("Lag of replica-2 + replica-1")
            && !s.contains("[x]")
    });
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");

    // The replay shows the recorded choice, and v says it cannot be changed there.
    let replay = Tmux::new("variables-replay");
    replay.launch(
        &format!("{binary} replay {} --speed 8", recording.display()),
        160,
        40,
    );
    replay.wait_for("the replayed choice", Duration::from_secs(30), |s| {
        s.contains("replica=replica-2+replica-1") && s.contains("Lag of replica-2 + replica-1")
    });
    replay.keys(&["v"]);
    replay.wait_for("the replay's notice", Duration::from_secs(5), |s| {
        s.contains("recorded choice")
    });
    // Back to the start, one sample at a time (which pauses): the choice in force there
    // is shown again, however long before the history a seek replays it was made.
    replay.keys(&[",", ",", ",", ","]);
    replay.wait_for("the first choice again", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.trim_end().ends_with("replica=replica-2"))
            && s.contains("Lag of replica-2")
            && !s.contains("replica-2 + replica-1")
    });
    replay.keys(&["q"]);
    replay.wait_for_clean_exit("the replay to exit");
}

/// The Prometheus tab of the real binary: every target with its health, the server's facts
/// and cardinality; a stopped node exporter turns its row DOWN with the error, first; Enter
/// charts the target's `up` and scrape duration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prometheus_tab_shows_a_stopped_exporter_down_and_charts_it() {
    let mut node = NodeExporter::start();
    let stack = spheroseg_top::demo::Stack::start(spheroseg_top::demo::StackOptions {
        extra_targets: vec![("node".to_string(), node.addr)],
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("this test needs a real Prometheus and could not start one:\n{e}"));
    let url = stack.prometheus_url().to_string();
    wait_for(&url, r#"up{job="node"} == 1"#, Duration::from_secs(30)).await;

    let tmux = Tmux::new("prometheus-tab");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    tmux.launch(
        &format!("{binary} --prometheus {url} --refresh 1s"),
        200,
        50,
    );
    tmux.keys(&["9"]);
    let instance = node.addr.to_string();
    tmux.wait_for("both targets up", Duration::from_secs(40), |s| {
        s.lines().any(|l| l.contains(&instance) && l.contains("UP"))
            && s.lines()
                .any(|l| l.contains("spheroseg") && l.contains("UP"))
            && s.contains("head: ")
            && s.contains("scrape interval 1s")
    });

    node.stop();
    let (screen, _) = tmux.wait_for(
        "the stopped exporter down with its error",
        Duration::from_secs(40),
        |s| {
            s.lines().any(|l| {
                l.contains(&instance) && l.contains("DOWN") && l.contains("connection refused")
            })
        },
    );
    let first = screen
        .lines()
        .find(|l| l.contains("UP") || l.contains("DOWN"))
        .unwrap_or_default();
    assert!(first.contains("DOWN"), "down targets first:\n{screen}");

    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the target's up and scrape duration charted",
        Duration::from_secs(20),
        |s| s.contains(&format!("Prometheus › node {instance}")) && s.contains("scrape duration"),
    );
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");
}

/// The SLO tab over a real Prometheus loading `slo rules`' output for short (10-minute)
/// windows, in the incident: the availability row burns, its page fires, the long windows
/// come from the recording rules, and Enter charts the burn rates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slo_tab_shows_the_budget_burning_in_the_incident() {
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let layout = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/slo/short-window.toml");
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("slo.yml");
    let written = Command::new(binary)
        .args(["slo", "rules", "--layout"])
        .arg(&layout)
        .arg("-o")
        .arg(&rules)
        .output()
        .unwrap();
    assert!(written.status.success(), "{written:?}");
    let stack = incident_with_rules(rules).await;
    let url = stack.prometheus_url().to_string();

    let tmux = Tmux::new("slo");
    tmux.launch(
        &format!(
            "{binary} --prometheus {url} --refresh 1s --layout {}",
            layout.display()
        ),
        160,
        40,
    );
    let (screen, _) = tmux.wait_for(
        "the availability SLO paging",
        Duration::from_secs(60),
        |s| {
            s.lines()
                .any(|l| l.contains("API availability") && l.contains("page"))
                && s.contains("read from the recording rules")
                && s.contains("ApiAvailabilityBudgetBurn")
        },
    );
    let row = screen
        .lines()
        .find(|l| l.contains("API availability") && l.contains('%'))
        .unwrap_or_default();
    assert!(row.contains("99%") && row.contains('×'), "the row: {row}");
    assert!(
        screen.contains("1 SLO ◆"),
        "the tab title carries the page:\n{screen}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("the burn rates charted", Duration::from_secs(15), |s| {
        s.contains("API availability · burn rate") && s.contains("5m burn")
    });
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the dashboard to exit");
}

/// The terminal resized under a running dashboard: every frame after fits the new size,
/// with the status bar on the new last line and the panels filling the new width; the
/// size comes from the terminal's resize events, not from asking it every frame.
#[test]
fn a_resized_terminal_is_drawn_whole_at_its_new_size() {
    let tmux = Tmux::new("resize");
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    tmux.launch(
        &format!("env -u SPHEROSEG_PROMETHEUS_BIN PATH=/nonexistent {binary} demo"),
        120,
        40,
    );
    // The replay's status bar (`▶ 1×`) on the last line, the tab bar on the first, and a
    // panel's border in the last column (tmux trims trailing blanks): a whole frame at
    // `width`×`height`.
    let whole = |s: &str, width: usize, height: usize| {
        let lines: Vec<&str> = s.lines().collect();
        lines.len() == height
            && lines.first().is_some_and(|l| l.contains("Overview"))
            && lines.last().is_some_and(|l| l.contains("▶ 1×"))
            && lines[height / 2].chars().count() == width
    };
    tmux.wait_for("the replay at 120x40", Duration::from_secs(20), |s| {
        whole(s, 120, 40)
    });
    for (width, height) in [(80, 24), (200, 60), (100, 30)] {
        let (w, h) = (width.to_string(), height.to_string());
        tmux.run(&["resize-window", "-t", "dash", "-x", &w, "-y", &h]);
        tmux.wait_for(
            &format!("a whole frame at {width}x{height}"),
            Duration::from_secs(10),
            |s| whole(s, width, height),
        );
    }
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("the replay to exit");
}
