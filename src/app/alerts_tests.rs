//! The alert list's keys (groups, filter) and silences, driven as the event loop drives
//! `App::update`.

use super::focus::{Dir, Focus};
use super::silence::{Field, SilenceOutcome, SilenceOverlay, SilenceRequest};
use super::*;
use crate::model::Labels;
use crate::prom::alertmanager::{AlertmanagerState, Silence, SilenceState};
use crate::prom::{Alert, AlertSource, AlertState};

const NOW: f64 = 1_700_000_000.0;

fn app() -> App {
    let mut app = super::tests::bundled_app(5);
    app.update(Msg::Tick(NOW));
    let alerts_tab = app
        .layout
        .tabs
        .iter()
        .position(|t| t.title == "Alerts")
        .unwrap();
    app.update(Msg::Action(Action::SelectTab(alerts_tab)));
    app
}

fn act(app: &mut App, actions: &[Action]) {
    for a in actions {
        app.update(Msg::Action(*a));
    }
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Msg::Action(Action::Input(c)));
    }
}

fn alert(name: &str, severity: &str, pairs: &[(&str, &str)]) -> Alert {
    let mut labels: Labels = crate::model::labels::from_pairs(pairs);
    labels.insert("alertname".into(), name.into());
    labels.insert("severity".into(), severity.into());
    Alert {
        name: name.into(),
        labels,
        annotations: Default::default(),
        state: AlertState::Firing,
        active_at: NOW - 60.0,
        value: 1.0,
        source: AlertSource::Server,
    }
}

/// One critical alert and a warning fanning out over five routes.
fn feed_incident(app: &mut App) {
    let mut alerts = vec![alert(
        "DatabaseReplicationLag",
        "critical",
        &[("replica", "replica-2")],
    )];
    for route in ["/a", "/b", "/c", "/d", "/e"] {
        alerts.push(alert(
            "HighAPIResponseTime",
            "warning",
            &[("job", "api"), ("route", route)],
        ));
    }
    app.update(Msg::Data(DataEvent::Alerts {
        at: NOW,
        result: Ok(alerts),
    }));
}

fn selected(app: &App) -> usize {
    app.focus().kpi
}

#[test]
fn groups_open_and_close_by_keys() {
    let mut app = app();
    feed_incident(&mut app);
    assert_eq!(app.alert_line_count(), 2, "the fan-out is one line");
    act(&mut app, &[Action::Focus(Dir::Down)]);
    assert_eq!(selected(&app), 1);
    act(&mut app, &[Action::Focus(Dir::Right)]);
    assert_eq!(app.alert_line_count(), 2 + 5, "→ opens the group");
    act(
        &mut app,
        &[Action::Focus(Dir::Down), Action::Focus(Dir::Down)],
    );
    assert_eq!(selected(&app), 3, "inside the group");
    act(&mut app, &[Action::Back]);
    assert_eq!(app.alert_line_count(), 2, "Esc closes the group");
    assert_eq!(
        selected(&app),
        1,
        "the selection is back on the group's line"
    );
    assert!(app.drill().is_empty());
    act(&mut app, &[Action::Open]);
    assert_eq!(app.alert_line_count(), 7, "Enter opens");
    act(&mut app, &[Action::Focus(Dir::Left)]);
    assert_eq!(app.alert_line_count(), 2, "← closes");
    // A lone alert is no group: Enter on it drills (when its rule is known), never toggles.
    act(&mut app, &[Action::Focus(Dir::Up), Action::Open]);
    assert_eq!(selected(&app), 0);
    assert_eq!(app.alert_line_count(), 2);
}

