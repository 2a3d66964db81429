//! Secrets and server text as a hostile environment tries them: a server quoting the
//! credential it refused (the real `vmauth`, and a fake quoting passwords and header values)
//! must not get it onto a panel, the log pane, a recording, a screenshot or a snapshot; a
//! profile's URL or name must not print a password or a terminal escape; Alertmanager
//! elsewhere must not get Prometheus' credentials; escapes in server text must not reach
//! `snapshot` or `export` output; and `e` must not write through a planted symlink.

#![allow(clippy::unwrap_used)]

mod conn_support;
mod fake_prometheus;

use clap::Parser;
use conn_support::{answered_seeing, options, render, stat_layout, vmauth, wait_until};
use fake_prometheus::{Behaviour, FakePrometheus};
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::cli::Cli;
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::launch::connect;
use spheroseg_top::prom::{
    Alert, AlertSource, AlertState, BasicAuth, ClientOptions, PromClient, PromError,
};
use spheroseg_top::session::{Recorder, Recording};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_spheroseg-top");

/// The token vmauth knows, and the wrong one it is asked with (and quotes back).
const GOOD_TOKEN: &str = "good-t0ken-vmauth";
const WRONG_TOKEN: &str = "WRONG-s3cret-T0KEN-quoted";

/// Every file under `dir` as text (lossy), with its name.
fn files_in(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap_or_default();
            (
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect();
    files.sort();
    files
}

fn run(args: &[&str]) -> (String, String) {
    let output = Command::new(BINARY)
        .args(args)
        .env_remove("SPHEROSEG_BEARER_TOKEN")
        .env_remove("SPHEROSEG_PASSWORD")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_vmauth_quotes_back_is_shown_stored_and_printed_nowhere() {
    // What vmauth answers, as observed: 400 and
    // `cannot find the provided auth token "Bearer WRONG-…" in config`.
    // The backend is never reached: every request here carries the wrong token.
    let mut server = vmauth(GOOD_TOKEN, "http://127.0.0.1:9/prometheus");
    let url = format!("http://127.0.0.1:{}", server.port);
    let client = PromClient::new(
        &url,
        ClientOptions {
            bearer_token: Some(WRONG_TOKEN.into()),
            ..options()
        },
    )
    .unwrap();
    // Until vmauth answers at all (its refusal is an answer).
    wait_until(
        &mut server,
        Duration::from_secs(15),
        async || match client.ping().await {
            Err(e @ (PromError::Unreachable(_) | PromError::Timeout(_))) => Err(e.to_string()),
            _ => Ok(()),
        },
    )
    .await;
    let said = client.instant("up", 1.0).await.unwrap_err().to_string();
    assert!(
        said.contains("cannot find the provided auth token") && !said.contains(WRONG_TOKEN),
        "{said}"
    );
    // A token long enough that the message is cut inside it is still hidden whole: the
    // answer is scrubbed before it is cut.
    let long = "L0ng-t0ken-".repeat(30);
    let with_long = PromClient::new(
        &url,
        ClientOptions {
            bearer_token: Some(long.clone()),
            ..options()
        },
    )
    .unwrap();
    let said = with_long.instant("up", 1.0).await.unwrap_err().to_string();
    assert!(said.contains("auth token \"***\""), "{said}");
    assert!(!said.contains("L0ng-t0ken"), "a cut token is left: {said}");

    // The dashboard, polled by the real poller, every event recorded as `--record` does.
    spheroseg_top::logbook::install(100, &["spheroseg_top::source::live"]);
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("session.rec");
    let layout = stat_layout(&["up"]);
    let header = App::new(
        layout.clone(),
        Theme::load("default").unwrap(),
        SourceInfo {
            label: client.display_url().to_string(),
            refresh: Duration::from_secs(1),
            note: None,
        },
    );
    let header = spheroseg_top::app::restore::header(&header, Vec::new());
    let mut recorder = Recorder::create(&recording, &header).unwrap();
    let patience = Duration::from_secs(15);
    let app = answered_seeing(layout, client, None, patience, |event| {
        recorder.record(event).unwrap();
    })
    .await;
    let mut app = app.with_export_dir(dir.path().to_path_buf());
    recorder.mark(app.now(), "after the refusal").unwrap();
    recorder.finish().unwrap();

    let panel = render(&app).join("\n");
    assert!(panel.contains("cannot find the provided"), "{panel}");
    assert!(!panel.contains(WRONG_TOKEN), "the panel:\n{panel}");
    app.update(Msg::Action(Action::ToggleLog));
    let with_log = render(&app).join("\n");
    assert!(with_log.contains("query failed"), "{with_log}");
    assert!(!with_log.contains(WRONG_TOKEN), "the log pane:\n{with_log}");
    let logged: Vec<String> = spheroseg_top::logbook::recent(100)
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert!(
        !logged.iter().any(|m| m.contains(WRONG_TOKEN)),
        "{logged:#?}"
    );

    // `e`: the screen as SVG and text.
    spheroseg_top::launch::screenshot::save(&mut app);
    let shots = files_in(dir.path());
    assert!(
        shots.iter().any(|(name, text)| name.ends_with(".txt")
            && text.contains("cannot find the provided")),
        "{shots:?}"
    );
    for (name, text) in &shots {
        assert!(!text.contains(WRONG_TOKEN), "{name}:\n{text}");
    }

    // The recording: its bytes, every event read back, and the incident report of it.
    let bytes = std::fs::read(&recording).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(WRONG_TOKEN));
    let read = Recording::open(&recording).unwrap();
    let events = format!("{:?}", read.entries().collect::<Vec<_>>());
    assert!(events.contains("cannot find the provided"), "{events}");
    assert!(!events.contains(WRONG_TOKEN), "{events}");
    let rec = recording.to_str().unwrap();
    for format in ["markdown", "json"] {
        let (out, err) = run(&["export", rec, "--format", format]);
        assert!(
            !out.contains(WRONG_TOKEN) && !err.contains(WRONG_TOKEN),
            "{out}{err}"
        );
    }

    // `snapshot` in every format, with the token from a file as a user gives it.
    let token = dir.path().join("token");
    std::fs::write(&token, WRONG_TOKEN).unwrap();
    for format in ["text", "json", "nagios"] {
        let (out, err) = run(&[
            "snapshot",
            "--prometheus",
            &url,
            "--bearer-token-file",
            token.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert!(
            !out.contains(WRONG_TOKEN) && !err.contains(WRONG_TOKEN),
            "snapshot --format {format}:\n{out}{err}"
        );
        if format != "nagios" {
            assert!(out.contains("cannot find the provided"), "{format}: {out}");
        }
    }
}

const PASSWORD: &str = "hunter2-pa55word";
const API_KEY: &str = "k3y-0f-the-gateway";

#[tokio::test]
async fn passwords_and_header_values_a_server_quotes_are_hidden() {
    let fake = FakePrometheus::start().await;
    let client = PromClient::new(
        &fake.url(),
        ClientOptions {
            basic_auth: Some(BasicAuth {
                user: "ops".into(),
                password: PASSWORD.into(),
            }),
            headers: vec![("X-Api-Key".into(), API_KEY.into())],
            ..options()
        },
    )
    .unwrap();
    // "ops:hunter2-pa55word" in base64: what the server received, and may quote.
    let basic = "b3BzOmh1bnRlcjItcGE1NXdvcmQ=";
    let quoted =
        format!("refused user ops password {PASSWORD} (Basic {basic}) with key \"{API_KEY}\"");
    fake.set("up", Behaviour::PromqlError(quoted.clone()));
    let said = client.instant("up", 1.0).await.unwrap_err().to_string();
    assert!(said.contains("refused user ops password"), "{said}");
    for secret in [PASSWORD, API_KEY, basic] {
        assert!(!said.contains(secret), "{secret} in {said}");
    }

    // Server text in a successful answer: a warning and an alert's annotations.
    fake.set_server(Some(Behaviour::Body(
        "application/json",
        format!(
            r#"{{"status":"success","data":{{"alerts":[{{"labels":{{"alertname":"Refused"}},"annotations":{{"summary":"key {API_KEY} refused"}},"state":"firing","activeAt":"2026-01-01T00:00:00Z","value":"1"}}]}},"warnings":["password {PASSWORD} is old"]}}"#
        ),
    )));
    let alerts = client.alerts().await.unwrap();
    let summary = &alerts[0].annotations["summary"];
    assert!(
        summary.starts_with("key ") && !summary.contains(API_KEY),
        "{summary}"
    );
}

/// A layout with one stat panel of `expr`, titled `title`.
fn titled_layout(title: &str, expr: &str) -> Layout {
    Layout::parse(Source {
        origin: "hostile.toml".into(),
        text: format!(
            "title = {}\n[[tab]]\ntitle = \"T\"\n[[tab.row]]\n[[tab.row.panel]]\ntitle = \"P\"\nkind = \"stat\"\nquery = '{expr}'\n",
            toml::Value::String(title.to_string())
        ),
    })
    .unwrap()
}

const ESCAPES: [&str; 3] = ["\x1b[2J", "\x1b]0;pwned\x07", "\u{9b}31m"];

fn hostile(word: &str) -> String {
    format!("{word}{}{}{}", ESCAPES[0], ESCAPES[1], ESCAPES[2])
}

/// No control character, raw or as a JSON escape (`\u001b`), besides line ends.
fn assert_no_escape(what: &str, text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n') && !text.contains("\\u00"),
        "{what} carries control characters:\n{text:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_in_server_text_reach_neither_snapshot_nor_export() {
    // A server whose every answer is an error text with escapes.
    let fake = FakePrometheus::start().await;
    fake.set_server(Some(Behaviour::PromqlError(hostile("bad query"))));
    for format in ["text", "json", "nagios"] {
        let (out, _) = run(&["snapshot", "--prometheus", &fake.url(), "--format", format]);
        // Nagios' line names the rows, not the error.
        assert!(
            format == "nagios" || out.contains("bad query"),
            "{format}: {out}"
        );
        assert_no_escape(&format!("snapshot --format {format}"), &out);
    }

    // A recording whose header, alerts, error and marker carry escapes.
    let dir = tempfile::tempdir().unwrap();
    let layout = titled_layout(&hostile("Title"), "up");
    let app = App::new(
        layout,
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "http://prom".into(),
            refresh: Duration::from_secs(1),
            note: None,
        },
    );
    let mut header = spheroseg_top::app::restore::header(&app, Vec::new());
    header.app_version = hostile("9.9");
    header.source = hostile("http://prom");
    header.layout.origin = hostile("layout");
    let path = dir.path().join("hostile.rec");
    let mut recorder = Recorder::create(&path, &header).unwrap();
    let alert = |at: f64| Alert {
        name: hostile("Alert"),
        labels: [
            ("alertname".to_string(), hostile("Alert")),
            ("severity".to_string(), "critical".to_string()),
        ]
        .into(),
        annotations: [("summary".to_string(), hostile("summary"))].into(),
        state: AlertState::Firing,
        active_at: at - 60.0,
        value: 1.0,
        source: AlertSource::Server,
    };
    for i in 0..3 {
        let at = 1_700_000_000.0 + f64::from(i);
        recorder
            .record_at(
                at,
                &DataEvent::Instant {
                    id: 0,
                    at,
                    result: Err(PromError::Query {
                        kind: "bad_data".into(),
                        message: hostile("error"),
                    }),
                    latency: Duration::from_millis(5),
                },
            )
            .unwrap();
        recorder
            .record_at(
                at,
                &DataEvent::Alerts {
                    at,
                    result: Ok(vec![alert(at)]),
                },
            )
            .unwrap();
    }
    recorder.mark(1_700_000_001.0, &hostile("note")).unwrap();
    recorder.finish().unwrap();
    for format in ["markdown", "json"] {
        let (out, err) = run(&["export", path.to_str().unwrap(), "--format", format]);
        assert!(out.contains("Alert") && out.contains("note"), "{out}{err}");
        assert_no_escape(&format!("export --format {format}"), &out);
    }
}

#[test]
fn profiles_mask_any_userinfo_and_escape_names() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "default_profile = \"ops\"\n\
         [profiles.ops]\nprometheus = \"ops:PW1@noscheme:9090\"\nalertmanager = \"am:PW2@elsewhere:9093\"\n\
         [profiles.\"evil\\u001b]0;pwned\\u0007\\u001b[31mred\"]\nprometheus = \"http://localhost:9090\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let (out, err) = run(&["--config", config, "profiles"]);
    assert!(
        out.contains("noscheme:9090") && out.contains("elsewhere:9093"),
        "{out}{err}"
    );
    assert!(!out.contains("PW1") && !out.contains("PW2"), "{out}");
    assert!(out.contains("evil"), "{out}");
    assert_no_escape("profiles", &out);

    let (out, err) = run(&["--config", config, "--profile", "no\x1b[31mpe", "check"]);
    assert!(err.contains("no profile named"), "{out}{err}");
    assert_no_escape("an unknown profile's error", &err);
}

/// What a fake Alertmanager saw: every request's headers, lower-cased.
fn seen_headers(fake: &FakePrometheus) -> Vec<Vec<(String, String)>> {
    fake.requests().into_iter().map(|r| r.headers).collect()
}

#[tokio::test]
async fn alertmanager_elsewhere_gets_none_of_prometheus_credentials() {
    let alertmanager = FakePrometheus::start().await;
    alertmanager.set_server(Some(Behaviour::Body("application/json", "[]".into())));
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "prometheus-t0ken").unwrap();
    let clients_for = |prometheus: &str, extra: &[&str]| {
        let mut args = vec![
            "spheroseg-top",
            "--prometheus",
            prometheus,
            "--bearer-token-file",
            token.to_str().unwrap(),
            "--header",
            "X-Api-Key: prometheus-key",
            "--tenant",
            "team-a",
        ];
        args.extend_from_slice(extra);
        let mut cli = Cli::try_parse_from(args).unwrap();
        connect::apply_profile(&mut cli.options).unwrap();
        let options = cli.options;
        connect::clients(&options, options.prometheus_url()).unwrap()
    };
    let am = alertmanager.url();
    // Another port, and https for Prometheus: another origin both ways.
    for prometheus in ["http://127.0.0.1:1", "https://127.0.0.1:1"] {
        let clients = clients_for(prometheus, &["--alertmanager", &am]);
        // Said once, naming the flags that give Alertmanager its own.
        assert_eq!(clients.notes.len(), 1);
        let note = &clients.notes[0].full;
        assert!(
            note.contains("not sent to it") && note.contains("--alertmanager-header"),
            "{note}"
        );
        clients.alertmanager.unwrap().alertmanager().await.unwrap();
    }
    for headers in seen_headers(&alertmanager) {
        let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        for secret in ["authorization", "x-api-key", "x-scope-orgid"] {
            assert!(!names.contains(&secret), "{secret} sent: {headers:?}");
        }
    }

    // Its own flags are sent; the same origin (a path behind the same gateway) inherits.
    let own = alertmanager.requests().len();
    let clients = clients_for(
        "http://127.0.0.1:1",
        &["--alertmanager", &am, "--alertmanager-header", "X-Am: own"],
    );
    clients.alertmanager.unwrap().alertmanager().await.unwrap();
    let same = format!("{am}/prometheus");
    let clients = clients_for(&same, &["--alertmanager", &am]);
    assert!(clients.notes.is_empty());
    clients.alertmanager.unwrap().alertmanager().await.unwrap();
    let seen = seen_headers(&alertmanager);
    let header = |request: &[(String, String)], name: &str| {
        request
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header(&seen[own], "x-am").as_deref(), Some("own"));
    assert_eq!(header(&seen[own], "authorization"), None);
    let inherited = seen.last().unwrap();
    assert_eq!(
        header(inherited, "authorization").as_deref(),
        Some("Bearer prometheus-t0ken")
    );
    assert_eq!(
        header(inherited, "x-scope-orgid").as_deref(),
        Some("team-a")
    );
}

