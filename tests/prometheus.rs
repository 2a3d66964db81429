//! Against a real Prometheus scraping the simulator: every query of the default layout
//! returns data and every panel renders a value; the incident turns the right rows red.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ratatui::style::Color;
use spheroseg_top::app::{Action, Msg};
use spheroseg_top::config::Layout;
use spheroseg_top::model::Status;
use spheroseg_top::sim::Scenario;
use spheroseg_top::view::tab_status;
use std::time::Duration;

/// rate(...[5m]) needs two scrapes; histogram_quantile over it as well.
const WARM_UP: &str = "sum(rate(http_request_duration_seconds_count[5m])) > 0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_of_the_default_layout_returns_data_and_every_panel_renders() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, WARM_UP, Duration::from_secs(20)).await;

    let layout = Layout::load("spheroseg").unwrap();
    let mut app = app(layout, &url);
    poll_until_complete(&mut app, &url).await;

    // This Prometheus loads no SLO rules: the SLO panels read their raw windows, and the
    // queries of the recording rules they would prefer are rightly empty (tests/slo.rs
    // loads the rules and reads them).
    let recorded: Vec<usize> = app
        .layout()
        .slos
        .iter()
        .flat_map(|slo| slo.queries.recorded)
        .collect();
    for (id, query) in app.layout().queries.iter().enumerate() {
        if recorded.contains(&id) {
            continue;
        }
        let data = app.store().query(id).unwrap();
        assert!(
            data.error.is_none(),
            "query failed: {}\n{:?}",
            query.expr,
            data.error
        );
        let values: Vec<f64> = data.current().map(|(_, v)| v).collect();
        assert!(!values.is_empty(), "no series for: {}", query.expr);
        // Per-series quantiles of rarely hit series are NaN (0/0) in PromQL itself; the
        // panel must still have real numbers to show.
        assert!(
            values.iter().any(|v| v.is_finite()),
            "no finite value for {}: {values:?}",
            query.expr
        );
    }

    let tabs = app.layout().tabs.len();
    for tab in 0..tabs {
        app.update(Msg::Action(Action::SelectTab(tab)));
        let screen = lines(&render(&app, 200, 60)).join("\n");
        for bad in ["NO DATA", "waiting for data", "no data", "ERROR", "⚠"] {
            assert!(
                !screen.contains(bad),
                "tab {} shows {bad:?}:\n{screen}",
                app.layout().tabs[tab].title
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_turns_the_replication_lag_row_to_alert() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, WARM_UP, Duration::from_secs(20)).await;
    stack.sim.set_scenario(Scenario::Incident);
    wait_for(
        &url,
        "max(db_replication_lag_seconds) > 5",
        Duration::from_secs(20),
    )
    .await;

    let mut app = app(Layout::load("spheroseg").unwrap(), &url);
    poll_until_complete(&mut app, &url).await;

    let buffer = render(&app, 200, 60);
    let screen = lines(&buffer);
    let (y, line) = screen
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains("Replication lag") && l.contains("ALERT"))
        .unwrap_or_else(|| panic!("no alerting replication lag row:\n{}", screen.join("\n")));
    assert!(
        line.contains("replica-2"),
        "the lagging replica is named: {line}"
    );
    let x = line
        .find("Replication lag")
        .map(|byte| line[..byte].chars().count())
        .unwrap() as u16;
    let alert_fg = app.theme().alert.fg;
    assert_eq!(
        buffer[(x, y as u16)].fg,
        alert_fg.unwrap_or(Color::Reset),
        "row drawn in alert style"
    );

    let database = app
        .layout()
        .tabs
        .iter()
        .position(|t| t.title == "Database")
        .unwrap();
    assert_eq!(
        tab_status(&app.layout().tabs[database], app.store(), app.context()),
        Status::Alert,
        "Database tab title carries the alert"
    );
}
