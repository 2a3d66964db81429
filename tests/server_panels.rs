//! The targets and tsdb panels and the why-empty reasons as drawn (TestBackend), from
//! server answers given directly: every size draws without a panic, and what matters is
//! on screen at a usual one.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use spheroseg_top::app::focus::Dir;
use spheroseg_top::app::{Action, App, Msg};
use spheroseg_top::config::Layout;
use spheroseg_top::event::{DataEvent, ServerData, ServerRequest};
use spheroseg_top::prom::status::{BuildInfo, RuntimeInfo, SeriesList, ServerFacts, TsdbStatus};
use spheroseg_top::prom::{Target, TargetHealth};
use std::time::Duration;

const NOW: f64 = 1_800_000_000.0;

fn target(job: &str, instance: &str, health: TargetHealth, error: Option<&str>) -> Target {
    Target {
        pool: job.into(),
        labels: labels(&[("job", job), ("instance", instance)]),
        scrape_url: format!("http://{instance}/metrics"),
        health,
        last_error: error.map(str::to_string),
        last_scrape: Some(NOW - 3.0),
        last_scrape_duration: 0.012,
        scrape_interval: Some(Duration::from_secs(15)),
        scrape_timeout: Some(Duration::from_secs(10)),
        samples: Some(if health == TargetHealth::Up { 1234 } else { 0 }),
    }
}

fn server(app: &mut App, request: ServerRequest, data: ServerData) {
    app.update(Msg::Data(DataEvent::Server {
        at: NOW,
        request,
        result: Ok(data),
    }));
}

fn app() -> App {
    let mut app = common::app(Layout::load("spheroseg").unwrap(), "http://127.0.0.1:9090");
    app.update(Msg::Tick(NOW));
    let refused = "Get \"http://127.0.0.1:9100/metrics\": dial tcp 127.0.0.1:9100: connect: connection refused";
    server(
        &mut app,
        ServerRequest::Targets,
        ServerData::Targets(vec![
            target("node", "127.0.0.1:9100", TargetHealth::Down, Some(refused)),
            target("spheroseg", "127.0.0.1:8080", TargetHealth::Up, None),
        ]),
    );
    let facts = ServerFacts {
        build: BuildInfo {
            version: "2.53.0".into(),
            ..BuildInfo::default()
        },
        runtime: RuntimeInfo {
            reload_config_success: false,
            storage_retention: Some("15d".into()),
            ..RuntimeInfo::default()
        },
        scrape_interval: Some(Duration::from_secs(15)),
        tsdb: TsdbStatus {
            head_series: 5170,
            head_chunks: 5200,
            label_pairs: 400,
            series_by_metric: vec![("http_request_duration_seconds_bucket".into(), 840)],
            values_by_label: vec![("__name__".into(), 290)],
        },
    };
    server(
        &mut app,
        ServerRequest::Facts,
        ServerData::Facts(Box::new(facts)),
    );
    // The memory row answers empty; its series live on the down node target.
    let id = app
        .layout()
        .queries
        .iter()
        .position(|q| q.expr.contains("node_memory_MemAvailable_bytes"))
        .unwrap();
    app.update(Msg::Data(DataEvent::Instant {
        id,
        at: NOW,
        result: Ok(Vec::new()),
        latency: Duration::ZERO,
    }));
    for selector in [
        "node_memory_MemAvailable_bytes",
        "node_memory_MemTotal_bytes",
    ] {
        server(
            &mut app,
            ServerRequest::Series {
                selector: selector.into(),
            },
            ServerData::Series(SeriesList {
                series: vec![labels(&[
                    ("__name__", selector),
                    ("job", "node"),
                    ("instance", "127.0.0.1:9100"),
                ])],
                total: 1,
            }),
        );
    }
    app
}

fn prometheus_tab(app: &mut App) {
    let tab = app
        .layout()
        .tabs
        .iter()
        .position(|t| t.title == "Prometheus")
        .unwrap();
    app.update(Msg::Action(Action::SelectTab(tab)));
}

#[test]
fn the_prometheus_tab_draws_at_every_size() {
    let mut app = app();
    prometheus_tab(&mut app);
    for width in [1, 10, 20, 40, 80, 120, 200] {
        for height in [1, 3, 5, 10, 24, 50] {
            render(&app, width, height);
        }
    }
}

