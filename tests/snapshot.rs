//! `spheroseg-top snapshot` run as a cron job would: against a real Prometheus scraping the
//! simulator (normal: 0, or 1 when a wandering value brushes a target, as its rows say;
//! incident: exit 2 with the lagging replica named), against a
//! closed port (exit 3) and a server that never answers (exit 3 soon after the query
//! timeout); empty rows carry the reason the dashboard gives (a metric that does not exist, a
//! label value no series has); its JSON checked against docs/snapshot.schema.json. What it
//! could not measure (refused credentials, a failed alert list or query, rows without data)
//! is never OK and is said on the first line, against a real Prometheus with basic auth
//! and a fake one for the faults.

#![allow(clippy::unwrap_used)]

mod common;
mod conn_support;
mod fake_prometheus;

use common::{stack, wait_for};
use fake_prometheus::{Behaviour, FakePrometheus};
use serde_json::Value;
use spheroseg_top::sim::Scenario;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const WARM_UP: &str = "sum(rate(http_request_duration_seconds_count[5m])) > 0";

fn snapshot(url: &str, args: &[&str]) -> Output {
    let config = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(["--prometheus", url, "snapshot"])
        .args(args)
        .env_remove("SPHEROSEG_PROMETHEUS_URL")
        .env_remove("SPHEROSEG_PROFILE")
        // No profile of the machine's user leaks into the test.
        .env("XDG_CONFIG_HOME", config.path())
        .output()
        .unwrap()
}

/// A snapshot of several backends, `--prometheus NAME=URL` each.
fn snapshot_of(backends: &[(&str, &str)], args: &[&str]) -> Output {
    let config = tempfile::tempdir().unwrap();
    let flags: Vec<String> = backends
        .iter()
        .flat_map(|(name, url)| ["--prometheus".to_string(), format!("{name}={url}")])
        .collect();
    Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(&flags)
        .arg("snapshot")
        .args(args)
        .env_remove("SPHEROSEG_PROMETHEUS_URL")
        .env_remove("SPHEROSEG_PROFILE")
        .env("XDG_CONFIG_HOME", config.path())
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    let value: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}\nstderr: {}", stderr(output)));
    let schema: Value = serde_json::from_str(include_str!("../docs/snapshot.schema.json")).unwrap();
    let mut errors = Vec::new();
    schema::validate(&schema, &schema, &value, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "does not match the schema:\n{}",
        errors.join("\n")
    );
    value
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The exit code the rows and firing alerts of a JSON snapshot call for, worked out here
/// independently of the program: a critical page or an SLO's page (ALERT) is 2; no row measured (or, without rows,
/// no alert list) is 3; a warning, a firing alert or anything not measured in full is 1.
fn expected_code(value: &Value) -> i32 {
    let rows = value["rows"].as_array().unwrap();
    let alerts = value["alerts"].as_array().unwrap();
    let slos = value["slos"].as_array().unwrap();
    let any = |status: &str| rows.iter().chain(slos).any(|r| r["status"] == status);
    let unmeasured =
        |r: &&Value| ["ERROR", "NO DATA", "STALE"].contains(&r["status"].as_str().unwrap());
    let alerts_read = value["alerts_error"].is_null();
    let blind = if rows.is_empty() && slos.is_empty() {
        !alerts_read
    } else {
        rows.iter().chain(slos).all(|r| unmeasured(&r))
    };
    let incomplete = rows
        .iter()
        .any(|r| unmeasured(&r) || r["warnings"] != serde_json::json!([]))
        || !alerts_read
        || value["reasons"] != serde_json::json!([]);
    if any("ALERT") || alerts.iter().any(|a| a["severity"] == "critical") {
        2
    } else if blind {
        3
    } else if any("WARN") || !alerts.is_empty() || incomplete {
        1
    } else {
        0
    }
}

fn verdict_word(code: i32) -> &'static str {
    ["OK", "WARNING", "CRITICAL", "UNKNOWN"][usize::try_from(code).unwrap()]
}

fn rows_with<'a>(value: &'a Value, status: &str) -> Vec<&'a Value> {
    value["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == status)
        .collect()
}

