//! What is paging, as the user sees it: against a real Prometheus loaded with the guide's
//! rules (sped up) during the simulator's incident, the Alerts tab lists the three alerts
//! firing, the status bar counts them, the Database tab and the replication-lag panel are in
//! alert style. From fixtures: a panel is never green while an alert on its metric fires,
//! and the bell rings once per newly firing critical alert.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use spheroseg_top::alerts::RuleFile;
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::config::layout::PanelKind;
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::demo::{Stack, StackOptions};
use spheroseg_top::event::DataEvent;
use spheroseg_top::model::{Labels, Status};
use spheroseg_top::prom::Sample;
use spheroseg_top::prom::{Alert, AlertSource, AlertState};
use spheroseg_top::sim::Scenario;
use spheroseg_top::view::{panel_status, tab_status};
use std::path::PathBuf;
use std::time::Duration;

const ALERTS: [&str; 3] = [
    "HighAPIResponseTime",
    "DatabaseReplicationLag",
    "MLQueueBacklog",
];

fn fast_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/spheroseg-fast.yml")
}

fn tab_index(app: &App, title: &str) -> usize {
    app.layout()
        .tabs
        .iter()
        .position(|t| t.title == title)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_pages_and_every_view_says_so() {
    let stack = match Stack::start(StackOptions {
        scenario: Scenario::Incident,
        rule_files: vec![fast_rules()],
        ..StackOptions::default()
    })
    .await
    {
        Ok(stack) => stack,
        Err(e) => panic!("this test needs a real Prometheus and could not start one:\n{e}"),
    };
    let url = stack.prometheus_url().to_string();
    let client = client(&url);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let alerts = client.alerts().await.unwrap_or_default();
        let firing = |name: &str| {
            alerts
                .iter()
                .any(|a| a.name == name && a.state == AlertState::Firing)
        };
        if ALERTS.iter().all(|n| firing(n)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Prometheus never fired the three alerts: {alerts:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let mut app = app(Layout::load("spheroseg").unwrap(), &url);
    poll_until_complete(&mut app, &url).await;

    let alerts_tab = tab_index(&app, "Alerts");
    app.update(Msg::Action(Action::SelectTab(alerts_tab)));
    let screen = lines(&render(&app, 200, 60)).join("\n");
    for name in ALERTS {
        assert!(
            screen
                .lines()
                .any(|l| l.contains(name) && l.contains("FIRING") && l.contains("server")),
            "{name} firing in the Alerts tab:\n{screen}"
        );
    }
    let status_line = screen.lines().last().unwrap();
    assert!(
        status_line.contains("critical firing"),
        "status bar counts: {status_line}"
    );
    assert!(
        screen.contains("spheroseg") && screen.contains("ok"),
        "the rule group is healthy:\n{screen}"
    );

    let ctx = app.context();
    let database = &app.layout().tabs[tab_index(&app, "Database")];
    assert_eq!(tab_status(database, app.store(), ctx), Status::Alert);
    let lag_panel = database
        .rows
        .iter()
        .flat_map(|r| &r.panels)
        .find(|p| p.title == "Replication lag" && p.kind == PanelKind::Chart)
        .unwrap();
    assert_eq!(panel_status(lag_panel, app.store(), ctx), Status::Alert);
    assert_eq!(
        tab_status(&app.layout().tabs[alerts_tab], app.store(), ctx),
        Status::Alert
    );
    drop(stack);
}

fn fixture_app(bell: bool) -> App {
    let mut app = App::new(
        Layout::load("spheroseg").unwrap(),
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "fixture".into(),
            refresh: Duration::from_secs(5),
            note: None,
        },
    )
    .with_bell(bell);
    app.update(Msg::Tick(1_800_000_000.0));
    app
}

fn lag_alert(state: AlertState, severity: &str) -> Alert {
    let labels: Labels = [
        ("alertname", "DatabaseReplicationLag"),
        ("replica", "replica-2"),
        ("severity", severity),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Alert {
        name: "DatabaseReplicationLag".into(),
        labels,
        annotations: Default::default(),
        state,
        active_at: 1_800_000_000.0 - 600.0,
        value: 12.0,
        source: AlertSource::Server,
    }
}

fn send_alerts(app: &mut App, alerts: Vec<Alert>) {
    app.update(Msg::Data(DataEvent::Alerts {
        at: app.now(),
        result: Ok(alerts),
    }));
}

#[test]
fn local_rules_go_pending_then_fire_after_their_for() {
    let rules = RuleFile::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/spheroseg.yml"),
    )
    .unwrap();
    let mut app = fixture_app(false).with_rules(&[rules]);
    // The rule's own expression is polled with the layout's queries.
    let id = app
        .layout()
        .queries
        .iter()
        .position(|q| q.expr == "db_replication_lag_seconds > 5")
        .unwrap();
    let t0 = app.now();
    let lag_at = |app: &mut App, at: f64, v: f64| {
        app.update(Msg::Tick(at));
        // What Prometheus answers for `lag > 5`: the series only while it is beyond 5.
        let samples = (v > 5.0)
            .then(|| Sample {
                labels: [("replica".to_string(), "replica-2".to_string())].into(),
                time: at,
                value: v,
            })
            .into_iter()
            .collect();
        app.update(Msg::Data(DataEvent::Instant {
            id,
            at,
            result: Ok(samples),
            latency: Duration::ZERO,
        }));
    };
    lag_at(&mut app, t0, 9.0);
    let status = |app: &App| lines(&render(app, 160, 45)).last().unwrap().clone();
    assert!(
        status(&app).contains("1 critical pending"),
        "{}",
        status(&app)
    );
    lag_at(&mut app, t0 + 299.0, 9.0);
    assert!(
        status(&app).contains("1 critical pending"),
        "not before `for: 5m`"
    );
    lag_at(&mut app, t0 + 300.0, 9.0);
    assert!(
        status(&app).contains("1 critical firing"),
        "{}",
        status(&app)
    );
    app.update(Msg::Action(Action::SelectTab(tab_index(&app, "Alerts"))));
    let screen = lines(&render(&app, 160, 45)).join("\n");
    assert!(
        screen.lines().any(|l| l.contains("DatabaseReplicationLag")
            && l.contains("FIRING")
            && l.contains("local")),
        "{screen}"
    );
    assert!(
        screen.contains("Replication lag is 9s"),
        "annotation expanded:\n{screen}"
    );
    lag_at(&mut app, t0 + 310.0, 0.4);
    assert!(
        status(&app).contains("no alerts"),
        "resolved: {}",
        status(&app)
    );
}

#[test]
fn a_firing_server_alert_turns_the_panels_on_its_metric_red() {
    let mut app = fixture_app(false);
    // The server's rules say which expression the alert watches.
    app.update(Msg::Data(DataEvent::Rules {
        at: app.now(),
        result: Ok(vec![spheroseg_top::prom::RuleGroupStatus {
            name: "spheroseg".into(),
            file: "spheroseg.yml".into(),
            interval: 30.0,
            rules: vec![spheroseg_top::prom::RuleStatus {
                name: "DatabaseReplicationLag".into(),
                kind: spheroseg_top::prom::RuleKind::Alerting,
                query: "db_replication_lag_seconds > 10".into(),
                duration: 300.0,
                labels: Labels::new(),
                annotations: Default::default(),
                health: spheroseg_top::prom::RuleHealth::Ok,
                last_error: None,
                last_evaluation: Some(app.now()),
                evaluation_time: 0.001,
                state: Some(AlertState::Firing),
                alerts: vec![],
            }],
            last_evaluation: Some(app.now()),
            evaluation_time: 0.001,
        }]),
    }));
    let id = app
        .layout()
        .queries
        .iter()
        .position(|q| q.expr == "db_replication_lag_seconds")
        .unwrap();
    app.update(Msg::Data(DataEvent::Instant {
        id,
        at: app.now(),
        result: Ok(vec![Sample {
            labels: [("replica".to_string(), "replica-2".to_string())].into(),
            time: app.now(),
            value: 0.4,
        }]),
        latency: Duration::ZERO,
    }));
    let database = tab_index(&app, "Database");
    assert_ne!(
        tab_status(&app.layout().tabs[database], app.store(), app.context()),
        Status::Alert
    );
    send_alerts(&mut app, vec![lag_alert(AlertState::Firing, "critical")]);
    let ctx = app.context();
    assert_eq!(
        tab_status(&app.layout().tabs[database], app.store(), ctx),
        Status::Alert,
        "never green while paging"
    );
    assert_eq!(
        tab_status(&app.layout().tabs[0], app.store(), ctx),
        Status::Alert,
        "the Overview's lag row too"
    );
    // The KPI and the rule disagree (5 vs 10): the Rules panel says so.
    assert!(
        app.store()
            .alerts
            .mismatches
            .iter()
            .any(|m| m.kpi == "Replication lag" && m.rule == "DatabaseReplicationLag"),
        "{:?}",
        app.store().alerts.mismatches
    );
    app.update(Msg::Action(Action::SelectTab(tab_index(&app, "Alerts"))));
    let screen = lines(&render(&app, 160, 45)).join("\n");
    assert!(
        screen.contains(
            "KPI \"Replication lag\" alerts above 5 but rule DatabaseReplicationLag fires above 10"
        ),
        "{screen}"
    );
    send_alerts(&mut app, vec![]);
    assert_ne!(
        tab_status(&app.layout().tabs[database], app.store(), app.context()),
        Status::Alert,
        "resolved"
    );
}

#[test]
fn the_bell_rings_once_per_newly_firing_critical_alert() {
    let mut app = fixture_app(true);
    send_alerts(&mut app, vec![lag_alert(AlertState::Pending, "critical")]);
    assert!(!app.take_bell(), "pending does not ring");
    send_alerts(&mut app, vec![lag_alert(AlertState::Firing, "critical")]);
    assert!(app.take_bell(), "firing rings");
    send_alerts(&mut app, vec![lag_alert(AlertState::Firing, "critical")]);
    assert!(!app.take_bell(), "once");
    send_alerts(&mut app, vec![lag_alert(AlertState::Firing, "warning")]);
    assert!(!app.take_bell(), "warnings do not ring");
    send_alerts(&mut app, vec![]);
    send_alerts(&mut app, vec![lag_alert(AlertState::Firing, "critical")]);
    assert!(app.take_bell(), "firing again rings again");

    let mut quiet = fixture_app(false);
    send_alerts(&mut quiet, vec![lag_alert(AlertState::Firing, "critical")]);
    assert!(!quiet.take_bell(), "no bell without --bell");
}

/// The guide's incident at 200×60, Prometheus loaded with the guide's rules and sending to a
/// real Alertmanager, the same rules evaluated here too (`--rules`): every rule's name is
/// whole in the rules table, and `HighAPIResponseTime`, firing once per series, is one
/// collapsed group line with its count instead of a wall of rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_incident_scale_alerts_group_and_names_stay_whole() {
    let am = common::alertmanager::start_alertmanager().await;
    let stack = Stack::start(StackOptions {
        scenario: Scenario::Incident,
        rule_files: vec![fast_rules()],
        alertmanager: Some(am.target().to_string()),
        ..StackOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("this test needs a real Prometheus and could not start one:\n{e}"));
    let url = stack.prometheus_url().to_string();
    let client = client(&url);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let alerts = client.alerts().await.unwrap_or_default();
        let fan_out = alerts
            .iter()
            .filter(|a| a.name == "HighAPIResponseTime" && a.state == AlertState::Firing)
            .count();
        if fan_out > 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "HighAPIResponseTime never fanned out: {alerts:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let rules = RuleFile::load(&fast_rules()).unwrap();
    let mut app = app(Layout::load("spheroseg").unwrap(), &url).with_rules(&[rules]);
    poll_until_complete(&mut app, &url).await;
    app.update(Msg::Action(Action::SelectTab(tab_index(&app, "Alerts"))));
    let screen = lines(&render(&app, 200, 60));
    let text = screen.join("\n");

    for name in [
        "HighAPIResponseTime",
        "DatabaseReplicationLag",
        "MLQueueBacklog",
        "instance:api_request_rate",
        "instance:websocket_efficiency",
    ] {
        assert!(text.contains(name), "{name} whole on screen:\n{text}");
    }
    let fan_out = app
        .store()
        .alerts
        .all()
        .iter()
        .filter(|a| a.name == "HighAPIResponseTime" && a.source == AlertSource::Server)
        .count();
    let group = format!("▶ HighAPIResponseTime ×{fan_out}");
    assert!(
        screen
            .iter()
            .any(|l| l.contains(&group) && l.contains("FIRING ×") && l.contains("server")),
        "one group line `{group}`:\n{text}"
    );
    // Collapsed: no row of a single server alert of the fan-out.
    let member_rows = screen
        .iter()
        .filter(|l| {
            l.contains("HighAPIResponseTime")
                && l.contains("server")
                && !l.contains("▶ HighAPIResponseTime")
        })
        .count();
    assert_eq!(member_rows, 0, "collapsed:\n{text}");
    assert!(
        text.contains("route:") && text.contains(" values"),
        "the differing labels are counted:\n{text}"
    );
}