#[test]
fn targets_down_first_with_their_error_under_the_server_facts() {
    let mut app = app();
    prometheus_tab(&mut app);
    let screen = lines(&render(&app, 160, 40));
    let text = screen.join("\n");
    assert!(
        text.contains(
            "Prometheus 2.53.0 · scrape interval 15s · retention 15d · config reload FAILED"
        ),
        "{text}"
    );
    let down = screen.iter().position(|l| l.contains("DOWN")).unwrap();
    let up = screen.iter().position(|l| l.contains(" UP ")).unwrap();
    assert!(down < up, "{text}");
    assert!(
        screen[down].contains("12ms / 10s") && screen[down].contains("connection refused"),
        "{}",
        screen[down]
    );
    assert!(screen[up].contains("1234"), "{}", screen[up]);
    assert!(text.contains("head: 5170 series · 5200 chunks"), "{text}");
    assert!(
        text.contains("     840  http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[test]
fn the_empty_memory_row_names_the_down_target() {
    let app = app();
    let text = lines(&render(&app, 200, 60)).join("\n");
    assert!(
        text.contains("Memory usage: target node 127.0.0.1:9100 down: connection refused"),
        "{text}"
    );
}

#[test]
fn the_selected_kpi_rows_reason_is_the_one_under_the_table() {
    let mut app = app();
    let id = app
        .layout()
        .queries
        .iter()
        .position(|q| q.expr.contains(r#"status=~"5..""#))
        .unwrap();
    app.update(Msg::Data(DataEvent::Instant {
        id,
        at: NOW,
        result: Ok(Vec::new()),
        latency: Duration::ZERO,
    }));
    for selector in [
        r#"http_request_duration_seconds_count{status=~"5.."}"#,
        "http_request_duration_seconds_count",
    ] {
        server(
            &mut app,
            ServerRequest::Series {
                selector: selector.into(),
            },
            ServerData::Series(SeriesList::default()),
        );
    }
    let footer = |app: &App| {
        lines(&render(app, 200, 60))
            .into_iter()
            .find(|l| l.contains("║Memory usage: ") || l.contains("║Error rate: "))
            .unwrap_or_default()
    };
    let kpi = |app: &App| app.focus().kpi;
    while kpi(&app) != 1 {
        let before = kpi(&app);
        let dir = if before > 1 { Dir::Up } else { Dir::Down };
        app.update(Msg::Action(Action::Focus(dir)));
        assert_ne!(kpi(&app), before, "focus moves");
    }
    assert!(
        footer(&app).contains("Error rate: metric http_request_duration_seconds_count does not"),
        "{}",
        footer(&app)
    );
    while kpi(&app) != 3 {
        app.update(Msg::Action(Action::Focus(Dir::Down)));
    }
    assert!(
        footer(&app).contains("Memory usage: target node 127.0.0.1:9100 down"),
        "{}",
        footer(&app)
    );
}

/// The Prometheus tab with the three targets of a SpherosegV4 stack.
fn three_targets() -> App {
    let mut app = app();
    server(
        &mut app,
        ServerRequest::Targets,
        ServerData::Targets(vec![
            target("node", "127.0.0.1:9100", TargetHealth::Up, None),
            target("prometheus", "127.0.0.1:9090", TargetHealth::Up, None),
            target(
                "spheroseg-backend",
                "127.0.0.1:8080",
                TargetHealth::Up,
                None,
            ),
        ]),
    );
    prometheus_tab(&mut app);
    app
}

/// The screen line where the panel titled `title` starts.
fn panel_top(screen: &[String], title: &str) -> usize {
    screen
        .iter()
        .position(|l| l.contains(title) && l.starts_with(['╭', '┌', '╔', '┏']))
        .unwrap_or_else(|| panic!("no panel {title}:\n{}", screen.join("\n")))
}

#[test]
fn the_targets_table_names_the_job_whole_and_takes_only_the_lines_it_needs() {
    let app = three_targets();
    let screen = lines(&render(&app, 200, 60));
    let text = screen.join("\n");
    let header = screen.iter().find(|l| l.contains("Health")).unwrap();
    assert!(
        header.contains(" Job ") && !header.contains("Pool"),
        "{header}"
    );
    let row = screen
        .iter()
        .find(|l| l.contains("127.0.0.1:8080"))
        .unwrap();
    assert!(row.contains("spheroseg-backend "), "the job is cut: {row}");
    // The facts line, the header and three targets in a frame: 7 lines, the rest is the
    // cardinality panel's.
    let targets = panel_top(&screen, "Scrape targets");
    let cardinality = panel_top(&screen, "Cardinality");
    assert!(
        cardinality - targets <= 8,
        "targets take {} lines:\n{text}",
        cardinality - targets
    );
    assert!(
        text.contains("series per query of this dashboard"),
        "{text}"
    );
}

#[test]
fn at_80x24_both_panels_show_what_matters() {
    let app = three_targets();
    let screen = lines(&render(&app, 80, 24));
    let text = screen.join("\n");
    for instance in ["127.0.0.1:9100", "127.0.0.1:9090", "127.0.0.1:8080"] {
        assert!(text.contains(instance), "{instance} missing:\n{text}");
    }
    assert!(text.contains("spheroseg-backend "), "{text}");
    let targets = panel_top(&screen, "Scrape targets");
    let cardinality = panel_top(&screen, "Cardinality");
    assert!(cardinality - targets <= 8, "{text}");
    for line in ["top metrics by series", "top labels by values", "in all"] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
}
