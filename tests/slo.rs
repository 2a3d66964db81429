//! SLOs against the real thing: `slo rules` writes a file `promtool check rules` accepts,
//! the same every time; a real Prometheus loading it over the simulator records the burn
//! rates, and in the incident the API availability SLO burns past 6× and its page fires,
//! while in the normal scenario it stays under 1×. Windows are short (10 minutes, burn
//! windows of 30 s to 5 m) so that the incident burns budget within seconds.

#![allow(clippy::unwrap_used)]

mod common;

use spheroseg_top::config::Layout;
use spheroseg_top::demo::{Stack, StackOptions};
use spheroseg_top::prom::AlertState;
use spheroseg_top::sim::Scenario;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tokio::time::{Instant, sleep};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/slo")
        .join(name)
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
}

/// `slo rules` for `layout`, as text.
fn rules(layout: &str) -> String {
    let output = binary()
        .args(["slo", "rules", "--layout", layout])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Writes `text` as a rule file in `dir`.
fn rule_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("slo-rules.yml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_rules_pass_promtool_and_the_same_layout_gives_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    for layout in ["spheroseg", fixture("short-window.toml").to_str().unwrap()] {
        let first = rules(layout);
        assert_eq!(
            first,
            rules(layout),
            "{layout}: the same input, the same file"
        );
        let path = rule_file(dir.path(), &first);
        let check = Command::new("promtool")
            .args(["check", "rules"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("this test needs promtool (Debian's prometheus): {e}"));
        let said = String::from_utf8_lossy(&check.stdout).to_string()
            + &String::from_utf8_lossy(&check.stderr);
        assert!(check.status.success(), "{layout}: promtool said\n{said}");
        assert!(said.contains("SUCCESS"), "{said}");
    }
    let bundled = rules("spheroseg");
    for name in [
        "record: slo:sli_error:ratio_rate5m",
        "record: slo:sli_error:ratio_rate3d",
        "record: slo:sli_error:ratio_rate30d",
        "record: slo:period_error_budget_remaining:ratio",
        "alert: ApiAvailabilityBudgetBurn",
        "sloth_id: spheroseg-graphql-errors",
        "sloth_severity: ticket",
    ] {
        assert!(bundled.contains(name), "{name} in:\n{bundled}");
    }
    // Written to a file: a new one only, as every output.
    let out = dir.path().join("out.yml");
    let written = binary()
        .args(["slo", "rules", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(written.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), bundled);
    let again = binary()
        .args(["slo", "rules", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "an existing file is kept");
}

/// Prometheus with the short-window SLO rules over the simulator in `scenario`.
async fn stack(scenario: Scenario, dir: &Path) -> Stack {
    let path = fixture("short-window.toml");
    let rules = rule_file(dir, &rules(path.to_str().unwrap()));
    match Stack::start(StackOptions {
        scenario,
        rule_files: vec![rules],
        ..StackOptions::default()
    })
    .await
    {
        Ok(stack) => stack,
        Err(e) => panic!("this test needs a real Prometheus and could not start one:\n{e}"),
    }
}

/// The API availability SLO's burn rate over its burn window `window` (0: "5m", 30 s here;
/// 6: "3d", 5 m here), as the recording rule has it, divided by the budget as the SLO tab
/// divides it.
async fn recorded_burn(url: &str, window: usize) -> Option<f64> {
    let layout = Layout::load(fixture("short-window.toml").to_str().unwrap()).unwrap();
    let slo = &layout.slos[0];
    let expr = &layout.queries[slo.queries.recorded[window]].expr;
    let answer = common::client(url)
        .instant(expr, spheroseg_top::clock::unix_now())
        .await
        .ok()?;
    let ratio = answer.samples.first()?.value;
    Some(spheroseg_top::model::slo::burn_rate(ratio, slo.objective))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_incident_availability_burns_past_6x_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let stack = stack(Scenario::Incident, dir.path()).await;
    let url = stack.prometheus_url().to_string();
    let client = common::client(&url);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut burn, mut paged) = (None, false);
    while Instant::now() < deadline && !(burn.is_some_and(|b| b > 6.0) && paged) {
        burn = recorded_burn(&url, 0).await.or(burn);
        paged = client.alerts().await.unwrap().iter().any(|a| {
            a.name == "ApiAvailabilityBudgetBurn"
                && a.state == AlertState::Firing
                && a.labels.get("sloth_severity").map(String::as_str) == Some("page")
        });
        sleep(Duration::from_millis(500)).await;
    }
    eprintln!("incident: 5m burn {burn:?}, page firing {paged}");
    assert!(
        burn.is_some_and(|b| b > 6.0),
        "5m burn rate in the incident: {burn:?}"
    );
    assert!(paged, "the page alert fires in the incident");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_normal_scenario_availability_burns_under_1x() {
    let dir = tempfile::tempdir().unwrap();
    let stack = stack(Scenario::Normal, dir.path()).await;
    let url = stack.prometheus_url().to_string();
    // Until the 30 s window is full, a ratio of a few requests is noise, not a burn rate.
    common::wait_for(&url, "slo:sli_error:ratio_rate30s", Duration::from_secs(30)).await;
    sleep(Duration::from_secs(30)).await;
    // The normal scenario's few 5xx come at random: a short window may hold none, so the
    // rates are read until five are in and one shows a 5xx (once failed in CI on five
    // zeros read in a row under load).
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut seen: Vec<(f64, f64)> = Vec::new();
    let some_5xx = |seen: &[(f64, f64)]| seen.iter().any(|(_, slow)| *slow > 0.0);
    while Instant::now() < deadline && (seen.len() < 5 || !some_5xx(&seen)) {
        if let (Some(fast), Some(slow)) =
            (recorded_burn(&url, 0).await, recorded_burn(&url, 6).await)
        {
            seen.push((fast, slow));
        }
        sleep(Duration::from_secs(1)).await;
    }
    eprintln!("normal: (5m, 3d) burn {seen:?}");
    assert!(seen.len() >= 5, "recorded burn rates: {seen:?}");
    assert!(
        seen.iter().all(|(fast, slow)| *fast < 1.0 && *slow < 1.0),
        "normal burn rates (5m, 3d): {seen:?}"
    );
    assert!(some_5xx(&seen), "some 5xx even when healthy: {seen:?}");
    let alerts = common::client(&url).alerts().await.unwrap();
    assert!(
        !alerts.iter().any(|a| a.name.ends_with("BudgetBurn")
            && a.labels.get("sloth_severity").map(String::as_str) == Some("page")),
        "nothing pages in the normal scenario: {alerts:?}"
    );
}

/// The bundled layout's 30-day SLOs with no rules loaded: the app tells the poller to ask
/// the day-long and 30-day windows raw once a minute and the recording rules' series not at
/// all, and the SLO tab says how old the raw long windows are and which rules make them
/// cheap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_rules_long_windows_are_asked_once_a_minute_and_their_age_shown() {
    use spheroseg_top::app::{Action, Msg};
    use spheroseg_top::event::SourceCommand;
    let stack = common::stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    common::wait_for(
        &url,
        "sum(rate(http_request_duration_seconds_count[5m])) > 0",
        Duration::from_secs(20),
    )
    .await;
    let mut app = common::app(Layout::load("spheroseg").unwrap(), &url);
    common::poll_until_complete(&mut app, &url).await;
    let tab = app
        .layout()
        .tabs
        .iter()
        .position(|t| t.title == "SLO")
        .unwrap();
    app.update(Msg::Action(Action::SelectTab(tab)));
    let watch = app
        .take_commands()
        .into_iter()
        .filter_map(|c| match c {
            SourceCommand::Watch(w) => Some(w),
            _ => None,
        })
        .next_back()
        .expect("the tab switch tells the poller what it shows");
    let pace_of = |id| {
        let paced = watch.paced.iter().find(|(q, _)| *q == id);
        paced.map(|(_, pace)| pace.as_secs())
    };
    for slo in &app.layout().slos {
        for i in [5, 6, 7] {
            let raw = slo.queries.raw[i];
            assert_eq!(pace_of(raw), Some(60), "{}: {i}", slo.name);
        }
        assert!(watch.queries.contains(&slo.queries.raw[0]));
        assert!(watch.idle.contains(&slo.queries.recorded[7]));
        assert_eq!(pace_of(slo.queries.raw[0]), Some(5), "5m: every 5 s");
        assert_eq!(pace_of(slo.queries.raw[1]), Some(30), "30m: every 30 s");
    }
    let screen = common::lines(&common::render(&app, 200, 50)).join("\n");
    assert!(
        screen.contains("long windows asked raw once a minute")
            && screen.contains("slo:sli_error:ratio_rate30d"),
        "{screen}"
    );
    let row = screen
        .lines()
        .find(|l| l.contains("API availability") && l.contains("99%"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains('×') && row.contains('%'), "{row}");
}

/// `snapshot` in the incident, no rules loaded: the availability SLO's row in JSON has its
/// objective, budget left and a burn rate per workbook window; once it pages the row is
/// ALERT and the verdict CRITICAL (exit 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_in_the_incident_has_the_slo_rows_and_a_page_is_critical() {
    let stack = common::stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    let layout = fixture("short-window.toml");
    let deadline = Instant::now() + Duration::from_secs(120);
    let (json, code) = loop {
        let output = binary()
            .args([
                "snapshot",
                "--format",
                "json",
                "--prometheus",
                &url,
                "--layout",
            ])
            .arg(&layout)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
        let code = output.status.code();
        // Another row can make the verdict CRITICAL before the availability SLO pages (its
        // 30 s window starts empty), so wait for what this test is about.
        let paging = json["slos"][0]["state"] == "page";
        if paging || Instant::now() > deadline {
            break (json, code);
        }
        sleep(Duration::from_secs(2)).await;
    };
    let slos = json["slos"].as_array().unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&slos).unwrap());
    assert_eq!(slos.len(), 2, "{json}");
    let availability = &slos[0];
    assert_eq!(availability["name"], "API availability");
    assert_eq!(availability["objective"], 99.0);
    assert!(availability["budget_left"].is_number(), "{availability}");
    let mut windows: Vec<&String> = availability["burn_rates"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    windows.sort();
    assert_eq!(windows, ["1d", "1h", "30m", "3d", "5m", "6h"]);
    assert!(
        availability["burn_rates"]["5m"].as_f64().unwrap() > 6.0,
        "{availability}"
    );
    assert_eq!(availability["burn_windows"]["5m"], "30s");
    assert_eq!(availability["state"], "page", "{availability}");
    assert_eq!(availability["status"], "ALERT");
    assert_eq!(json["verdict"], "CRITICAL");
    assert_eq!(code, Some(2));
}

/// The short-window layout's API availability over a scripted recording, 10 s cycles for
/// 400 s: 0.2 % errors (a burn of 0.2×), 8 % (8×) from 100 s to 300 s, the SLO window's
/// ratio 0.2 % until 300 s and 0.55 % after (budget left 80 %, then 45 %); an alert active
/// from 100 s to 300 s.
fn record_short_window_incident(path: &Path) {
    use spheroseg_top::app::{App, SourceInfo};
    use spheroseg_top::config::Theme;
    use spheroseg_top::event::DataEvent;
    use spheroseg_top::prom::{Alert, AlertSource, AlertState, Sample};
    use spheroseg_top::session::Recorder;
    const T0: f64 = 1_800_000_000.0;
    let layout = Layout::load(fixture("short-window.toml").to_str().unwrap()).unwrap();
    let app = App::new(
        layout,
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "http://prometheus.internal:9090".into(),
            refresh: Duration::from_secs(10),
            note: None,
        },
    );
    let mut header = spheroseg_top::app::restore::header(&app, Vec::new());
    header.created = T0;
    let raw = app.layout().slos[0].queries.raw;
    let mut recorder = Recorder::create(path, &header).unwrap();
    for t in (0..=400).step_by(10) {
        let at = T0 + f64::from(t);
        let fast = if (100..300).contains(&t) { 0.08 } else { 0.002 };
        let whole = if t < 300 { 0.002 } else { 0.0055 };
        recorder.record_at(at, &DataEvent::Clock(at)).unwrap();
        for (i, &id) in raw.iter().enumerate() {
            let value = if i == 7 { whole } else { fast };
            let event = DataEvent::Instant {
                id,
                at,
                result: Ok(vec![Sample {
                    labels: Default::default(),
                    time: at,
                    value,
                }]),
                latency: Duration::from_millis(5),
            };
            recorder.record_at(at + 0.01, &event).unwrap();
        }
        let alerts = if (100..300).contains(&t) {
            vec![Alert {
                name: "ApiAvailabilityBudgetBurn".into(),
                labels: spheroseg_top::model::labels::from_pairs(&[
                    ("alertname", "ApiAvailabilityBudgetBurn"),
                    ("sloth_severity", "page"),
                ]),
                annotations: Default::default(),
                state: AlertState::Firing,
                active_at: T0 + 100.0,
                value: 1.0,
                source: AlertSource::Server,
            }]
        } else {
            Vec::new()
        };
        let event = DataEvent::Alerts {
            at,
            result: Ok(alerts),
        };
        recorder.record_at(at + 0.2, &event).unwrap();
    }
    recorder.finish().unwrap();
}

