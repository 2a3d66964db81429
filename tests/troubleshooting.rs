//! The guide's troubleshooting on screen, against a real Prometheus scraping the simulator
//! and Debian's node exporter: a stopped exporter shows as a down target with its error and
//! explains the empty memory row; a metric the server lacks is named; a restart of the
//! simulator is marked on its chart; the tsdb panel shows what `/api/v1/status/tsdb` says.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ratatui::style::Color;
use spheroseg_top::app::{Action, App, Msg, restore};
use spheroseg_top::config::{Layout, Source};
use spheroseg_top::demo::{Stack, StackOptions};
use spheroseg_top::prom::TargetHealth;
use spheroseg_top::session::{Entry, Recorder, Recording};
use spheroseg_top::view::{annotations, why_empty};
use std::time::Duration;

const LAYOUT: &str = r##"
title = "Troubleshooting"

[[annotation]]
name = "restarts"
query = 'changes(process_start_time_seconds[1m]) > 0'
title = "{{job}} restarted"
colour = "#ff00ff"

[[tab]]
title = "Host"

[[tab.row]]
[[tab.row.panel]]
title = "Simulator up"
kind = "chart"
query = 'up{job="spheroseg"}'
window = "5m"

[[tab.row.panel]]
title = "Host"
kind = "kpi_table"
[[tab.row.panel.kpi]]
name = "Memory used"
query = '1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}'
unit = "ratio"

[[tab.row]]
[[tab.row.panel]]
title = "Queue"
kind = "stat"
query = 'sum(ml_tasks_queued_nowhere)'

[[tab]]
title = "Prometheus"
[[tab.row]]
[[tab.row.panel]]
title = "Scrape targets"
kind = "targets"
[[tab.row]]
[[tab.row.panel]]
title = "Cardinality"
kind = "tsdb"
"##;

fn layout() -> Layout {
    Layout::parse(Source {
        origin: "troubleshooting.toml".into(),
        text: LAYOUT.to_string(),
    })
    .unwrap()
}

async fn start(node: &NodeExporter) -> Stack {
    let options = StackOptions {
        extra_targets: vec![("node".to_string(), node.addr)],
        ..StackOptions::default()
    };
    match Stack::start(options).await {
        Ok(stack) => stack,
        Err(e) => panic!("this test needs a real Prometheus and could not start one:\n{e}"),
    }
}

fn screen(app: &App) -> String {
    lines(&render(app, 200, 50)).join("\n")
}

