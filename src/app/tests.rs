//! `App::update` driven by actions and data, as the event loop drives it.

use super::focus::Dir;
use super::*;
use crate::config::layout::Layout;
use crate::event::RangeRequest;
use crate::prom::{PromError, Sample, Series};
use crate::store::range_cache::Lookup;

const NOW: f64 = 1_700_000_000.0;

/// An app on the bundled layout and theme, refreshing every `refresh` seconds, before
/// its first tick: what the app's test modules start from.
pub(super) fn bundled_app(refresh: u64) -> App {
    App::new(
        Layout::load("spheroseg").unwrap(),
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "test".into(),
            refresh: Duration::from_secs(refresh),
            note: None,
        },
    )
}

fn app() -> App {
    let mut app = bundled_app(5);
    app.update(Msg::Tick(NOW));
    app.update(Msg::Action(Action::Resize(200, 60)));
    app
}

fn act(app: &mut App, actions: &[Action]) {
    for a in actions {
        app.update(Msg::Action(*a));
    }
}

use crate::model::labels::from_pairs as labels;

/// Feeds the current lag of three replicas, replica-2 far beyond the alert threshold.
fn feed_lag(app: &mut App) {
    let id = app
        .layout
        .queries
        .iter()
        .position(|q| q.expr == "db_replication_lag_seconds")
        .unwrap();
    let samples = [("replica-1", 0.2), ("replica-2", 9.0), ("replica-3", 0.4)]
        .iter()
        .map(|(r, v)| Sample {
            labels: labels(&[("replica", r)]),
            time: NOW,
            value: *v,
        })
        .collect();
    app.update(Msg::Data(DataEvent::Instant {
        id,
        at: NOW,
        result: Ok(samples),
        latency: Duration::ZERO,
    }));
}

/// Answers every pending range request with one series per replica, lag rising to 9 s
/// for replica-2.
fn answer_ranges(app: &mut App) -> Vec<RangeRequest> {
    let mut answered = Vec::new();
    for command in app.take_commands() {
        let SourceCommand::Range(request) = command else {
            continue;
        };
        let series = ["replica-1", "replica-2", "replica-3"]
            .iter()
            .enumerate()
            .map(|(i, r)| Series {
                labels: labels(&[("replica", r)]),
                points: (request.start..=request.end)
                    .step_by(request.step as usize)
                    .map(|t| (t as f64, if i == 1 { 9.0 } else { 0.3 }))
                    .collect(),
            })
            .collect();
        app.update(Msg::Data(DataEvent::RangeAnswer {
            request: request.clone(),
            result: Ok(series),
            latency: Duration::ZERO,
        }));
        answered.push(request);
    }
    answered
}

#[test]
fn tabs_wrap_both_ways_and_select_by_number() {
    let mut app = app();
    let n = app.layout.tabs.len();
    act(&mut app, &[Action::PrevTab]);
    assert_eq!(app.tab, n - 1);
    act(&mut app, &[Action::NextTab]);
    assert_eq!(app.tab, 0);
    act(&mut app, &[Action::SelectTab(4)]);
    assert_eq!(app.tab, 4);
    act(&mut app, &[Action::SelectTab(99)]);
    assert_eq!(app.tab, 4);
}

#[test]
fn pause_and_refresh_reach_the_poller() {
    let mut app = app();
    app.take_commands();
    act(&mut app, &[Action::TogglePause]);
    assert_eq!(app.take_commands(), vec![SourceCommand::SetPaused(true)]);
    assert!(app.context().stale_after.is_none());
    act(&mut app, &[Action::TogglePause, Action::RefreshNow]);
    assert_eq!(
        app.take_commands(),
        vec![SourceCommand::SetPaused(false), SourceCommand::RefreshNow]
    );
}

#[test]
fn help_swallows_navigation_until_closed() {
    let mut app = app();
    act(&mut app, &[Action::ToggleHelp, Action::NextTab]);
    assert_eq!(app.tab, 0);
    act(&mut app, &[Action::Back, Action::NextTab]);
    assert_eq!(app.tab, 1);
    act(&mut app, &[Action::Quit]);
    assert!(app.should_quit);
}

