//! Grafana variables as downloaded dashboards use them (issue 21): `__inputs` constants,
//! `auto` intervals, a label named by a variable, JavaScript regexes, a variable the
//! layout cannot take, and real dashboards (tests/fixtures/grafana, see its README) whose
//! variables are asked of a real Prometheus, as the dashboard asks them, until the first
//! tab shows values.

#![allow(clippy::unwrap_used)]

mod common;
mod conn_support;

use common::wired::Wired;
use conn_support::{node_exporter, options, prometheus, wait_for_data};
use spheroseg_top::app::App;
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::import::grafana::{self, Conversion, Input};
use spheroseg_top::prom::PromClient;
use spheroseg_top::variables::VariableKind;
use std::time::Duration;

fn fixture(name: &str) -> Input {
    let path = format!(
        "{}/tests/fixtures/grafana/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    Input {
        origin: format!("{name}.json"),
        text: std::fs::read_to_string(path).unwrap(),
    }
}

fn inline(text: &str) -> Conversion {
    grafana::convert(&[Input {
        origin: "d.json".into(),
        text: text.into(),
    }])
    .unwrap()
}

fn load(conversion: &Conversion) -> Layout {
    Layout::parse(Source {
        origin: "imported.toml".into(),
        text: conversion.layout.clone().expect("a layout was written"),
    })
    .unwrap_or_else(|e| panic!("the imported layout does not load:\n{e}"))
}

/// The report's line for the variable `name`.
fn variable_line(conversion: &Conversion, name: &str) -> String {
    let text = conversion.report.to_text();
    text.lines()
        .find(|l| l.contains(&format!("variable \"{name}\"")))
        .unwrap_or_else(|| panic!("no line for ${name} in:\n{text}"))
        .to_string()
}

fn kind<'a>(layout: &'a Layout, name: &str) -> &'a VariableKind {
    &layout
        .variables
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no ${name}"))
        .kind
}

fn default<'a>(layout: &'a Layout, name: &str) -> &'a [String] {
    &layout
        .variables
        .iter()
        .find(|v| v.name == name)
        .unwrap()
        .default
}

/// FUSAKLA's Prometheus 2.0: `${VAR_CUSTOM_LABEL_NAME}` filled with its default `job`,
/// `label_values(prometheus_build_info, $custom_label_name)`, an `auto` interval and
/// `histogram_quantile($quantile, …)`; before, nothing of it converted.
#[test]
fn prometheus2_fusakla_converts_with_its_variables() {
    let conversion = grafana::convert(&[fixture("prometheus2-fusakla")]).unwrap();
    let layout = load(&conversion);
    let text = conversion.layout.as_deref().unwrap();
    assert!(!text.contains("${VAR_CUSTOM_LABEL_NAME}"), "{text}");
    assert!(matches!(
        kind(&layout, "custom_label_name"),
        VariableKind::Constant { value } if value == "job"
    ));
    assert!(matches!(
        kind(&layout, "custom_label_value"),
        VariableKind::Query { .. }
    ));
    // now-6h over 300 steps is 72s, rounded to 1m, not below auto_min 1m.
    assert_eq!(default(&layout, "aggregation_interval"), ["1m"]);
    assert!(
        variable_line(&conversion, "aggregation_interval").contains("`auto` is 1m here"),
        "{}",
        conversion.report.to_text()
    );
    // Every graph converts, the four histogram_quantile($quantile, …) ones too.
    let report = conversion.report.to_text();
    assert!(!report.contains("refuses"), "{report}");
    let quantile_panels = layout
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.panels)
        .filter(|p| p.title == "$quantile quantile of HTTP request duration per handler")
        .count();
    assert_eq!(quantile_panels, 1, "{report}");
}

const AUTO: &str = r#"{"schemaVersion": 27, "time": {"from": "now-24h", "to": "now"},
  "templating": {"list": [
    {"name": "step", "type": "interval", "auto": true, "auto_count": 30, "auto_min": "10s",
     "query": "1m,10m,1h", "current": {"value": "$__auto_interval_step"}},
    {"name": "floor", "type": "interval", "auto": true, "auto_count": 30, "auto_min": "5h",
     "query": "1m,10m", "current": {"value": "10m"}}
  ]},
  "panels": [{"id": 1, "type": "stat", "title": "r", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
    "targets": [{"refId": "A", "expr": "rate(up[$step]) + rate(up[$floor])"}]}]}"#;