/// `export`: the budget spent over the recording and while the alert was active, worked out
/// by hand: 0.2× for 200 s and 8× for 200 s of a 600 s window spend (40 + 1600) / 600 =
/// 273 % of the budget, 8 × 200 / 600 = 267 % of it during the alert.
#[test]
fn the_report_of_a_recording_says_the_budget_spent_over_it_and_during_each_alert() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slo.sgtrec");
    record_short_window_incident(&path);
    let recording = spheroseg_top::session::Recording::open(&path).unwrap();
    let report = spheroseg_top::report::build(&recording).unwrap();
    let availability = &report.slos[0];
    assert_eq!(availability.name, "API availability");
    assert!((availability.spent - 273.3).abs() < 0.5, "{availability:?}");
    assert_eq!(availability.budget_left_start.map(f64::round), Some(80.0));
    assert_eq!(availability.budget_left_end.map(f64::round), Some(45.0));
    assert!((availability.peak_burn.unwrap() - 8.0).abs() < 1e-9);
    let during = &availability.during_alerts[0];
    assert_eq!(during.alert, "ApiAvailabilityBudgetBurn");
    assert!((during.spent - 266.7).abs() < 0.5, "{during:?}");
    let markdown = report.to_markdown();
    eprintln!("{markdown}");
    let row = markdown
        .lines()
        .find(|l| l.starts_with("| API availability | 99 % over 10m"))
        .unwrap_or_else(|| panic!("{markdown}"));
    assert!(row.contains("| 80.0 % | 45.0 % | 273."), "{row}");
    assert!(
        markdown.lines().any(|l| l
            .starts_with("| ApiAvailabilityBudgetBurn (sloth_severity=page)")
            && l.contains("| 266.")),
        "{markdown}"
    );
    // The latency SLO was never answered: left out of the Markdown, kept in JSON.
    assert!(!markdown.contains("| API latency"), "{markdown}");
    assert_eq!(report.slos.len(), 2);
}

