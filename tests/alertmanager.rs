//! Against a real Alertmanager (Debian's `prometheus-alertmanager`, on loopback with a
//! temporary store): the alerts it was sent show as notification groups with their
//! receiver, a silence shows with its matchers, and the silenced alert is marked so in the
//! Alerts tab. A missing Alertmanager fails the test; it never skips.

#![allow(clippy::unwrap_used)]

mod common;

use common::alertmanager::start_alertmanager;
use common::*;
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::clock::unix_now;
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::model::Status;
use spheroseg_top::prom::PromError;
use spheroseg_top::prom::alertmanager::RoutedState;
use spheroseg_top::prom::{Alert, AlertSource, AlertState};
use spheroseg_top::view::tab_status;
use std::time::Duration;

fn iso(t: f64) -> String {
    chrono::DateTime::from_timestamp(t as i64, 0)
        .unwrap()
        .to_rfc3339()
}

fn server_alert(name: &str, severity: &str) -> Alert {
    Alert {
        name: name.into(),
        labels: [("alertname", name), ("severity", severity)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: Default::default(),
        state: AlertState::Firing,
        active_at: unix_now() - 60.0,
        value: 1.0,
        source: AlertSource::Server,
    }
}

fn fixture_app() -> App {
    let mut app = App::new(
        Layout::load("spheroseg").unwrap(),
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "fixture".into(),
            refresh: Duration::from_secs(5),
            note: None,
        },
    );
    app.update(Msg::Tick(unix_now()));
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_groups_and_silences_show_in_the_alerts_tab() {
    let am = start_alertmanager().await;
    let http = reqwest::Client::new();
    let now = unix_now();
    // What Prometheus would send it.
    let alerts = serde_json::json!([
        {"labels": {"alertname": "DatabaseReplicationLag", "severity": "critical"}, "startsAt": iso(now - 60.0)},
        {"labels": {"alertname": "MLQueueBacklog", "severity": "warning"}, "startsAt": iso(now - 60.0)},
    ]);
    let sent = http
        .post(format!("{}/api/v2/alerts", am.url))
        .header("content-type", "application/json")
        .body(alerts.to_string())
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{:?}", sent.text().await);
    let silence = serde_json::json!({
        "matchers": [{"name": "alertname", "value": "MLQueueBacklog", "isRegex": false, "isEqual": true}],
        "startsAt": iso(now - 1.0), "endsAt": iso(now + 3600.0),
        "createdBy": "ana", "comment": "known backlog, scaling workers",
    });
    let sent = http
        .post(format!("{}/api/v2/silences", am.url))
        .header("content-type", "application/json")
        .body(silence.to_string())
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{:?}", sent.text().await);

    // Alertmanager applies the silence asynchronously: poll until it does.
    let client = client(&am.url);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let state = loop {
        let state = client.alertmanager().await.unwrap();
        let suppressed = state
            .groups
            .iter()
            .flat_map(|g| &g.alerts)
            .any(|a| a.state == RoutedState::Suppressed);
        if suppressed && state.groups.len() == 2 {
            break state;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never suppressed: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(state.groups.iter().all(|g| g.receiver == "oncall"));

    let mut app = fixture_app();
    app.update(Msg::Data(DataEvent::Alerts {
        at: now,
        result: Ok(vec![
            server_alert("DatabaseReplicationLag", "critical"),
            server_alert("MLQueueBacklog", "warning"),
        ]),
    }));
    app.update(Msg::Data(DataEvent::Alertmanager {
        at: now,
        result: Ok(state),
    }));
    let alerts_tab = app
        .layout()
        .tabs
        .iter()
        .position(|t| t.title == "Alerts")
        .unwrap();
    app.update(Msg::Action(Action::SelectTab(alerts_tab)));
    let screen = lines(&render(&app, 200, 50)).join("\n");
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name) && l.contains("FIRING"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("MLQueueBacklog").contains("silenced"), "{screen}");
    assert!(
        !row("DatabaseReplicationLag").contains("silenced"),
        "{screen}"
    );
    assert!(screen.contains("→ oncall"), "{screen}");
    assert!(
        screen.contains(r#"alertname="MLQueueBacklog""#) && screen.contains("known backlog"),
        "{screen}"
    );
    assert!(
        screen.contains("ends in 59m") || screen.contains("ends in 1h00m"),
        "{screen}"
    );
}

#[test]
fn a_failing_alertmanager_is_an_error_on_its_panel_only() {
    let mut app = fixture_app();
    app.update(Msg::Data(DataEvent::Alerts {
        at: app.now(),
        result: Ok(vec![]),
    }));
    app.update(Msg::Data(DataEvent::Rules {
        at: app.now(),
        result: Ok(vec![]),
    }));
    let alerts_tab = app
        .layout()
        .tabs
        .iter()
        .position(|t| t.title == "Alerts")
        .unwrap();
    assert_eq!(
        tab_status(&app.layout().tabs[alerts_tab], app.store(), app.context()),
        Status::Ok,
        "not asked for is fine"
    );
    app.update(Msg::Data(DataEvent::Alertmanager {
        at: app.now(),
        result: Err(PromError::Unreachable(
            "http://127.0.0.1:9093 (Connection refused)".into(),
        )),
    }));
    assert_eq!(
        tab_status(&app.layout().tabs[alerts_tab], app.store(), app.context()),
        Status::Error
    );
    app.update(Msg::Action(Action::SelectTab(alerts_tab)));
    let screen = lines(&render(&app, 200, 50)).join("\n");
    assert!(screen.contains("⚠ Alertmanager: unreachable"), "{screen}");
    assert!(
        screen.contains("No active alerts"),
        "the rest keeps working:\n{screen}"
    );
}

/// The client's writes against the real Alertmanager: a silence is created with the
/// matchers given and expired; a matcher Alertmanager refuses comes back as its 400 in
/// words, and an unreachable Alertmanager as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_are_created_expired_and_refusals_said() {
    use spheroseg_top::model::matcher::parse_list;
    use spheroseg_top::prom::silences::{LATEST_END, NewSilence};
    let am = start_alertmanager().await;
    let client = client(&am.url);
    let now = unix_now();
    let silence = |matchers: &str| NewSilence {
        matchers: parse_list(matchers).unwrap(),
        starts_at: now,
        ends_at: now + 7200.0,
        created_by: "ana@box".into(),
        comment: "deploy".into(),
    };
    let id = client
        .create_silence(&silence(
            r#"alertname="HighAPIResponseTime", route=~"/api/images.*""#,
        ))
        .await
        .unwrap();
    let held = am.silences().await;
    let made = held.iter().find(|s| s["id"] == id.as_str()).unwrap();
    assert_eq!(made["status"]["state"], "active");
    assert_eq!(made["createdBy"], "ana@box");
    assert_eq!(made["matchers"][1]["value"], "/api/images.*");
    assert_eq!(made["matchers"][1]["isRegex"], true);
    // Shown by the dashboard's own poll as Alertmanager writes it.
    let state = client.alertmanager().await.unwrap();
    assert_eq!(
        state.current_silences()[0].matchers,
        vec![
            r#"alertname="HighAPIResponseTime""#,
            r#"route=~"/api/images.*""#
        ]
    );

    client.expire_silence(&id).await.unwrap();
    let held = am.silences().await;
    let expired = held.iter().find(|s| s["id"] == id.as_str()).unwrap();
    assert_eq!(expired["status"]["state"], "expired");

    // Every matcher matches the empty string: Alertmanager refuses it with a 400.
    let refused = client
        .create_silence(&silence(r#"route=~".*""#))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("400") && refused.contains("silence invalid"),
        "{refused}"
    );
    // The longest silence the form lets through is one Alertmanager keeps; a day past
    // its retention beyond year 9999 it refuses, as the form does long before.
    let mut longest = silence(r#"alertname="Y""#);
    longest.ends_at = LATEST_END;
    let id = client.create_silence(&longest).await.unwrap();
    let held = am.silences().await;
    let made = held.iter().find(|s| s["id"] == id.as_str()).unwrap();
    assert_eq!(made["endsAt"], "9999-01-01T00:00:00.000Z");
    let refused = reqwest::Client::new()
        .post(format!("{}/api/v2/silences", am.url))
        .header("Content-Type", "application/json")
        .body(
            r#"{"matchers":[{"name":"a","value":"b","isRegex":false,"isEqual":true}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"9999-12-27T00:00:00Z","createdBy":"t","comment":"c"}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400, "Alertmanager's limit moved");

    drop(am);
    let gone = client
        .create_silence(&silence(r#"alertname="X""#))
        .await
        .unwrap_err();
    assert!(matches!(gone, PromError::Unreachable(_)), "{gone:?}");
}