#[test]
fn a_screenshot_never_writes_through_a_planted_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let victim = tempfile::tempdir().unwrap();
    // Dangling links under every name `e` may pick in the next few seconds.
    let now = chrono::Local::now();
    let mut targets = Vec::new();
    for second in 0..5 {
        let stamp = (now + chrono::Duration::seconds(second)).format("%Y%m%d-%H%M%S");
        for ext in ["svg", "txt"] {
            let target = victim.path().join(format!("{stamp}.{ext}"));
            std::os::unix::fs::symlink(
                &target,
                dir.path().join(format!("spheroseg-top-{stamp}.{ext}")),
            )
            .unwrap();
            targets.push(target);
        }
    }
    let mut app = App::new(
        stat_layout(&["up"]),
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "http://prom".into(),
            refresh: Duration::from_secs(1),
            note: None,
        },
    )
    .with_export_dir(dir.path().to_path_buf());
    app.update(Msg::Action(Action::Resize(80, 24)));
    spheroseg_top::launch::screenshot::save(&mut app);
    for target in &targets {
        assert!(
            !target.exists(),
            "written through a link to {}",
            target.display()
        );
    }
    let notice = app.notice().unwrap_or_default().to_string();
    assert!(notice.starts_with("screenshot saved"), "{notice}");
    let written: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.is_symlink())
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
}