#[test]
fn the_filter_narrows_the_list_says_what_is_wrong_and_esc_clears_it() {
    let mut app = app();
    feed_incident(&mut app);
    act(&mut app, &[Action::Filter]);
    assert_eq!(app.input_mode(), InputMode::Text);
    typed(&mut app, "severity=critical");
    act(&mut app, &[Action::Submit]);
    assert!(app.overlay().is_none());
    assert_eq!(
        app.alerts_view().filter.as_ref().map(|f| f.text()),
        Some("severity=critical")
    );
    assert_eq!(app.alert_line_count(), 1);

    act(&mut app, &[Action::Filter]);
    for _ in 0.."severity=critical".len() {
        act(&mut app, &[Action::InputBackspace]);
    }
    typed(&mut app, r#"route=~"(""#);
    act(&mut app, &[Action::Submit]);
    let Some(Overlay::Prompt(prompt)) = app.overlay() else {
        panic!("a bad matcher keeps the prompt open");
    };
    assert_eq!(prompt.text, r#"route=~"(""#, "what was typed stays");
    assert!(prompt.error.as_deref().unwrap().contains("bad regex"));
    act(&mut app, &[Action::Back]);
    assert!(app.overlay().is_none());
    assert!(app.alerts_view().filter.is_none(), "Esc clears the filter");

    act(&mut app, &[Action::Filter]);
    typed(&mut app, "route=/a");
    act(&mut app, &[Action::Submit, Action::Back]);
    assert!(app.alerts_view().filter.is_none(), "Esc on the grid too");
    assert_eq!(app.alert_line_count(), 2);
}

#[test]
fn without_the_flag_s_says_how_to_enable_silences_and_sends_nothing() {
    let mut app = app();
    feed_incident(&mut app);
    act(&mut app, &[Action::Silence]);
    assert!(app.overlay().is_none());
    assert!(app.notice().unwrap().contains("--allow-silences"));
    assert!(app.take_effects().is_empty());
    act(&mut app, &[Action::ExpireSilence]);
    assert!(app.take_effects().is_empty());
}

#[test]
fn s_on_a_group_silences_its_shared_labels_and_keeps_the_text_when_refused() {
    let mut app = app().with_silences(true);
    feed_incident(&mut app);
    act(&mut app, &[Action::Focus(Dir::Down), Action::Silence]);
    let form = |app: &App| match app.overlay() {
        Some(Overlay::Silence(SilenceOverlay::Form(form))) => form.clone(),
        other => panic!("the silence form is open: {other:?}"),
    };
    let opened = form(&app);
    assert_eq!(opened.field, Field::Comment);
    assert_eq!(opened.duration, "2h");
    assert_eq!(
        opened.matchers,
        r#"alertname="HighAPIResponseTime", job="api", severity="warning""#
    );
    typed(&mut app, "deploy in progress");
    act(&mut app, &[Action::InputNextField]);
    act(&mut app, &[Action::InputBackspace, Action::InputBackspace]);
    typed(&mut app, "30m");
    act(&mut app, &[Action::Submit]);
    let effects = app.take_effects();
    let [
        Effect::Silence(SilenceRequest::Create {
            matchers,
            duration,
            comment,
            backend: 0,
        }),
    ] = effects.as_slice()
    else {
        panic!("one silence request: {effects:?}");
    };
    assert_eq!(matchers.len(), 3);
    assert_eq!(*duration, Duration::from_secs(1800));
    assert_eq!(comment, "deploy in progress");
    assert!(form(&app).sending);

    app.update(Msg::Silence(SilenceOutcome::Failed(
        "HTTP 400: silence invalid".into(),
    )));
    let refused = form(&app);
    assert_eq!(refused.error.as_deref(), Some("HTTP 400: silence invalid"));
    assert_eq!(refused.comment, "deploy in progress");
    assert_eq!(refused.duration, "30m");

    act(&mut app, &[Action::Submit]);
    assert_eq!(app.take_effects().len(), 1);
    app.take_commands();
    app.update(Msg::Silence(SilenceOutcome::Created { id: "abc".into() }));
    assert!(app.overlay().is_none());
    assert!(app.notice().unwrap().contains("abc"));
    assert!(app.take_commands().contains(&SourceCommand::RefreshNow));
}

#[test]
fn a_form_that_cannot_be_sent_says_why() {
    let mut app = app().with_silences(true);
    feed_incident(&mut app);
    act(&mut app, &[Action::Silence, Action::Submit]);
    let Some(Overlay::Silence(SilenceOverlay::Form(form))) = app.overlay() else {
        panic!("the form stays open");
    };
    assert!(form.error.as_deref().unwrap().contains("comment"));
    assert!(app.take_effects().is_empty());
}

#[test]
fn a_silence_ending_past_what_alertmanager_keeps_is_refused_in_the_form() {
    // `1000000y` was sent with an end of 1970, which Alertmanager refused as ending
    // before it began.
    for (duration, says) in [
        ("1000000y", Some("longer than 10000 years")),
        (
            "8000y",
            Some("a silence of 8000y: it would end after 9999-01-01"),
        ),
        ("100y", None),
    ] {
        let mut app = app().with_silences(true);
        feed_incident(&mut app);
        act(&mut app, &[Action::Silence]);
        typed(&mut app, "for ever");
        act(&mut app, &[Action::InputNextField]);
        act(&mut app, &[Action::InputBackspace, Action::InputBackspace]);
        typed(&mut app, duration);
        act(&mut app, &[Action::Submit]);
        assert_eq!(
            app.take_effects().len(),
            usize::from(says.is_none()),
            "{duration}"
        );
        if let Some(says) = says {
            let Some(Overlay::Silence(SilenceOverlay::Form(form))) = app.overlay() else {
                panic!("the form stays open");
            };
            let why = form.error.as_deref().unwrap_or_default();
            assert!(why.contains(says), "{why}");
        }
    }
}

#[test]
fn capital_s_expires_the_selected_silence_after_y() {
    let mut app = app().with_silences(true);
    app.update(Msg::Data(DataEvent::Alertmanager {
        at: NOW,
        result: Ok(AlertmanagerState {
            groups: Vec::new(),
            silences: vec![Silence {
                id: "s1".into(),
                state: SilenceState::Active,
                matchers: vec![r#"alertname="HighAPIResponseTime""#.into()],
                created_by: "ana@box".into(),
                comment: "deploy".into(),
                starts_at: NOW - 60.0,
                ends_at: NOW + 3600.0,
            }],
        }),
    }));
    // The Alertmanager panel: second row, right of the rules.
    app.focus[app.tab] = Focus {
        row: 1,
        col: 1,
        kpi: 0,
    };
    act(&mut app, &[Action::ExpireSilence, Action::Input('n')]);
    assert!(app.overlay().is_none());
    assert!(app.take_effects().is_empty(), "N is the default");
    act(&mut app, &[Action::ExpireSilence, Action::Input('y')]);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Silence(SilenceRequest::Expire {
            id: "s1".into(),
            backend: 0
        })]
    );
}

#[test]
fn a_replay_refuses_silences() {
    let mut app = app().with_silences(true);
    feed_incident(&mut app);
    app.update(Msg::Data(DataEvent::ReplayStatus(
        crate::event::ReplayStatus {
            start: NOW - 600.0,
            end: NOW + 600.0,
            position: NOW,
            speed: 1.0,
            playing: true,
        },
    )));
    act(&mut app, &[Action::Silence]);
    assert!(app.overlay().is_none());
    assert!(app.notice().unwrap().contains("replay"));
    assert!(app.take_effects().is_empty());
}

#[test]
fn the_selection_follows_its_line_when_new_alerts_come_first() {
    let mut app = app();
    feed_incident(&mut app);
    act(&mut app, &[Action::Focus(Dir::Down)]);
    assert_eq!(selected(&app), 1, "on the HighAPIResponseTime group");
    // A second critical alert sorts above the group.
    let mut alerts = vec![
        alert(
            "DatabaseReplicationLag",
            "critical",
            &[("replica", "replica-2")],
        ),
        alert("DatabaseDown", "critical", &[("replica", "replica-3")]),
    ];
    for route in ["/a", "/b", "/c", "/d", "/e"] {
        alerts.push(alert(
            "HighAPIResponseTime",
            "warning",
            &[("job", "api"), ("route", route)],
        ));
    }
    app.update(Msg::Data(DataEvent::Alerts {
        at: NOW,
        result: Ok(alerts),
    }));
    assert_eq!(selected(&app), 2, "still on the group");
    act(&mut app, &[Action::Open]);
    assert_eq!(
        app.alert_line_count(),
        3 + 5,
        "Enter opened the group, not another line"
    );

    // The group resolves: the selection lands on a line that is still there.
    app.update(Msg::Data(DataEvent::Alerts {
        at: NOW,
        result: Ok(vec![alert(
            "DatabaseReplicationLag",
            "critical",
            &[("replica", "replica-2")],
        )]),
    }));
    assert_eq!(selected(&app), 0);
}

/// Side by side, every backend's alerts meet in one list, each tagged with its backend:
/// counted per backend in its group, found by `backend=us`, silenced in its own
/// backend's Alertmanager (the `backend` matcher chooses it and is not sent).
#[test]
fn side_by_side_alerts_are_one_list_tagged_and_silenced_where_they_came_from() {
    let mut app = app()
        .with_silences(true)
        .with_backends(vec!["eu".into(), "us".into()]);
    let api = |route| alert("HighAPIResponseTime", "warning", &[("route", route)]);
    let lag = alert(
        "DatabaseReplicationLag",
        "critical",
        &[("replica", "replica-2")],
    );
    app.update(Msg::Data(DataEvent::Alerts {
        at: NOW,
        result: Ok(vec![api("/a")]),
    }));
    let us = DataEvent::Alerts {
        at: NOW,
        result: Ok(vec![lag, api("/a"), api("/b")]),
    };
    app.update(Msg::Data(DataEvent::Backend {
        backend: 1,
        event: Box::new(us),
    }));
    let all = app.store().alerts.all();
    assert_eq!(all.len(), 4);
    let groups = crate::view::alert_groups::group_alerts(all.iter().copied());
    let api_group = groups
        .iter()
        .find(|g| g.key.name == "HighAPIResponseTime")
        .unwrap();
    assert_eq!(api_group.per_backend(), " (eu 1 · us 2)");
    let filter = crate::view::alert_filter::AlertFilter::parse("backend=us")
        .unwrap()
        .unwrap();
    assert_eq!(
        all.iter()
            .filter(|a| filter.matches_alert(a, false))
            .count(),
        3
    );

    // The first group, the replication lag, fires in us only.
    act(&mut app, &[Action::Silence]);
    let Some(Overlay::Silence(SilenceOverlay::Form(form))) = app.overlay() else {
        panic!("the silence form is open");
    };
    assert!(
        form.matchers.contains(r#"backend="us""#),
        "{}",
        form.matchers
    );
    typed(&mut app, "failing over");
    act(&mut app, &[Action::Submit]);
    let effects = app.take_effects();
    let [
        Effect::Silence(SilenceRequest::Create {
            matchers, backend, ..
        }),
    ] = effects.as_slice()
    else {
        panic!("one silence request: {effects:?}");
    };
    assert_eq!(*backend, 1, "to us' Alertmanager");
    assert!(matchers.iter().all(|m| m.name != "backend"), "{matchers:?}");
}