/// Side by side: a row per KPI and backend; the incident in one backend is critical; a
/// backend down is named and counts as a warning, unless every backend is down (unknown).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_backends_a_row_each_and_the_worst_exit_code() {
    let (eu, us) = tokio::join!(stack(Scenario::Incident), stack(Scenario::Normal));
    let (eu, us) = (
        eu.prometheus_url().to_string(),
        us.prometheus_url().to_string(),
    );
    tokio::join!(
        wait_for(
            &eu,
            "max(db_replication_lag_seconds) > 5",
            Duration::from_secs(30)
        ),
        wait_for(&us, WARM_UP, Duration::from_secs(20))
    );
    let output = snapshot_of(&[("eu", &eu), ("us", &us)], &["--format", "json"]);
    let value = json(&output);
    assert_eq!(output.status.code(), Some(2), "{value:#}");
    let lags: Vec<&Value> = value["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "Replication lag" && r["kind"] == "kpi")
        .collect();
    let backends: Vec<&str> = lags
        .iter()
        .map(|r| r["backend"].as_str().unwrap())
        .collect();
    assert!(
        backends.contains(&"eu") && backends.contains(&"us"),
        "{lags:?}"
    );
    let status =
        |backend: &str| lags.iter().find(|r| r["backend"] == backend).unwrap()["status"].clone();
    assert_eq!(status("eu"), "ALERT");
    assert_ne!(status("us"), "ALERT");
    // Each SLO is judged in each backend, eu's and us' next to each other.
    let slos: Vec<(&str, &str)> = (value["slos"].as_array().unwrap().iter())
        .map(|s| (s["name"].as_str().unwrap(), s["backend"].as_str().unwrap()))
        .collect();
    assert!(slos.len() >= 2, "{value:#}");
    for pair in slos.chunks(2) {
        assert_eq!(pair[0].0, pair[1].0, "{slos:?}");
        assert_eq!((pair[0].1, pair[1].1), ("eu", "us"), "{slos:?}");
    }

    // us down: named, a warning while eu (normal here: us' simulator) answers.
    let down = "http://127.0.0.1:1";
    let output = snapshot_of(&[("eu", &us), ("us", down)], &["--format", "nagios"]);
    let text = String::from_utf8_lossy(&output.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.contains("us: every query failed"), "{text}");
    assert!(output.status.code() == Some(1), "{text}");
    let output = snapshot_of(&[("eu", down), ("us", "http://127.0.0.1:2")], &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "every backend down: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normal_is_never_critical_and_the_incident_is() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, WARM_UP, Duration::from_secs(20)).await;

    // The simulator wanders: a normal deployment may brush a target (WARN), never an
    // alert threshold. The exit code must be the one the rows and alerts call for.
    let output = snapshot(&url, &["--format", "json"]);
    let value = json(&output);
    let code = output.status.code().unwrap();
    assert_eq!(code, expected_code(&value), "{value:#}");
    assert!(code <= 1, "normal is never critical: {value:#}");
    assert_eq!(value["exit_code"], code);
    assert!(value["rows"].as_array().unwrap().len() > 10);
    let lag = value["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Replication lag")
        .unwrap();
    assert_eq!(lag["unit"], "seconds");
    assert_eq!(lag["target"], 1.0);
    assert_eq!(lag["alert"], 5.0);
    assert!(lag["value"].is_number(), "{lag}");
    assert!(lag["query"].as_str().unwrap().contains("replication_lag"));

    let text = snapshot(&url, &["--tab", "database"]);
    let word = verdict_word(text.status.code().unwrap());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with(&format!("{word} ")), "{text}");
    assert!(text.contains("Replication lag"), "{text}");
    assert!(!text.contains("Overview"), "--tab shows one tab:\n{text}");
    assert!(!text.contains('\x1b'), "no colour into a pipe:\n{text}");

    let nagios = snapshot(&url, &["--format", "nagios"]);
    let word = verdict_word(nagios.status.code().unwrap());
    let line = String::from_utf8(nagios.stdout).unwrap();
    assert!(line.starts_with(&format!("SPHEROSEG {word} - ")), "{line}");
    // One status line; Nagios' long output after it only to say why a row is not measured.
    assert!(
        line.lines().skip(1).all(
            |l| [": no data", ": stale", ": failed, ", ": partial data, "]
                .iter()
                .any(|why| l.contains(why))
        ),
        "{line}"
    );
    assert!(
        line.contains("'Database/Replication lag'=") && line.contains(";~:1;~:5"),
        "perfdata with thresholds: {line}"
    );

    why_empty_rows_say_why(&url);

    stack.sim.set_scenario(Scenario::Incident);
    wait_for(
        &url,
        "max(db_replication_lag_seconds) > 5",
        Duration::from_secs(20),
    )
    .await;
    let output = snapshot(&url, &["--format", "json"]);
    let value = json(&output);
    assert_eq!(output.status.code(), Some(2), "{value:#}");
    assert_eq!(expected_code(&value), 2);
    assert_eq!(value["verdict"], "CRITICAL");
    let alerts = rows_with(&value, "ALERT");
    assert!(
        alerts.iter().any(|r| r["name"] == "Replication lag"
            && r["shown"].as_str().unwrap().contains("replica-2")),
        "the lagging replica is named: {alerts:#?}"
    );
    let nagios = snapshot(&url, &["--format", "nagios"]);
    assert_eq!(nagios.status.code(), Some(2));
    let line = String::from_utf8(nagios.stdout).unwrap();
    assert!(
        line.starts_with("SPHEROSEG CRITICAL - ") && line.contains("Replication lag"),
        "{line}"
    );
}

