//! `import grafana` on real public dashboards (tests/fixtures/grafana, see its README) and
//! on a small hand-written one that holds every case at once: every imported layout loads
//! with the project's loader, the conversion reports are snapshotted, and the subcommand's
//! exit codes are those documented (0 written, 1 under --strict with losses, 2 bad input).

#![allow(clippy::unwrap_used)]

use spheroseg_top::config::layout::PanelKind;
use spheroseg_top::config::{Layout, Source};
use spheroseg_top::import::grafana::{self, Conversion, Input};
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &[&str] = &[
    "node-exporter-full",
    "victoriametrics",
    "prometheus-overview",
    "alertmanager-overview",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/grafana/{name}.json"))
}

/// A fixture as an input named by its file name, so reports do not depend on the checkout.
fn input(name: &str) -> Input {
    Input {
        origin: format!("{name}.json"),
        text: std::fs::read_to_string(fixture(name)).unwrap(),
    }
}

fn load(conversion: &Conversion) -> Layout {
    let text = conversion.layout.clone().expect("a layout was written");
    Layout::parse(Source {
        origin: "imported.toml".into(),
        text,
    })
    .unwrap_or_else(|e| panic!("the imported layout does not load:\n{e}"))
}

#[test]
fn each_real_dashboard_imports_into_a_layout_that_loads_with_its_report() {
    for name in FIXTURES {
        let conversion = grafana::convert(&[input(name)]).unwrap();
        let layout = load(&conversion);
        let report = &conversion.report;
        let panels: usize = layout
            .tabs
            .iter()
            .flat_map(|t| &t.rows)
            .map(|r| r.panels.len())
            .sum();
        let written = report
            .entries
            .iter()
            .filter(|e| e.what == "panel" && e.converted_as.is_some())
            .count();
        assert_eq!(
            panels, written,
            "{name}: every converted panel is in the layout"
        );
        assert!(panels > 0, "{name}: something converted");
        // Nothing dropped silently: each panel of the dashboard has an entry.
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
        let mut in_dashboard = 0;
        let mut stack: Vec<&serde_json::Value> =
            json["panels"].as_array().unwrap().iter().collect();
        while let Some(panel) = stack.pop() {
            in_dashboard += 1;
            stack.extend(panel["panels"].as_array().into_iter().flatten());
        }
        let reported = report
            .entries
            .iter()
            .filter(|e| e.what == "panel" || e.what == "row")
            .count();
        assert_eq!(
            reported, in_dashboard,
            "{name}: every panel and row is reported"
        );
        insta::assert_snapshot!(
            format!("report_{}", name.replace('-', "_")),
            report.to_text()
        );
    }
}

#[test]
fn several_dashboards_become_one_layout_tabs_one_after_another() {
    let each: Vec<usize> = FIXTURES
        .iter()
        .map(|n| load(&grafana::convert(&[input(n)]).unwrap()).tabs.len())
        .collect();
    let all: Vec<Input> = FIXTURES.iter().map(|n| input(n)).collect();
    let layout = load(&grafana::convert(&all).unwrap());
    assert_eq!(layout.tabs.len(), each.iter().sum::<usize>());
    assert!(layout.title.contains("Node Exporter Full") && layout.title.contains(" + "));
}

