//! Every view at every terminal size: nothing panics, and what cannot be drawn is said
//! (`terminal too small`, tabs scrolled out of sight, panels that do not fit).

#![allow(clippy::unwrap_used)]

mod common;

use common::{labels, lines, render};
use proptest::test_runner::{Config, TestRunner};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use spheroseg_top::app::focus::Dir;
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::{DataEvent, ReplayIndex, ReplayStatus, SourceCommand};
use spheroseg_top::prom::{Sample, Series};
use spheroseg_top::session::Marker;
use spheroseg_top::ui::widgets::PanelWidget;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::time::Duration;

const NOW: f64 = 1_800_000_000.0;

fn app(layout: Layout) -> App {
    let mut app = App::new(
        layout,
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "http://127.0.0.1:9090".into(),
            refresh: Duration::from_secs(5),
            note: None,
        },
    );
    app.update(Msg::Tick(NOW));
    app
}

/// The default layout before any answer: every panel waiting for data.
fn waiting() -> App {
    app(Layout::load("spheroseg").unwrap())
}

/// The default layout with two series per query: replica-2 lags past the alert threshold,
/// the ML service's values are huge (wide numbers), everything else is fine.
fn with_data() -> App {
    let mut app = waiting();
    let queries = app.layout().queries.clone();
    for (id, query) in queries.iter().enumerate() {
        let (low, high) = match query.expr.as_str() {
            "db_replication_lag_seconds" => (0.2, 7.5),
            expr if expr.contains("ml_") => (1e6, 1e12),
            _ => (0.01, 0.05),
        };
        let values = [
            (labels(&[("instance", "a"), ("replica", "replica-1")]), low),
            (labels(&[("instance", "b"), ("replica", "replica-2")]), high),
        ];
        if query.history.is_some() {
            let series = values
                .iter()
                .map(|(l, v)| Series {
                    labels: l.clone(),
                    points: (0..180)
                        .map(|i| (NOW - 900.0 + f64::from(i) * 5.0, v * f64::from(i % 7)))
                        .collect(),
                })
                .collect();
            app.update(Msg::Data(DataEvent::Range {
                id,
                result: Ok(series),
                latency: Duration::from_millis(20),
            }));
        }
        let samples = values
            .into_iter()
            .map(|(labels, value)| Sample {
                labels,
                time: NOW,
                value,
            })
            .collect();
        app.update(Msg::Data(DataEvent::Instant {
            id,
            at: NOW,
            result: Ok(samples),
            latency: Duration::from_millis(12),
        }));
    }
    app
}

/// Answers every range request the app made: replica-2 climbs past the alert threshold.
fn answer_ranges(app: &mut App) {
    for command in app.take_commands() {
        let SourceCommand::Range(request) = command else {
            continue;
        };
        let times = (request.start..=request.end).step_by(request.step as usize);
        let series = [("replica-1", 0.3), ("replica-2", 9.0)]
            .iter()
            .map(|(replica, high)| Series {
                labels: labels(&[("replica", replica)]),
                points: times
                    .clone()
                    .enumerate()
                    .map(|(i, t)| (t as f64, if i % 3 == 0 { *high } else { 0.3 }))
                    .collect(),
            })
            .collect();
        app.update(Msg::Data(DataEvent::RangeAnswer {
            request,
            result: Ok(series),
            latency: Duration::ZERO,
        }));
    }
}

fn act(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.update(Msg::Action(*action));
    }
}

/// The Overview's replication lag opened full screen, in a terminal of `size`.
fn chart_view(mut app: App, size: (u16, u16)) -> App {
    act(
        &mut app,
        &[
            Action::Resize(size.0, size.1),
            Action::Focus(Dir::Right),
            Action::Open,
        ],
    );
    answer_ranges(&mut app);
    app
}

/// Everything about replica-2: the lag chart view's worst series broken down.
fn group_view(app: App, size: (u16, u16)) -> App {
    let mut app = chart_view(app, size);
    act(&mut app, &[Action::Open, Action::Focus(Dir::Right)]);
    answer_ranges(&mut app);
    app
}