/// A layout whose rows read nothing, for three reasons the server can tell.
const EMPTY_LAYOUT: &str = r#"
title = "Empty"
[[tab]]
title = "Empty"
[[tab.row]]
[[tab.row.panel]]
title = "Nothing"
kind = "kpi_table"
[[tab.row.panel.kpi]]
name = "Queued"
query = 'sum(ml_tasks_queued_nowhere)'
[[tab.row.panel.kpi]]
name = "Replica 9 lag"
query = 'max(db_replication_lag_seconds{replica="replica-9"})'
[[tab.row.panel.kpi]]
name = "Lag present"
query = 'max(db_replication_lag_seconds)'
"#;

/// Each empty row carries the reason the dashboard shows, in JSON, text and Nagios.
fn why_empty_rows_say_why(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("empty.toml");
    std::fs::write(&layout, EMPTY_LAYOUT).unwrap();
    let layout = layout.to_str().unwrap();

    let value = json(&snapshot(url, &["--layout", layout, "--format", "json"]));
    let row = |name: &str| -> Value {
        value["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    let queued = row("Queued");
    assert_eq!(queued["status"], "NO DATA", "{queued:#}");
    assert_eq!(queued["why_empty"]["kind"], "no_metric", "{queued:#}");
    assert_eq!(
        queued["why_empty"]["text"],
        "metric ml_tasks_queued_nowhere does not exist on this server"
    );
    let replica = row("Replica 9 lag")["why_empty"].clone();
    assert_eq!(replica["kind"], "no_value", "{replica:#}");
    assert_eq!(replica["label"], "replica");
    assert!(replica["values"].as_u64().unwrap() >= 2, "{replica:#}");
    assert!(
        replica["text"]
            .as_str()
            .unwrap()
            .starts_with(r#"no series with replica="replica-9"; replica has "#),
        "{replica:#}"
    );
    assert!(row("Lag present")["why_empty"].is_null());

    let text = String::from_utf8(snapshot(url, &["--layout", layout]).stdout).unwrap();
    assert!(
        text.contains("Why no data")
            && text.contains("Queued: metric ml_tasks_queued_nowhere does not exist"),
        "{text}"
    );
    let nagios = snapshot(url, &["--layout", layout, "--format", "nagios"]);
    let nagios = String::from_utf8(nagios.stdout).unwrap();
    assert!(
        nagios.contains("\nEmpty/Replica 9 lag: no data, no series with replica=\"replica-9\""),
        "{nagios}"
    );
}

/// The template variables' options are asked as the dashboard asks them, in chain order
/// (job, then the replicas of that job, All by default), before the queries go out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_variables_get_their_options_before_the_queries_go_out() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, "db_replication_lag_seconds", Duration::from_secs(20)).await;
    let layout = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/variables.toml");

    let output = snapshot(&url, &["--layout", layout, "--format", "json"]);
    let value = json(&output);
    let rows = value["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{value:#}");
    let lag = &rows[0];
    assert_eq!(lag["tab"], "Job spheroseg", "{value:#}");
    let query = lag["query"].as_str().unwrap();
    assert!(
        query.contains(r#"job="spheroseg""#) && query.contains("replica-1|"),
        "{query}"
    );
    assert!(lag["value"].is_number(), "{value:#}");
    assert_eq!(
        output.status.code(),
        Some(expected_code(&value)),
        "{value:#}"
    );

    let text = snapshot(&url, &["--layout", layout]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Job spheroseg") && !text.contains("NO DATA"),
        "{text}"
    );
    // A choice on the command line is the first of the chain; the rest follow from it.
    let chosen = snapshot(
        &url,
        &[
            "--layout",
            layout,
            "--var",
            "job=spheroseg",
            "--format",
            "json",
        ],
    );
    let chosen = json(&chosen);
    assert!(chosen["rows"][0]["value"].is_number(), "{chosen:#}");
}

#[test]
fn a_closed_port_is_unknown() {
    // Bound, then dropped: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let output = snapshot(&url, &["--format", "json"]);
    let value = json(&output);
    assert_eq!(output.status.code(), Some(3), "{value:#}");
    assert_eq!(value["verdict"], "UNKNOWN");
    assert!(value["alerts_error"].is_string());
    let nagios = snapshot(&url, &["--format", "nagios"]);
    assert_eq!(nagios.status.code(), Some(3));
    let line = String::from_utf8_lossy(&nagios.stdout).into_owned();
    assert!(
        line.starts_with("SPHEROSEG UNKNOWN - every query failed: unreachable: "),
        "{line}"
    );
}

/// The first line of a run's standard output.
fn first_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The three formats of a snapshot: each run's exit code and first line, and the JSON.
fn formats(url: &str, args: &[&str]) -> (Vec<(i32, String)>, Value) {
    let mut lines = Vec::new();
    let mut value = Value::Null;
    for format in ["text", "json", "nagios"] {
        let mut all = args.to_vec();
        all.extend(["--format", format]);
        let output = snapshot(url, &all);
        if format == "json" {
            value = json(&output);
            assert_eq!(value["exit_code"], output.status.code().unwrap());
        }
        lines.push((output.status.code().unwrap(), first_line(&output)));
    }
    (lines, value)
}

/// Every format exits with `code` and says `said` on its first line (JSON: in `reasons`).
fn assert_says(url: &str, args: &[&str], code: i32, said: &str) -> Value {
    let (lines, value) = formats(url, args);
    let word = verdict_word(code);
    let (text, nagios) = (&lines[0], &lines[2]);
    assert!(
        lines.iter().all(|(c, _)| *c == code),
        "exit codes {lines:?}, wanted {code}"
    );
    assert!(
        text.1.starts_with(&format!("{word} ")) && text.1.contains(said),
        "{text:?}"
    );
    assert!(
        nagios.1.starts_with(&format!("SPHEROSEG {word} - ")) && nagios.1.contains(said),
        "{nagios:?}"
    );
    let reasons = value["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().any(|r| r.as_str().unwrap().contains(said)),
        "{value:#}"
    );
    assert_eq!(expected_code(&value), code, "{value:#}");
    value
}

const THREE_ROWS: &str = r#"
title = "Blind"
[[tab]]
title = "Blind"
[[tab.row]]
[[tab.row.panel]]
title = "KPIs"
kind = "kpi_table"
[[tab.row.panel.kpi]]
name = "Good a"
query = 'good_a'
target = 5
alert = 10
[[tab.row.panel.kpi]]
name = "Good b"
query = 'good_b'
target = 5
alert = 10
[[tab.row.panel.kpi]]
name = "Bad c"
query = 'bad_c'
target = 5
alert = 10
"#;

/// A fake Prometheus's faults, one at a time: before, each but the partial failure exited
/// 0 with OK, and none was named on the first line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_could_not_be_measured_is_never_ok_and_is_named_first() {
    let fake = FakePrometheus::start().await;
    let url = fake.url();
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("three.toml");
    std::fs::write(&layout, THREE_ROWS).unwrap();
    let layout = layout.to_str().unwrap().to_string();
    let alerts_ok = r#"{"status":"success","data":{"alerts":[]}}"#;
    let healthy = || {
        for expr in ["good_a", "good_b", "bad_c"] {
            fake.set(expr, Behaviour::Value(1.0));
        }
        fake.set_path(
            "/api/v1/alerts",
            Behaviour::Body("application/json", alerts_ok.into()),
        );
    };
    let run = |args: Vec<String>, code: i32, said: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_says(&url, &args, code, said)
        })
    };
    let args = |more: &[&str]| {
        let mut args = vec!["--layout".to_string(), layout.clone()];
        args.extend(more.iter().map(|a| a.to_string()));
        args
    };

    healthy();
    let (lines, value) = {
        let url = url.clone();
        let args = args(&[]);
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            formats(&url, &args)
        })
        .await
        .unwrap()
    };
    assert!(lines.iter().all(|(c, _)| *c == 0), "{lines:?}");
    assert_eq!(value["reasons"], serde_json::json!([]), "{value:#}");

    fake.set_path("/api/v1/alerts", Behaviour::ServerError(500));
    run(args(&[]), 1, "alerts not read: HTTP 500")
        .await
        .unwrap();

    healthy();
    fake.set("bad_c", Behaviour::ServerError(500));
    run(args(&[]), 1, "partial data: 1 of 3 rows failed: HTTP 500")
        .await
        .unwrap();

    for expr in ["good_a", "good_b", "bad_c"] {
        fake.set(expr, Behaviour::Empty);
    }
    run(args(&[]), 3, "no data: Good a, Good b, Bad c")
        .await
        .unwrap();

    // A slow server: the answers are as of the evaluation, not STALE because the reasons
    // of the empty row came in seconds later (before: "1 NO DATA, 2 STALE", OK, exit 0).
    let slow = Behaviour::Delayed(Duration::from_secs(3), Box::new(Behaviour::Value(1.0)));
    fake.set("good_a", slow.clone());
    fake.set("good_b", slow);
    let value = run(args(&["--refresh", "250ms"]), 1, "no data: Bad c")
        .await
        .unwrap();
    assert!(
        value["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] != "STALE"),
        "{value:#}"
    );

    // A template variable whose options cannot be read: its rows asked for nothing.
    let variables = dir.path().join("variables.toml");
    let text = THREE_ROWS
        .replace(
            "[[tab]]",
            "[[variable]]\nname = \"job\"\nkind = \"query\"\nquery = 'label_values(up, job)'\n[[tab]]",
        )
        .replace("'good_a'", "'good_a{job=\"$job\"}'");
    std::fs::write(&variables, text).unwrap();
    healthy();
    let variables = vec![
        "--layout".to_string(),
        variables.to_str().unwrap().to_string(),
    ];
    run(variables, 1, "$job: options not read: HTTP 404")
        .await
        .unwrap();
}