/// `replay`: the SLO tab on the recorded answers pages mid-incident and ends with 45 % of
/// the budget left.
#[test]
fn the_slo_tab_works_on_a_replayed_recording() {
    use spheroseg_top::app::{Action, Msg};
    use spheroseg_top::session::Entry;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slo.sgtrec");
    record_short_window_incident(&path);
    let recording = spheroseg_top::session::Recording::open(&path).unwrap();
    let mut app = spheroseg_top::app::restore::app(recording.header()).unwrap();
    let screen = |app: &spheroseg_top::app::App| common::lines(&common::render(app, 160, 40));
    let mut mid = None;
    for entry in recording.entries() {
        if let Entry::Event { time, event } = entry {
            app.update(Msg::Data(event));
            if mid.is_none() && time > 1_800_000_200.5 {
                mid = Some(screen(&app));
            }
        }
    }
    app.update(Msg::Action(Action::SelectTab(0)));
    let row = |lines: &[String]| {
        lines
            .iter()
            .find(|l| l.contains("API availability"))
            .cloned()
            .unwrap_or_default()
    };
    let mid = mid.unwrap();
    assert!(
        row(&mid).contains("page") && row(&mid).contains("8.0"),
        "{}",
        mid.join("\n")
    );
    let end = screen(&app);
    assert!(row(&end).contains("45.0%"), "{}", end.join("\n"));
}