/// One dashboard with every case: a datasource input, panels above the first row, an open
/// and a collapsed row, hidden and non-PromQL targets, mappings, thresholds both ways.
const SYNTHETIC: &str = r##"{
  "__inputs": [
    {"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"},
    {"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}
  ],
  "title": "Synthetic", "uid": "syn", "schemaVersion": 36,
  "templating": {"list": [
    {"name": "job", "type": "query", "datasource": "${DS_PROM}",
     "query": "label_values(up, job)", "current": {"value": "node"}},
    {"name": "env", "type": "custom", "query": "prod,staging", "multi": true}
  ]},
  "panels": [
    {"id": 1, "type": "stat", "title": "Up", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
     "datasource": "${DS_PROM}",
     "fieldConfig": {"defaults": {"unit": "bool_yes_no"}},
     "targets": [{"refId": "A", "expr": "up{job=\"$job\"}", "legendFormat": "{{instance}}"}]},
    {"id": 2, "type": "gauge", "title": "Free disk", "gridPos": {"x": 6, "y": 0, "w": 18, "h": 4},
     "fieldConfig": {"defaults": {"unit": "percentunit", "thresholds": {"mode": "absolute", "steps": [
       {"color": "red", "value": null}, {"color": "orange", "value": 0.1}, {"color": "green", "value": 0.2}]}}},
     "targets": [{"refId": "A", "expr": "node_filesystem_avail_bytes / node_filesystem_size_bytes"},
                 {"refId": "B", "expr": "up", "hide": true},
                 {"refId": "C", "expr": "{job=\"x\"}", "datasource": {"type": "loki", "uid": "l"}}]},
    {"id": 10, "type": "row", "title": "Open row", "collapsed": false, "gridPos": {"x": 0, "y": 4, "w": 24, "h": 1}, "panels": []},
    {"id": 3, "type": "timeseries", "title": "Latency", "gridPos": {"x": 0, "y": 5, "w": 16, "h": 8},
     "timeFrom": "1h",
     "fieldConfig": {"defaults": {"unit": "ms", "decimals": 1,
       "custom": {"thresholdsStyle": {"mode": "line"}},
       "thresholds": {"steps": [{"color": "green", "value": null}, {"color": "#EAB839", "value": 200}, {"color": "red", "value": 500}]}}},
     "targets": [{"refId": "A", "expr": "histogram_quantile(0.95, rate(x_bucket[5m]))", "legendFormat": "p95"},
                 {"refId": "B", "expr": "histogram_quantile(0.5, rate(x_bucket[5m]))", "legendFormat": "p50"}]},
    {"id": 4, "type": "text", "title": "Read me", "gridPos": {"x": 16, "y": 5, "w": 8, "h": 8}},
    {"id": 11, "type": "row", "title": "Collapsed row", "collapsed": true, "gridPos": {"x": 0, "y": 13, "w": 24, "h": 1},
     "panels": [
       {"id": 5, "type": "table", "title": "Targets", "gridPos": {"x": 0, "y": 14, "w": 12, "h": 6},
        "targets": [{"refId": "A", "expr": "up", "format": "table", "instant": true}]},
       {"id": 6, "type": "bargauge", "title": "Load", "gridPos": {"x": 12, "y": 14, "w": 12, "h": 6},
        "options": {"reduceOptions": {"calcs": ["max"]}},
        "targets": [{"refId": "A", "expr": "node_load1", "legendFormat": "{{instance}}"}]}
     ]},
    {"id": 7, "type": "timeseries", "title": "Shared", "gridPos": {"x": 0, "y": 13, "w": 24, "h": 4},
     "libraryPanel": {"uid": "lib", "name": "Shared"}},
    {"id": 12, "type": "row", "title": "Empty row", "collapsed": true, "gridPos": {"x": 0, "y": 20, "w": 24, "h": 1}, "panels": []}
  ]
}"##;

fn synthetic() -> Conversion {
    grafana::convert(&[Input {
        origin: "synthetic.json".into(),
        text: SYNTHETIC.into(),
    }])
    .unwrap()
}