/// A real Prometheus asking for basic auth: a wrong password is UNKNOWN with "credentials
/// refused" and who on the first line (before: "UNKNOWN … — 3 ERROR"), as is TLS spoken to
/// its plain-HTTP port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_and_tls_say_why_on_the_first_line() {
    let sim = spheroseg_top::sim::spawn(
        std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
        Scenario::Normal,
    )
    .await
    .unwrap();
    let server = conn_support::plain_prometheus(
        sim.addr(),
        Some(&conn_support::basic_auth_config("the right one")),
    );
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "a wrong one\n").unwrap();
    std::fs::set_permissions(
        &password,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let password = password.to_str().unwrap().to_string();
    let url = format!("http://127.0.0.1:{}", server.port);
    let check = |url: String, code: i32, said: &'static str| {
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            // Prometheus may still be starting: a refused connection is not yet the answer.
            let deadline = Instant::now() + Duration::from_secs(30);
            let args = ["--basic-auth", "ops", "--password-file", &password];
            while first_line(&snapshot(&url, &args)).contains("Connection refused") {
                assert!(Instant::now() < deadline, "Prometheus did not start");
                std::thread::sleep(Duration::from_millis(200));
            }
            let value = assert_says(&url, &args, code, said);
            assert!(!value.to_string().contains("wrong one"));
        })
    };
    check(
        url,
        3,
        "every query failed: HTTP 401: credentials refused: basic auth as ops",
    )
    .await
    .unwrap();
    check(
        format!("https://127.0.0.1:{}", server.port),
        3,
        "every query failed: unreachable: ",
    )
    .await
    .unwrap();
}