/// Drill-down on an SLO row against the real Prometheus in the incident: Enter charts the
/// burn rate over each window, Enter on one the budget left over the SLO window and that
/// window's burn rate, all with data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_an_slo_charts_its_burn_rates_then_its_budget_left_and_one_window() {
    use spheroseg_top::app::{Action, Msg};
    let stack = common::stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    // A chart at a 10 s step needs a few steps of 30 s rates.
    common::wait_for(
        &url,
        "count(count_over_time(http_request_duration_seconds_count[2m]) > 40) > 0",
        Duration::from_secs(60),
    )
    .await;
    let layout = Layout::load(fixture("short-window.toml").to_str().unwrap()).unwrap();
    let mut app = common::app(layout, &url);
    app.update(Msg::Action(Action::Resize(200, 60)));
    common::poll_until_complete(&mut app, &url).await;
    app.update(Msg::Action(Action::Open));
    assert_eq!(
        app.breadcrumb(),
        vec!["SLO", "API availability · burn rate"]
    );
    assert!(common::answer_range_requests(&mut app, &url).await >= 1);
    let screen = common::lines(&common::render(&app, 200, 60)).join("\n");
    assert!(
        screen.contains("API availability · burn rate")
            && [
                "5m burn", "30m burn", "1h burn", "6h burn", "1d burn", "3d burn"
            ]
            .iter()
            .all(|w| screen.contains(w)),
        "{screen}"
    );
    app.update(Msg::Action(Action::Open));
    assert_eq!(app.breadcrumb().len(), 3, "{:?}", app.breadcrumb());
    assert!(common::answer_range_requests(&mut app, &url).await >= 2);
    let screen = common::lines(&common::render(&app, 200, 60)).join("\n");
    assert!(
        screen.contains("API availability · error budget left over 10m")
            && screen.contains("API availability · burn rate over "),
        "{screen}"
    );
    for bad in ["loading", "no data"] {
        assert!(!screen.contains(bad), "{bad:?}:\n{screen}");
    }
}