fn replay(app: App) -> App {
    let mut app = app.with_markers(vec![
        Marker {
            at: NOW - 400.0,
            note: "failover".into(),
        },
        Marker {
            at: NOW + 1e9,
            note: "out of range".into(),
        },
    ]);
    app.update(Msg::Data(DataEvent::ReplayStatus(ReplayStatus {
        start: NOW - 600.0,
        end: NOW + 600.0,
        position: NOW,
        speed: 4.0,
        playing: true,
    })));
    app.update(Msg::Data(DataEvent::ReplayIndex(ReplayIndex {
        transitions: vec![NOW - 300.0, NOW + 120.0],
        alert_spans: vec![(NOW + 120.0, NOW + 400.0)],
        lost_spans: vec![(NOW - 200.0, NOW - 150.0)],
        damage: vec!["byte 4096: frame 3: checksum mismatch".into()],
        choices: Vec::new(),
    })));
    app
}

/// Log lines for the log pane, long and short; the logger is the process' own.
fn log_some_lines() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        spheroseg_top::logbook::install(100, &[]);
        for i in 0..30 {
            log::warn!("query {i} failed: {}", "connection refused ".repeat(i));
        }
    });
}

/// A layout of `tabs` tabs, each of `rows` rows of `panels` stat panels.
fn generated_layout(tabs: usize, rows: usize, panels: usize) -> Layout {
    let mut text = String::from("title = \"A generated layout\"\n");
    for t in 1..=tabs {
        text.push_str(&format!("[[tab]]\ntitle = \"Tab {t}\"\n"));
        for r in 1..=rows {
            text.push_str("[[tab.row]]\nheight = 1\n");
            for p in 1..=panels {
                text.push_str(&format!(
                    "[[tab.row.panel]]\ntitle = \"p{}\"\nkind = \"stat\"\nquery = 'up{{tab=\"{t}\"}}'\n",
                    (r - 1) * panels + p
                ));
            }
        }
    }
    Layout::parse(Source {
        origin: "generated.toml".into(),
        text,
    })
    .unwrap()
}

/// Every view, named: each tab of the default layout waiting and with data, the
/// overlays, the log pane, drill views, a replay, 60 tabs and 500 panels.
fn views() -> Vec<(String, App)> {
    log_some_lines();
    let mut views = Vec::new();
    let tabs = waiting().layout().tabs.len();
    for tab in 0..tabs {
        for (state, mut app) in [("waiting", waiting()), ("with data", with_data())] {
            act(
                &mut app,
                &[Action::SelectTab(tab), Action::Focus(Dir::Down)],
            );
            views.push((format!("tab {} {state}", tab + 1), app));
        }
    }
    let mut help = with_data();
    act(&mut help, &[Action::ToggleHelp]);
    views.push(("help".into(), help));
    let mut prompt = with_data();
    act(&mut prompt, &[Action::AddMarker]);
    for c in "a long note that will not fit a narrow prompt box at all".chars() {
        act(&mut prompt, &[Action::Input(c)]);
    }
    views.push(("marker prompt".into(), prompt));
    let mut log = with_data();
    act(&mut log, &[Action::ToggleLog]);
    views.push(("log pane".into(), log));
    views.push(("chart view".into(), chart_view(with_data(), (160, 45))));
    let mut cursor = chart_view(with_data(), (160, 45));
    act(&mut cursor, &[Action::ToggleCursor, Action::ToggleLog]);
    views.push(("chart view, cursor and log".into(), cursor));
    views.push(("chart view waiting".into(), chart_view(waiting(), (1, 1))));
    views.push(("group view".into(), group_view(with_data(), (160, 45))));
    views.push(("replay".into(), replay(with_data())));
    let mut replay_drill = replay(chart_view(with_data(), (160, 45)));
    act(&mut replay_drill, &[Action::GoTo]);
    views.push(("replay, chart view and go-to".into(), replay_drill));
    for tab in [0, 29, 59] {
        let mut many = app(generated_layout(60, 1, 1));
        act(&mut many, &[Action::SelectTab(tab)]);
        views.push((format!("60 tabs, tab {}", tab + 1), many));
    }
    views.push((
        "500 panels in a row".into(),
        app(generated_layout(1, 1, 500)),
    ));
    views.push(("500 rows".into(), app(generated_layout(1, 500, 1))));
    views
}