/// A fresh app that has polled every query and asked the server what it needed.
async fn polled(url: &str) -> App {
    let mut app = app(layout(), url);
    poll_until_complete(&mut app, url).await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_exporter_is_a_down_target_that_explains_the_empty_memory_row() {
    let mut node = NodeExporter::start();
    let stack = start(&node).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, r#"up{job="node"} == 1"#, Duration::from_secs(30)).await;
    wait_for(
        &url,
        r#"node_memory_MemTotal_bytes{job="node"}"#,
        Duration::from_secs(30),
    )
    .await;

    let app = polled(&url).await;
    let reasons = why_empty::reasons(app.store(), app.now());
    let missing = reasons
        .values()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert_eq!(
        missing,
        vec!["metric ml_tasks_queued_nowhere does not exist on this server"],
        "only the missing metric is empty while the exporter runs"
    );
    let shown = screen(&app);
    assert!(
        shown.contains("metric ml_tasks_queued_nowhere does not exist on this server"),
        "{shown}"
    );

    node.stop();
    wait_for(&url, r#"up{job="node"} == 0"#, Duration::from_secs(30)).await;
    let mut app = polled(&url).await;
    let instance = node.addr.to_string();
    let down = app
        .store()
        .server
        .targets()
        .iter()
        .find(|t| t.instance() == instance)
        .cloned()
        .unwrap();
    assert_eq!(down.health, TargetHealth::Down);
    assert!(
        down.last_error
            .as_deref()
            .unwrap()
            .contains("connection refused")
    );
    let shown = screen(&app);
    let expected = format!("target node {instance} down: connection refused");
    assert!(shown.contains(&expected), "memory row:\n{shown}");

    app.update(Msg::Action(Action::SelectTab(1)));
    let shown = screen(&app);
    let row = shown
        .lines()
        .find(|l| l.contains(&instance))
        .unwrap_or_else(|| panic!("no row for {instance}:\n{shown}"));
    assert!(
        row.contains("DOWN") && row.contains("connection refused"),
        "{row}"
    );
    let samples = app
        .store()
        .server
        .targets()
        .iter()
        .find(|t| t.job() == "spheroseg")
        .and_then(|t| t.samples)
        .unwrap();
    assert!(
        samples > 100,
        "the simulator's samples per scrape: {samples}"
    );
    // Down targets first.
    let first_target = shown.lines().position(|l| l.contains("DOWN")).unwrap();
    let up_target = shown.lines().position(|l| l.contains(" UP ")).unwrap();
    assert!(first_target < up_target, "{shown}");
    assert!(shown.contains("Prometheus 2."), "server facts:\n{shown}");
    assert!(shown.contains("scrape interval 1s"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_simulator_is_marked_on_its_chart() {
    let node = NodeExporter::start();
    let stack = start(&node).await;
    let url = stack.prometheus_url().to_string();
    // The restart must be after the first sample, or `changes` sees nothing.
    wait_for(
        &url,
        r#"count_over_time(process_start_time_seconds{job="spheroseg"}[1m]) > 2"#,
        Duration::from_secs(30),
    )
    .await;
    stack.sim.restart();
    wait_for(
        &url,
        r#"changes(process_start_time_seconds[1m]) > 0"#,
        Duration::from_secs(30),
    )
    .await;

    let mut app = polled(&url).await;
    let marks = annotations::marks(app.store());
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].title, "spheroseg restarted");
    let marker = Color::Rgb(255, 0, 255);
    let buffer = render(&app, 200, 50);
    assert!(
        buffer.content().iter().any(|cell| cell.fg == marker),
        "no marker drawn on the chart:\n{}",
        lines(&buffer).join("\n")
    );

    // The drill view lists it with its time.
    app.update(Msg::Action(Action::Open));
    assert!(answer_range_requests(&mut app, &url).await >= 1);
    let shown = screen(&app);
    let listing = shown
        .lines()
        .find(|l| l.contains("marks:"))
        .unwrap_or_else(|| panic!("no marks listed:\n{shown}"));
    assert!(listing.contains("spheroseg restarted"), "{listing}");

    // Recorded like everything else: a recording started now replays the mark, and the
    // incident report lists it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restart.sprec");
    let mut recorder = Recorder::create(&path, &restore::header(&app, Vec::new())).unwrap();
    for event in app.state_events() {
        recorder.record_at(app.now(), &event).unwrap();
    }
    recorder.finish().unwrap();
    let recording = Recording::open(&path).unwrap();
    let mut replayed = restore::app(recording.header()).unwrap();
    for entry in recording.entries() {
        if let Entry::Event { event, .. } = entry {
            replayed.update(Msg::Data(event));
        }
    }
    assert_eq!(annotations::marks(replayed.store()), marks);
    let report = spheroseg_top::report::build(&recording).unwrap();
    assert_eq!(report.annotations.len(), 1, "{:?}", report.annotations);
    let markdown = report.to_markdown();
    assert!(
        markdown.contains("## Annotations") && markdown.contains("| spheroseg restarted |"),
        "{markdown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tsdb_panel_shows_what_the_api_says() {
    let node = NodeExporter::start();
    let stack = start(&node).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, r#"up{job="node"} == 1"#, Duration::from_secs(30)).await;
    let mut app = polled(&url).await;
    app.update(Msg::Action(Action::SelectTab(1)));
    let shown = screen(&app);

    let bytes = reqwest::get(format!("{url}/api/v1/status/tsdb"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let data = &body["data"];
    let facts = app.store().server.facts().unwrap();
    let head = data["headStats"]["numSeries"].as_u64().unwrap();
    // Both asked within moments of each other: the head hardly changes in between.
    let shown_head = facts.tsdb.head_series;
    assert!(
        shown_head.abs_diff(head) * 10 <= head,
        "head series {shown_head} on screen, {head} from the API"
    );
    assert!(
        shown.contains(&format!("head: {shown_head} series")),
        "{shown}"
    );
    // The top lists are cached by Prometheus for minutes: exactly the API's.
    let top = data["seriesCountByMetricName"].as_array().unwrap();
    assert!(!top.is_empty(), "{body}");
    for entry in top.iter().take(5) {
        let line = format!(
            "{:>8}  {}",
            entry["value"].as_u64().unwrap(),
            entry["name"].as_str().unwrap()
        );
        assert!(shown.contains(&line), "missing {line:?}:\n{shown}");
    }
    // What this dashboard costs: the memory query's one series.
    assert!(
        shown.contains("series per query of this dashboard"),
        "{shown}"
    );
    assert!(
        shown.contains(r#"       1  1 - node_memory_MemAvailable_bytes{job="node"}"#),
        "{shown}"
    );
}