#[test]
fn rows_grid_targets_and_field_config_convert_as_grafana_shows_them() {
    let conversion = synthetic();
    let layout = load(&conversion);
    let titles: Vec<&str> = layout.tabs.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Synthetic", "Open row", "Collapsed row"]);

    let top = &layout.tabs[0].rows;
    assert_eq!(top.len(), 1);
    let [up, disk] = [&top[0].panels[0], &top[0].panels[1]];
    assert_eq!((up.kind, up.width, disk.width), (PanelKind::Stat, 6, 18));
    assert_eq!(up.mappings.len(), 2, "bool_yes_no names 1 and 0");
    // Red below 0.1, orange below 0.2: lower is worse.
    assert_eq!(disk.kind, PanelKind::Gauge);
    assert_eq!(
        (
            disk.thresholds.alert,
            disk.thresholds.target,
            disk.thresholds.direction
        ),
        (Some(0.1), Some(0.2), spheroseg_top::model::Direction::Below)
    );
    assert_eq!(
        disk.queries.len(),
        1,
        "hidden and Loki targets are left out"
    );

    let latency = &layout.tabs[1].rows[0].panels[0];
    assert_eq!(latency.kind, PanelKind::Chart);
    assert_eq!(latency.queries.len(), 2);
    assert_eq!(latency.queries[1].legend.as_deref(), Some("p50"));
    assert_eq!(latency.unit, spheroseg_top::model::Unit::Milliseconds);
    assert_eq!(
        (latency.thresholds.target, latency.thresholds.alert),
        (Some(200.0), Some(500.0))
    );
    assert_eq!(latency.decimals, Some(1));
    assert_eq!(
        latency.window,
        Duration::from_secs(3600),
        "its relative time"
    );

    let collapsed = &layout.tabs[2].rows[0].panels;
    assert_eq!(collapsed[0].kind, PanelKind::Table);
    assert_eq!(collapsed[1].kind, PanelKind::Bar);

    let text = conversion.report.to_text();
    for expected in [
        "panel #4 \"Read me\" (text): skipped because a text panel has no query",
        "row #12 \"Empty row\" (row): skipped because it holds no panels",
        "panel #7 \"Shared\" (timeseries): skipped because a library panel",
        "target C queries a loki datasource",
        "Grafana's max over time becomes the max of the series' latest values",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let layout_text = conversion.layout.unwrap();
    assert!(layout_text.contains("note: target B is hidden in Grafana and left out"));
    assert!(
        layout_text.contains("up{job=\"$job\"}"),
        "queries are kept verbatim"
    );
}

#[test]
fn old_dashboards_and_other_json_are_refused_with_reasons() {
    let convert = |text: &str| {
        grafana::convert(&[Input {
            origin: "d.json".into(),
            text: text.into(),
        }])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    };
    assert!(convert(r#"{"schemaVersion": 14, "rows": []}"#).contains("schemaVersion 14 predates"));
    assert!(convert("[1, 2]").contains("expected a JSON object"));
    let v2 = r#"{"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard", "spec": {}}"#;
    assert!(convert(v2).contains("schema v2"));
    assert!(convert(r#"{"title": "x"}"#).contains("needs `schemaVersion`"));
    assert_eq!(
        convert("{\n  \"panels\": [1,]\n}"),
        "d.json:2:16: not valid JSON: trailing comma"
    );
    // An export wrapped as the HTTP API returns it is unwrapped.
    let wrapped = format!("{{\"dashboard\": {SYNTHETIC}, \"meta\": {{}}}}");
    assert_eq!(convert(&wrapped), "");
}

fn import(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .arg("import")
        .arg("grafana")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_subcommand_writes_the_layout_and_report_and_exits_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let dashboard = dir.path().join("synthetic.json");
    std::fs::write(&dashboard, SYNTHETIC).unwrap();
    let out = dir.path().join("out.toml");
    let report = dir.path().join("report.json");
    let d = dashboard.to_str().unwrap();
    let (code, _, stderr) = import(&[
        d,
        "-o",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("\"Read me\" (text): skipped because"),
        "{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(report["summary"]["skipped"].as_u64().unwrap() >= 2);
    assert_eq!(report["entries"][0]["dashboard"], d);
    // The written layout opens: `check` accepts it.
    let check = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(["check", "--layout", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // Without -o the layout goes to stdout; --strict fails on the skipped text panel.
    let (code, stdout, stderr) = import(&[d, "--strict"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.starts_with("# Imported from Grafana"));
    assert!(stderr.contains("--strict:"), "{stderr}");

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"title\": \"x\",\n  \"panels\": [\n}").unwrap();
    let (code, stdout, stderr) = import(&[broken.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(&format!("{}:4:1: not valid JSON", broken.display())),
        "{stderr}"
    );
}

mod conn_support;

use conn_support::{node_exporter, options, prometheus, wait_for_data};
use spheroseg_top::model::Unit;
use spheroseg_top::prom::PromClient;
use spheroseg_top::variables::expand::{Bound, Format, Intervals, Selection, expand};
use std::time::Duration;

/// The layout's queries with its variables bound as the dashboard's picker would bind them
/// (job, node name and instance of the one node), with the built-in intervals of a 1s scrape.
fn bind_variables(layout: &mut Layout, values: &[(&str, &str)]) {
    let bound: Vec<Bound> = layout
        .variables
        .iter()
        .map(|variable| {
            let value = values
                .iter()
                .find(|(name, _)| *name == variable.name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| panic!("no value for ${}", variable.name));
            Bound::new(variable, &Selection::of(vec![value]), &[])
        })
        .collect();
    let intervals = Intervals {
        scrape: Duration::from_secs(1),
        step: Duration::from_secs(1),
        range: Duration::from_secs(15 * 60),
    };
    for query in &mut layout.queries {
        query.expr = intervals.expand(&expand(&query.expr, &bound, Format::Query));
    }
}

/// The first tab on `client` once every query answered, drawn 160×45: the screen's lines,
/// and the queries that failed, with their errors.
async fn first_tab(layout: Layout, client: PromClient) -> (Vec<String>, Vec<String>) {
    // Generous: a loaded machine answers a few hundred queries slowly.
    let app = conn_support::answered(layout, client, None, Duration::from_secs(120)).await;
    let failed = app
        .layout()
        .queries
        .iter()
        .enumerate()
        .filter_map(|(id, q)| {
            let error = app.store().query(id)?.error.as_ref()?;
            Some(format!("{}: {error}", q.expr))
        })
        .collect();
    (conn_support::render(&app), failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_dashboards_show_a_real_node_exporter_s_and_prometheus_values() {
    let exporter = node_exporter();
    let target = format!("127.0.0.1:{}", exporter.port);
    let mut server = prometheus(&target);
    let client = PromClient::new(&format!("http://127.0.0.1:{}", server.port), options()).unwrap();
    // Rates over $__rate_interval (4s at a 1s scrape) need a few scrapes behind them.
    wait_for_data(
        &client,
        "rate(node_cpu_seconds_total[4s])",
        &mut server,
        Duration::from_secs(60),
    )
    .await;
    let now = spheroseg_top::clock::unix_now();
    let uname = client.instant("node_uname_info", now).await.unwrap();
    let nodename = uname.samples[0].labels["nodename"].clone();
    let value = |answer: spheroseg_top::prom::InstantAnswer| answer.samples[0].value;
    let total = value(
        client
            .instant("node_memory_MemTotal_bytes", now)
            .await
            .unwrap(),
    );
    let cores = value(
        client
            .instant("count(node_cpu_seconds_total{mode=\"idle\"})", now)
            .await
            .unwrap(),
    );

    let mut layout = load(&grafana::convert(&[input("node-exporter-full")]).unwrap());
    bind_variables(
        &mut layout,
        &[("job", "node"), ("nodename", &nodename), ("node", &target)],
    );
    let (screen, failed) = first_tab(layout, client.clone()).await;
    let text = screen.join("\n");
    assert!(text.contains("Quick CPU / Mem / Disk"), "{text}");
    // RAM Total and CPU Cores as their panels write the exporter's own numbers.
    for shown in [
        Unit::Bytes.format(total, Some(0)),
        Unit::None.format(cores, None),
    ] {
        assert!(text.contains(&shown), "{shown} not shown:\n{text}");
    }
    // Every query the import kept verbatim, once its variables are bound, is PromQL the
    // server runs.
    assert!(
        failed.is_empty(),
        "queries the server refused:\n{}",
        failed.join("\n")
    );

    // Prometheus / Overview's table lists the Prometheus that scrapes itself: a line for
    // its build info (named Count in Grafana, with its version) and one for its uptime.
    let own = format!("127.0.0.1:{}", server.port);
    wait_for_data(
        &client,
        "prometheus_build_info",
        &mut server,
        Duration::from_secs(60),
    )
    .await;
    let now = spheroseg_top::clock::unix_now();
    let build = client.instant("prometheus_build_info", now).await.unwrap();
    let version = build.samples[0].labels["version"].clone();
    let mut layout = load(&grafana::convert(&[input("prometheus-overview")]).unwrap());
    bind_variables(
        &mut layout,
        &[("cluster", ""), ("job", "prometheus"), ("instance", &own)],
    );
    let (screen, failed) = first_tab(layout, client).await;
    let text = screen.join("\n");
    let line = |name: &str| screen.iter().find(|l| l.contains(name)).cloned();
    assert!(
        line("Series").is_some_and(|l| l.contains("Value")),
        "{text}"
    );
    assert!(
        line("Count").is_some_and(|l| l.contains(&version)),
        "{text}"
    );
    assert!(line("Uptime").is_some(), "{text}");
    assert!(
        failed.is_empty(),
        "queries the server refused:\n{}",
        failed.join("\n")
    );
    drop(exporter);
}
