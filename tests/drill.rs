//! Drill-down against a real Prometheus scraping the simulator in its incident: the keys
//! from the Overview to the replication-lag drill view show the lagging replica first, in
//! alert style, above 5 s, and Enter opens its per-replica view. Every breakdown the
//! default layout declares returns data for a real label value.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use spheroseg_top::app::focus::Dir;
use spheroseg_top::app::{Action, App, Msg};
use spheroseg_top::config::Layout;
use spheroseg_top::config::layout::ChartSpec;
use spheroseg_top::sim::Scenario;
use std::time::Duration;

const WARM_UP: &str = "sum(rate(http_request_duration_seconds_count[5m])) > 0";

fn press(app: &mut App, action: Action) {
    app.update(Msg::Action(action));
}

/// The focused KPI row's name on the Overview.
fn selected_kpi(app: &App) -> String {
    let focus = app.focus();
    let panel = &app.layout().tabs[app.tab()].rows[focus.row].panels[focus.col];
    panel.kpis[focus.kpi].name.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_red_kpi_to_the_lagging_replica_in_three_keys() {
    let stack = stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, WARM_UP, Duration::from_secs(20)).await;
    // Enough of the incident for a chart at a 10 s step to hold a few points of it.
    wait_for(
        &url,
        "count_over_time(db_replication_lag_seconds{replica=\"replica-2\"}[1m]) > 12",
        Duration::from_secs(40),
    )
    .await;

    let mut app = app(Layout::load("spheroseg").unwrap(), &url);
    app.update(Msg::Action(Action::Resize(200, 60)));
    poll_until_complete(&mut app, &url).await;

    // → focuses "Database performance" on its worst row. The pool may be at ALERT too
    // (it sits at 90 %), so walk down to the lag row if focus chose the pool.
    press(&mut app, Action::Focus(Dir::Right));
    for _ in 0..3 {
        if selected_kpi(&app) == "Replication lag" {
            break;
        }
        press(&mut app, Action::Focus(Dir::Down));
    }
    assert_eq!(selected_kpi(&app), "Replication lag");
    press(&mut app, Action::Open);
    assert_eq!(app.breadcrumb(), vec!["Overview", "Replication lag"]);
    assert_eq!(answer_range_requests(&mut app, &url).await, 1);

    let buffer = render(&app, 200, 60);
    let screen = lines(&buffer);
    let header = screen
        .iter()
        .position(|l| l.contains("Series") && l.contains("Beyond alert"))
        .unwrap_or_else(|| panic!("series table:\n{}", screen.join("\n")));
    let first = &screen[header + 1];
    assert!(
        first.contains("replica-2") && first.contains("ALERT"),
        "worst first:\n{}",
        screen.join("\n")
    );
    let current: f64 = first
        .split("replica-2")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(current > 5.0, "lag above 5 s: {first}");
    let x = first.find("replica-2").unwrap() as u16;
    let y = header as u16 + 1;
    let alert_fg = app.theme().alert.fg;
    assert_eq!(
        buffer[(x, y)].fg,
        alert_fg.unwrap(),
        "the row is in alert style"
    );
    assert!(
        screen
            .iter()
            .any(|l| l.contains("Overview › Replication lag"))
    );

    press(&mut app, Action::Open);
    assert_eq!(
        app.breadcrumb(),
        vec!["Overview", "Replication lag", "replica-2"]
    );
    assert!(answer_range_requests(&mut app, &url).await >= 4);
    let screen = lines(&render(&app, 200, 60)).join("\n");
    for title in [
        "Replication lag: replica-2",
        "Connection pool utilisation",
        "Query p95 by pool",
        "Read/write split",
    ] {
        assert!(
            screen.contains(title),
            "{title} in the per-replica view:\n{screen}"
        );
    }
    for bad in ["loading", "⚠", "no data"] {
        assert!(
            !screen.contains(bad),
            "{bad:?} in the per-replica view:\n{screen}"
        );
    }
}

/// Every `[drill.*]` of the default layout: its query (or the panel's) returns series with
/// the labels it breaks down by, and every per-label chart returns data for one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_declared_breakdown_returns_data() {
    let stack = stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, WARM_UP, Duration::from_secs(20)).await;
    let layout = Layout::load("spheroseg").unwrap();
    let client = client(&url);
    let now = spheroseg_top::clock::unix_now();

    let mut specs: Vec<ChartSpec> = Vec::new();
    for tab in &layout.tabs {
        for row in &tab.rows {
            for panel in &row.panels {
                if panel.drill.is_some() {
                    specs.push(panel.chart_spec(&layout.queries));
                }
                for kpi in panel.kpis.iter().filter(|k| k.drill.is_some()) {
                    specs.push(kpi.chart_spec(&layout.queries));
                }
            }
        }
    }
    assert!(
        specs.len() >= 10,
        "the default layout drills into every subsystem"
    );
    for spec in specs {
        let breakdown = spec.breakdown.as_ref().unwrap();
        let series = client
            .range(&spec.queries[0].expr, now - 60.0, now, 5.0)
            .await
            .unwrap();
        let labels = series
            .iter()
            .map(|s| &s.labels)
            .find(|l| breakdown.by.iter().all(|b| l.contains_key(b)))
            .unwrap_or_else(|| {
                panic!(
                    "\"{}\" has no series with labels {:?}",
                    spec.title, breakdown.by
                )
            });
        let values: Vec<(String, String)> = breakdown
            .by
            .iter()
            .map(|b| (b.clone(), labels[b].clone()))
            .collect();
        for panel in &breakdown.panels {
            let panel = panel.substitute(&values);
            for query in &panel.queries {
                let answer = client
                    .range(&query.expr, now - 60.0, now, 5.0)
                    .await
                    .unwrap();
                assert!(
                    !answer.is_empty(),
                    "\"{}\" of \"{}\" returned nothing: {}",
                    panel.title,
                    spec.title,
                    query.expr
                );
            }
        }
    }
}