#[test]
fn focus_enters_a_kpi_table_on_its_worst_row() {
    let mut app = app();
    feed_lag(&mut app);
    // The pool is at ALERT too, but barely past its threshold; the lag is far past.
    let pool = app
        .layout
        .queries
        .iter()
        .position(|q| {
            q.expr
                .starts_with("sum by (pool) (db_pool_connections{state=\"active\"})")
        })
        .unwrap();
    app.update(Msg::Data(DataEvent::Instant {
        id: pool,
        at: NOW,
        result: Ok(vec![Sample {
            labels: labels(&[("pool", "write")]),
            time: NOW,
            value: 0.95,
        }]),
        latency: Duration::ZERO,
    }));
    act(&mut app, &[Action::Focus(Dir::Right)]);
    let focus = app.focus[0];
    assert_eq!((focus.row, focus.col), (0, 1));
    let kpis = &app.layout.tabs[0].rows[0].panels[1].kpis;
    assert_eq!(kpis[focus.kpi].name, "Replication lag");
    act(&mut app, &[Action::Focus(Dir::Up)]);
    assert_eq!(app.focus[0].kpi, focus.kpi - 1, "↑ walks the table's rows");
}

#[test]
fn enter_drills_down_and_back_climbs_out() {
    let mut app = app();
    feed_lag(&mut app);
    act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
    assert_eq!(app.breadcrumb(), vec!["Overview", "Replication lag"]);
    let requests = answer_ranges(&mut app);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].expr, "db_replication_lag_seconds");
    assert!(
        (requests[0].end - requests[0].start) as f64 >= 3600.0,
        "opens on the last hour"
    );

    // The series table's first row is the worst replica; Enter breaks it down.
    act(&mut app, &[Action::Open]);
    assert_eq!(
        app.breadcrumb(),
        vec!["Overview", "Replication lag", "replica-2"]
    );
    let Some(DrillLevel::Group(group)) = app.drill.last().cloned() else {
        panic!("expected the per-replica view");
    };
    assert!(
        group.specs[0].queries[0]
            .expr
            .contains(r#"replica="replica-2""#)
    );
    assert!(group.specs.len() >= 3, "related metrics beside the lag");
    let asked: Vec<String> = app
        .take_commands()
        .into_iter()
        .filter_map(|c| match c {
            SourceCommand::Range(r) => Some(r.expr),
            _ => None,
        })
        .collect();
    assert_eq!(
        asked.len(),
        group.specs.iter().map(|s| s.queries.len()).sum::<usize>()
    );

    act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
    assert_eq!(app.breadcrumb().len(), 4);
    act(&mut app, &[Action::Back, Action::Back, Action::Back]);
    assert!(app.drill.is_empty());
    assert_eq!(app.breadcrumb(), vec!["Overview"]);
}

#[test]
fn series_selection_and_hiding_follow_the_table_order() {
    let mut app = app();
    feed_lag(&mut app);
    act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
    answer_ranges(&mut app);
    act(&mut app, &[Action::Focus(Dir::Down)]);
    let Some(DrillLevel::Chart(view)) = app.drill.last() else {
        panic!("chart view");
    };
    assert_eq!(
        view.selected.as_ref().unwrap().labels["replica"],
        "replica-2",
        "first ↓ selects the worst"
    );
    act(
        &mut app,
        &[Action::Focus(Dir::Down), Action::ToggleSelected],
    );
    let Some(DrillLevel::Chart(view)) = app.drill.last() else {
        panic!("chart view");
    };
    assert_eq!(view.hidden.len(), 1);
    assert_ne!(
        view.hidden.iter().next().unwrap().labels["replica"],
        "replica-2"
    );
    assert!(
        !app.paused,
        "space hides a series in a drill view, it does not pause"
    );
}