#[test]
fn an_auto_interval_is_the_dashboards_range_over_its_count_rounded_and_floored() {
    let conversion = inline(AUTO);
    let layout = load(&conversion);
    // 24h / 30 = 48m, which Grafana rounds to 1h.
    assert_eq!(default(&layout, "step"), ["1h"]);
    // 24h / 30 rounds to 1h, below auto_min 5h: 5h is offered, the saved 10m kept.
    assert!(matches!(
        kind(&layout, "floor"),
        VariableKind::Interval { values } if values == &["5h", "1m", "10m"]
    ));
    assert_eq!(default(&layout, "floor"), ["10m"]);
}

/// A variable with a query the layout has no form for, and one whose query the loader
/// refuses, each used by a panel: before, the panel was dropped with the variable.
const REFUSED: &str = r#"{"schemaVersion": 27,
  "templating": {"list": [
    {"name": "metric", "type": "query", "query": "metrics(node_load.*)",
     "current": {"value": "node_load1"}},
    {"name": "job", "type": "query", "query": "label_values(up{job=, job)",
     "current": {"value": "node"}}
  ]},
  "panels": [{"id": 1, "type": "stat", "title": "Load", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
    "targets": [{"refId": "A", "expr": "$metric{job=\"$job\"}"}]}]}"#;

#[test]
fn a_variable_the_layout_cannot_take_is_reported_and_its_panels_are_kept() {
    let conversion = inline(REFUSED);
    let layout = load(&conversion);
    assert_eq!(layout.tabs[0].rows[0].panels[0].title, "Load");
    assert!(matches!(
        kind(&layout, "metric"),
        VariableKind::Constant { value } if value == "node_load1"
    ));
    assert!(matches!(
        kind(&layout, "job"),
        VariableKind::Constant { value } if value == "node"
    ));
    for (name, why) in [
        ("metric", "is not label_values(…) or query_result(…)"),
        ("job", "the layout loader refuses it"),
    ] {
        let line = variable_line(&conversion, name);
        assert!(
            line.contains("approximated because")
                && line.contains(why)
                && line.contains("kept as a constant holding its saved value"),
            "{line}"
        );
    }
}

/// StarsL's `total` variable, word for word: a JavaScript regex with literal braces.
const JS_REGEX: &str = r#"{"schemaVersion": 27,
  "templating": {"list": [
    {"name": "total", "type": "query", "hide": 2,
     "query": "query_result(count(node_uname_info{job=~\"node\"}))",
     "regex": "/{} (.*) .*/", "current": {}}
  ]},
  "panels": [{"id": 1, "type": "stat", "title": "Total: $total", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
    "targets": [{"refId": "A", "expr": "up"}]}]}"#;

#[test]
fn a_javascript_regex_variable_converts() {
    let conversion = inline(JS_REGEX);
    let layout = load(&conversion);
    let VariableKind::Query {
        regex: Some(regex), ..
    } = kind(&layout, "total")
    else {
        panic!("{}", conversion.report.to_text());
    };
    assert_eq!(regex.apply("{} 3 1700000000000").as_deref(), Some("3"));
}

/// The app of `layout` live on `url`, run as the dashboard runs it (options asked of
/// Prometheus, chains in order) until every variable has a value and every query answered.
async fn shown(layout: Layout, url: &str) -> (App, String) {
    let queries = layout.queries.len();
    let app = App::new(
        layout,
        Theme::load("default").unwrap(),
        spheroseg_top::app::SourceInfo {
            label: url.to_string(),
            refresh: Duration::from_secs(1),
            note: None,
        },
    )
    .with_variables(Vec::new(), Duration::from_secs(1));
    let mut wired = Wired::start(app, url);
    wired
        .run_until("every variable and query", |app| {
            let variables = app
                .variable_values()
                .iter()
                .all(|(_, s)| s.all || !s.values.is_empty());
            let answered = (0..queries).all(|id| {
                app.store()
                    .query(id)
                    .is_some_and(|q| q.last_eval.is_some() || q.error.is_some())
            });
            variables && answered
        })
        .await;
    let screen = conn_support::render(&wired.app).join("\n");
    (wired.app, screen)
}