/// `None` if the view renders at `width`×`height`, else why not.
fn render_fails(name: &str, app: &App, width: u16, height: u16) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| render(app, width, height)))
        .err()
        .map(|_| format!("{name} panics at {width}×{height}"))
}

/// One view of each kind of screen, for the exhaustive loop (a debug build draws about a
/// thousand small screens a second).
const KINDS: [&str; 7] = [
    "tab 1 with data",
    "help",
    "marker prompt",
    "chart view, cursor and log",
    "group view",
    "replay, chart view and go-to",
    "500 rows",
];

#[test]
fn every_kind_of_view_renders_at_every_small_size() {
    let views = views();
    let mut failures = Vec::new();
    for (name, app) in views
        .iter()
        .filter(|(name, _)| KINDS.contains(&name.as_str()))
    {
        for width in 1..=40 {
            for height in 1..=25 {
                failures.extend(render_fails(name, app, width, height));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        views
            .iter()
            .filter(|(name, _)| KINDS.contains(&name.as_str()))
            .count(),
        KINDS.len()
    );
}

#[test]
fn every_view_renders_at_any_size() {
    let views = views();
    let mut runner = TestRunner::new(Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(0..views.len(), 1u16..=300, 1u16..=100), |(view, w, h)| {
            let (name, app) = &views[view];
            if let Some(failure) = render_fails(name, app, w, h) {
                return Err(proptest::test_runner::TestCaseError::fail(failure));
            }
            Ok(())
        })
        .unwrap();
}

/// A layout can give a panel any cell (a width of 1 beside one of 20), so every kind of
/// panel draws in any cell, focused or not, waiting for data or with it.
#[test]
fn every_panel_renders_in_any_cell() {
    let mut failures = Vec::new();
    for app in [waiting(), with_data()] {
        // The first panel of each kind, unfocused and focused.
        let mut kinds = Vec::new();
        let panels = app
            .layout()
            .tabs
            .iter()
            .flat_map(|tab| &tab.rows)
            .flat_map(|row| &row.panels)
            .filter(|panel| {
                let first = !kinds.contains(&panel.kind);
                kinds.push(panel.kind);
                first
            });
        for (panel, focus) in panels.flat_map(|p| [(p, None), (p, Some(0))]) {
            for width in 0..=24 {
                for height in 0..=10 {
                    let area = Rect::new(0, 0, width, height);
                    let widget = PanelWidget {
                        panel,
                        store: app.store(),
                        theme: app.theme(),
                        ctx: app.context(),
                        focus,
                        alerts: app.alerts_view(),
                        backends: &app.backends(),
                    };
                    let drawn = catch_unwind(AssertUnwindSafe(|| {
                        widget.render(area, &mut Buffer::empty(area));
                    }));
                    if drawn.is_err() {
                        failures.push(format!("{} panics at {width}×{height}", panel.title));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The review's case: Enter on a panel in a 100×12 terminal, and in 80×22 with the log
/// open, drew a table taller than the screen allowed and the process exited 101.
#[test]
fn a_drill_view_opens_in_a_short_terminal() {
    let app = chart_view(with_data(), (100, 12));
    let screen = lines(&render(&app, 100, 12));
    assert!(
        screen[1].starts_with("Overview › Replication lag"),
        "{}",
        screen.join("\n")
    );
    assert!(
        screen
            .iter()
            .any(|l| l.contains("Series") && l.contains("Status")),
        "the series table:\n{}",
        screen.join("\n")
    );
    assert!(
        screen
            .iter()
            .any(|l| l.contains("━ replica-1 ") || l.contains("━ replica-2 ")),
        "series names stay readable:\n{}",
        screen.join("\n")
    );

    let mut app = with_data();
    act(&mut app, &[Action::ToggleLog]);
    let app = chart_view(app, (80, 22));
    let screen = lines(&render(&app, 80, 22)).join("\n");
    assert!(screen.contains("Overview › Replication lag"), "{screen}");
    assert!(screen.contains("Log"), "{screen}");

    let replayed = replay(chart_view(with_data(), (100, 12)));
    let screen = lines(&render(&replayed, 100, 12)).join("\n");
    assert!(screen.contains("Overview › Replication lag"), "{screen}");
    assert!(screen.contains('●'), "the timeline's position:\n{screen}");
}

#[test]
fn too_small_says_what_it_needs() {
    let app = with_data();
    let screen = lines(&render(&app, 40, 4)).join("\n");
    assert!(
        screen.contains("terminal too small (need 40×6)"),
        "the terminal grown where it falls short:\n{screen}"
    );
    let screen = lines(&render(&app, 12, 2)).join("\n");
    assert!(screen.contains("need 30×6"), "short form:\n{screen}");
    let screen = lines(&render(&app, 3, 1)).join("\n");
    assert!(!screen.trim().is_empty(), "cut, not blank");

    // A group of charts needs lines for each.
    let group = group_view(with_data(), (160, 45));
    let screen = lines(&render(&group, 100, 12)).join("\n");
    assert!(
        screen.contains("terminal too small (need 100×13)"),
        "{screen}"
    );
    let screen = lines(&render(&group, 160, 45)).join("\n");
    assert!(!screen.contains("too small"), "{screen}");
}

/// The tab bar line of `app` rendered `width` wide.
fn tab_bar(app: &App, width: u16) -> String {
    lines(&render(app, width, 30)).swap_remove(0)
}

#[test]
fn sixty_tabs_scroll_to_keep_the_active_one_in_sight() {
    let mut app = app(generated_layout(60, 1, 1));
    for tab in 1..=60 {
        let bar = tab_bar(&app, 100);
        assert!(
            bar.contains(&format!(" {tab} Tab {tab} ")),
            "tab {tab}: {bar}"
        );
        // A mark on each side where tabs are out of sight (a tab in sight may be its
        // number alone, or its name cut short).
        let shows =
            |n: usize| bar.contains(&format!(" {n}○")) || bar.contains(&format!(" {n} Tab"));
        assert_eq!(bar.contains('‹'), !shows(1), "{bar}");
        assert_eq!(bar.contains('›'), !shows(60), "{bar}");
        act(&mut app, &[Action::NextTab]);
    }
    act(&mut app, &[Action::SelectTab(29)]);
    let bar = tab_bar(&app, 100);
    assert!(bar.contains('‹') && bar.contains('›'), "{bar}");
    // Too narrow for the layout's title and the tab: the tab wins.
    act(&mut app, &[Action::SelectTab(59)]);
    let bar = tab_bar(&app, 30);
    assert!(
        bar.starts_with("‹ ") && bar.contains(" 60 Tab 60 ") && !bar.contains("generated"),
        "{bar}"
    );
}

/// The note under a grid whose panels do not all fit, and how many panels are drawn.
fn note_and_drawn(app: &App, width: u16, height: u16) -> (String, usize) {
    let screen = lines(&render(app, width, height));
    let note = screen[screen.len() - 2].trim_end().to_string();
    let corners = screen[1..screen.len() - 2]
        .iter()
        .flat_map(|l| l.chars())
        .filter(|c| matches!(c, '╭' | '╔' | '┏'))
        .count();
    (note, corners)
}

#[test]
fn panels_that_do_not_fit_are_named() {
    for layout in [generated_layout(1, 1, 500), generated_layout(1, 500, 1)] {
        let app = app(layout);
        let (note, drawn) = note_and_drawn(&app, 200, 60);
        let count: usize = note
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count: {note}"));
        assert!(drawn > 1, "{note}");
        assert_eq!(count + drawn, 500, "{note}");
        let first_missing = format!("panels do not fit: p{}, p{}, ", drawn + 1, drawn + 2);
        assert!(note.contains(&first_missing), "{note}");
        assert!(note.ends_with("… (enlarge the terminal)"), "{note}");
    }
    // One too many: a panel's minimum is four lines.
    let app = app(generated_layout(1, 3, 1));
    let (note, drawn) = note_and_drawn(&app, 80, 12);
    assert_eq!(drawn, 2);
    assert_eq!(note, "1 panel does not fit: p3 (enlarge the terminal)");
    let (note, drawn) = note_and_drawn(&app, 80, 14);
    assert!(
        drawn == 3 && !note.contains("fit"),
        "all fit, no note: {note}"
    );
}