#[test]
fn zoom_and_pan_change_the_requested_range_and_come_back_from_cache() {
    let mut app = app();
    act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
    let hour = answer_ranges(&mut app);
    act(&mut app, &[Action::ZoomOut, Action::ZoomOut]);
    let six_hours = answer_ranges(&mut app).pop().unwrap();
    let span = six_hours.end - six_hours.start;
    assert!((6 * 3600..6 * 3600 + i64::from(six_hours.step)).contains(&span));
    assert!(six_hours.step > hour[0].step, "wider range, coarser step");

    act(&mut app, &[Action::ZoomIn, Action::ZoomIn]);
    assert!(app.take_commands().is_empty(), "the hour is still cached");

    act(&mut app, &[Action::PanBack]);
    assert_eq!(app.time.end, Some(NOW - 1800.0));
    let panned = answer_ranges(&mut app);
    assert!(panned[0].end < hour[0].end);
    act(&mut app, &[Action::Live]);
    assert!(app.time.is_live());
    assert!(app.take_commands().is_empty());
}

#[test]
fn the_inspect_cursor_moves_by_one_step_and_stays_in_range() {
    let mut app = app();
    act(
        &mut app,
        &[
            Action::Focus(Dir::Right),
            Action::Open,
            Action::ToggleCursor,
        ],
    );
    let end = app.time.bounds(app.range_now()).1;
    assert_eq!(app.cursor, Some(end));
    act(&mut app, &[Action::Focus(Dir::Left)]);
    let step = f64::from(app.time.step(app.chart_points()));
    assert_eq!(app.cursor, Some(end - step));
    act(
        &mut app,
        &[Action::Focus(Dir::Right), Action::Focus(Dir::Right)],
    );
    assert_eq!(app.cursor, Some(end), "clamped to the range");
    act(&mut app, &[Action::Back]);
    assert_eq!(app.cursor, None, "Esc closes the cursor before the view");
    assert_eq!(app.drill.len(), 1);
}

#[test]
fn zoom_outside_a_drill_view_explains_itself() {
    let mut app = app();
    act(&mut app, &[Action::ZoomIn]);
    assert!(app.notice.as_deref().unwrap().contains("drill view"));
    act(&mut app, &[Action::NextTab]);
    assert!(app.notice.is_none());
}

fn replaying(app: &mut App, position: f64) {
    app.update(Msg::Data(DataEvent::ReplayStatus(
        crate::event::ReplayStatus {
            start: NOW - 600.0,
            end: NOW + 600.0,
            position,
            speed: 1.0,
            playing: true,
        },
    )));
    app.update(Msg::Data(DataEvent::ReplayIndex(
        crate::event::ReplayIndex {
            transitions: vec![NOW - 300.0, NOW + 120.0],
            alert_spans: vec![(NOW + 120.0, NOW + 400.0)],
            ..Default::default()
        },
    )));
}

#[test]
fn replay_keys_steer_the_replayer() {
    let mut app = app();
    replaying(&mut app, NOW);
    app.take_commands();
    act(&mut app, &[Action::SpeedUp, Action::SpeedUp]);
    assert_eq!(
        app.take_commands(),
        vec![SourceCommand::SetSpeed(2.0), SourceCommand::SetSpeed(4.0)],
        "quick presses add up"
    );
    act(&mut app, &[Action::ToggleSelected]);
    assert_eq!(app.take_commands(), vec![SourceCommand::SetPaused(true)]);
    act(&mut app, &[Action::NextEvent]);
    assert_eq!(app.take_commands(), vec![SourceCommand::Seek(NOW + 120.0)]);
    act(&mut app, &[Action::PrevEvent, Action::StepBack]);
    assert_eq!(
        app.take_commands(),
        vec![SourceCommand::Seek(NOW - 300.0), SourceCommand::Step(-1)]
    );
}