#[test]
fn a_server_that_never_answers_is_unknown_once_the_query_timeout_passes() {
    // Accepts connections and reads nothing: every request hangs until the deadline.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().flatten() {
            open.push(stream);
        }
    });
    let started = Instant::now();
    let output = snapshot(&url, &["--query-timeout", "1s", "--format", "json"]);
    let took = started.elapsed();
    let value = json(&output);
    assert_eq!(output.status.code(), Some(3), "{value:#}");
    // Generous for a loaded machine: the point is that it ends, not how fast.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    drop(held);
}

#[test]
fn an_unknown_tab_is_refused_with_the_tabs_there_are() {
    let output = snapshot("http://127.0.0.1:1", &["--tab", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr(&output);
    assert!(
        stderr.contains("no tab \"nope\"") && stderr.contains("Database"),
        "{stderr}"
    );
}

/// A JSON Schema check of the keywords docs/snapshot.schema.json uses: type, enum,
/// required, properties, additionalProperties, items, minimum, maximum and local $ref.
/// An unknown keyword fails, so the schema cannot grow past what is checked.
mod schema {
    use serde_json::Value;

    pub fn validate(
        root: &Value,
        schema: &Value,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let Some(schema) = schema.as_object() else {
            errors.push(format!("{at}: schema is not an object"));
            return;
        };
        for (keyword, rule) in schema {
            match keyword.as_str() {
                "$schema" | "$id" | "title" | "description" | "$defs" => {}
                "$ref" => {
                    let path = rule.as_str().unwrap_or_default();
                    let target = path
                        .strip_prefix("#/")
                        .map(|p| p.split('/').fold(root, |v, key| &v[key]));
                    match target {
                        Some(target) if !target.is_null() => {
                            validate(root, target, value, at, errors);
                        }
                        _ => errors.push(format!("{at}: unresolved $ref {path}")),
                    }
                }
                "type" => {
                    let types: Vec<&str> = match rule {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        _ => vec![],
                    };
                    if !types.iter().any(|t| is_type(value, t)) {
                        errors.push(format!("{at}: {value} is not of type {types:?}"));
                    }
                }
                "enum" => {
                    if !rule
                        .as_array()
                        .is_some_and(|options| options.contains(value))
                    {
                        errors.push(format!("{at}: {value} is not one of {rule}"));
                    }
                }
                // As JSON Schema says: `required` constrains objects only.
                "required" if value.is_object() => {
                    for name in rule
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if value.get(name).is_none() {
                            errors.push(format!("{at}: missing {name}"));
                        }
                    }
                }
                "required" => {}
                "properties" => {
                    let (Some(properties), Some(object)) = (rule.as_object(), value.as_object())
                    else {
                        continue;
                    };
                    for (name, property) in properties {
                        if let Some(v) = object.get(name) {
                            validate(root, property, v, &format!("{at}.{name}"), errors);
                        }
                    }
                }
                "additionalProperties" => {
                    let known = schema.get("properties").and_then(Value::as_object);
                    if rule == &Value::Bool(false)
                        && let (Some(known), Some(object)) = (known, value.as_object())
                    {
                        for name in object.keys().filter(|k| !known.contains_key(*k)) {
                            errors.push(format!("{at}: unexpected {name}"));
                        }
                    }
                }
                "items" => {
                    for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                        validate(root, rule, item, &format!("{at}[{i}]"), errors);
                    }
                }
                "minimum" | "maximum" => {
                    let (Some(limit), Some(v)) = (rule.as_f64(), value.as_f64()) else {
                        continue;
                    };
                    if (keyword == "minimum" && v < limit) || (keyword == "maximum" && v > limit) {
                        errors.push(format!("{at}: {v} is outside {keyword} {limit}"));
                    }
                }
                other => errors.push(format!("{at}: keyword {other} is not checked here")),
            }
        }
    }

    fn is_type(value: &Value, name: &str) -> bool {
        match name {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        }
    }

    #[test]
    fn the_checker_finds_what_is_wrong() {
        let schema: Value =
            serde_json::from_str(include_str!("../docs/snapshot.schema.json")).unwrap();
        let bad = serde_json::json!({
            "prometheus": 1, "at": 0, "verdict": "FINE", "exit_code": 7,
            "rows": [{"tab": "x"}], "alerts": [], "extra": true
        });
        let mut errors = Vec::new();
        validate(&schema, &schema, &bad, "$", &mut errors);
        let all = errors.join("\n");
        for expected in [
            "$.prometheus: 1 is not of type",
            "$.verdict: \"FINE\" is not one of",
            "$.exit_code: 7 is outside maximum",
            "$: missing alerts_error",
            "$: unexpected extra",
            "$.rows[0]: missing panel",
        ] {
            assert!(all.contains(expected), "{expected} not found in:\n{all}");
        }
    }
}