/// The queries (as sent) that answered no series though every metric they name exists:
/// what a wrong variable value leaves empty.
async fn empty_though_their_metrics_exist(app: &App, client: &PromClient) -> Vec<String> {
    let names = regex::Regex::new(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{").unwrap();
    let now = spheroseg_top::clock::unix_now();
    let mut empty = Vec::new();
    for (id, query) in app.polled_queries().iter().enumerate() {
        // `… > 0` shows only what moved; empty on a quiet server.
        let filtered = query.expr.trim_end().ends_with("> 0");
        if filtered || app.store().query(id).is_some_and(|q| !q.series.is_empty()) {
            continue;
        }
        let mut all_exist = true;
        for name in names.captures_iter(&query.expr) {
            let probe = format!("count({{__name__=\"{}\"}})", &name[1]);
            all_exist &= !client
                .instant(&probe, now)
                .await
                .unwrap()
                .samples
                .is_empty();
        }
        if all_exist {
            empty.push(query.expr.clone());
        }
    }
    empty
}

fn selection(app: &App, name: &str) -> String {
    app.variable_values()
        .iter()
        .find(|(v, _)| v.name == name)
        .map(|(_, s)| s.text())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_dashboards_ask_prometheus_for_their_variables_and_show_values() {
    let exporter = node_exporter();
    let target = format!("127.0.0.1:{}", exporter.port);
    let mut server = prometheus(&target);
    let url = format!("http://127.0.0.1:{}", server.port);
    let client = PromClient::new(&url, options()).unwrap();
    // Ready when both targets were scraped twice: the dashboard's `increase(…[1m])` and
    // scrape-interval quantiles are empty until then, which is no fault of a variable.
    for ready in [
        "prometheus_build_info",
        "rate(node_cpu_seconds_total[4s])",
        "increase(prometheus_http_request_duration_seconds_bucket[1m])",
        r#"prometheus_target_interval_length_seconds{quantile="0.5"}"#,
    ] {
        wait_for_data(&client, ready, &mut server, Duration::from_secs(60)).await;
    }
    let now = spheroseg_top::clock::unix_now();
    let build = client.instant("prometheus_build_info", now).await.unwrap();
    let version = build.samples[0].labels["version"].clone();
    let uname = client.instant("node_uname_info", now).await.unwrap();
    let nodename = uname.samples[0].labels["nodename"].clone();

    let layout = load(&grafana::convert(&[fixture("prometheus2-fusakla")]).unwrap());
    let (app, screen) = shown(layout, &url).await;
    assert_eq!(selection(&app, "custom_label_value"), "prometheus");
    assert!(!selection(&app, "quantile").is_empty());
    assert!(screen.contains(&version), "{screen}");
    // The first tab: no panel without data.
    assert!(!screen.contains("NO DATA"), "{screen}");
    let empty = empty_though_their_metrics_exist(&app, &client).await;
    assert!(empty.is_empty(), "no series:\n{}", empty.join("\n"));

    // The chain job → hostname → node from node_uname_info; env → name asks for labels
    // this server lacks and takes the empty value instead of blocking.
    let layout = load(&grafana::convert(&[fixture("node-exporter-starsl-en-compat")]).unwrap());
    let (app, screen) = shown(layout, &url).await;
    assert_eq!(selection(&app, "job"), "node");
    assert_eq!(selection(&app, "hostname"), nodename);
    assert_eq!(selection(&app, "node"), target);
    assert_eq!(selection(&app, "env"), "");
    assert!(
        screen.contains("IP=127.0.0.1") && screen.contains("=(none)"),
        "{screen}"
    );
    let empty = empty_though_their_metrics_exist(&app, &client).await;
    assert!(empty.is_empty(), "no series:\n{}", empty.join("\n"));
    drop(exporter);
}