#[test]
fn the_goto_prompt_takes_every_key_as_text_until_enter() {
    let mut app = app();
    replaying(&mut app, NOW);
    app.take_commands();
    act(&mut app, &[Action::GoTo]);
    assert_eq!(app.input_mode(), InputMode::Text);
    for c in "-5m".chars() {
        act(&mut app, &[Action::Input(c)]);
    }
    act(&mut app, &[Action::NextTab, Action::Submit]);
    assert_eq!(app.tab, 0, "tabs do not move while typing");
    assert_eq!(app.take_commands(), vec![SourceCommand::Seek(NOW - 300.0)]);
    assert_eq!(app.input_mode(), InputMode::Normal);
    act(
        &mut app,
        &[Action::GoTo, Action::Input('x'), Action::Submit],
    );
    assert!(
        app.notice.as_deref().unwrap().contains("expected"),
        "{:?}",
        app.notice
    );
    assert!(app.take_commands().is_empty());
}

#[test]
fn markers_and_recording_are_effects_for_the_event_loop() {
    let mut app = app();
    act(&mut app, &[Action::ToggleRecording, Action::AddMarker]);
    for c in "db failover".chars() {
        act(&mut app, &[Action::Input(c)]);
    }
    act(&mut app, &[Action::Submit]);
    assert_eq!(
        app.take_effects(),
        vec![
            Effect::ToggleRecording,
            Effect::Mark {
                at: NOW,
                note: "db failover".into()
            }
        ]
    );
    assert_eq!(app.markers.len(), 1);
    act(&mut app, &[Action::SpeedUp]);
    assert!(
        app.notice.as_deref().unwrap().contains("replay"),
        "live has no speed"
    );
    act(&mut app, &[Action::AddMarker, Action::Back]);
    assert!(
        app.overlay.is_none() && app.take_effects().is_empty(),
        "Esc cancels"
    );
}

#[test]
fn a_recording_failure_stays_until_esc_acknowledges_it() {
    let mut app = app();
    act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
    app.update(Msg::RecordingFailed(
        "recording x.rec stopped: disk full".into(),
    ));
    act(&mut app, &[Action::NextTab, Action::PrevTab]);
    assert_eq!(
        app.recording_failure(),
        Some("recording x.rec stopped: disk full"),
        "other keys leave it"
    );
    act(
        &mut app,
        &[Action::Focus(Dir::Right), Action::Open, Action::Back],
    );
    assert!(app.recording_failure().is_none(), "Esc acknowledges it");
    assert_eq!(app.drill().len(), 1, "before closing a view");
}

#[test]
fn ctrl_z_suspends_through_the_event_loop() {
    let mut app = app();
    act(&mut app, &[Action::ToggleHelp, Action::Suspend]);
    assert_eq!(app.take_effects(), vec![Effect::Suspend], "even over help");
}

#[test]
fn a_drill_view_whose_range_query_times_out_says_so_and_backs_off() {
    let mut app = app();
    act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
    let mut sent = 0;
    for second in 0..30 {
        app.update(Msg::Tick(NOW + f64::from(second)));
        for command in app.take_commands() {
            if let SourceCommand::Range(request) = command {
                sent += 1;
                app.update(Msg::Data(DataEvent::RangeAnswer {
                    request,
                    result: Err(PromError::Timeout(Duration::from_secs(10))),
                    latency: Duration::from_secs(10),
                }));
            }
        }
    }
    assert!(
        sent <= 3,
        "asked {sent} times in 30 s, not on every refresh"
    );
    let Some(DrillLevel::Chart(view)) = app.drill().last() else {
        panic!("chart view");
    };
    let data = app.chart_data(&view.spec);
    assert!(
        matches!(
            data.backends[0].answers[0],
            Lookup::Failed(PromError::Timeout(_))
        ),
        "the view shows the timeout, not loading: {:?}",
        data.backends[0].answers[0]
    );
}

#[test]
fn a_start_up_notice_outlives_the_first_resize_but_not_a_key() {
    let mut app = app();
    app.update(Msg::Notice("credentials held back".into()));
    app.update(Msg::Action(Action::Resize(120, 40)));
    assert_eq!(app.notice(), Some("credentials held back"));
    app.update(Msg::Action(Action::NextTab));
    assert_eq!(app.notice(), None);
}
