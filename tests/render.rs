//! Whole screens and widgets rendered into ratatui buffers from fixture data, at a fixed
//! clock: values, threshold styles, and the states a panel can be in.

#![allow(clippy::unwrap_used)]

mod common;

use common::{lines, render};
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::model::Labels;
use spheroseg_top::poller::DataEvent;
use spheroseg_top::prom::{PromError, Sample, Series};
use std::time::Duration;

const NOW: f64 = 1_800_000_000.0;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Fixture values by what the query measures: replica-2 lags past the alert, the ML
/// queue is past its target, everything else is comfortably fine.
fn fixture(expr: &str) -> Vec<(Labels, f64)> {
    if expr == "db_replication_lag_seconds" {
        return vec![
            (labels(&[("replica", "replica-1")]), 0.2),
            (labels(&[("replica", "replica-2")]), 7.5),
        ];
    }
    if expr == "sum(ml_tasks_queued)" {
        return vec![(Labels::new(), 60.0)];
    }
    if expr.contains("pool") && expr.contains("active") {
        return vec![(labels(&[("pool", "write")]), 0.4)];
    }
    vec![(labels(&[("job", "fixture")]), 0.05)]
}

fn app_with_fixtures(theme: &str) -> App {
    let layout = Layout::load("spheroseg").unwrap();
    let theme = Theme::load(theme).unwrap();
    let mut app = App::new(
        layout,
        theme,
        SourceInfo {
            label: "http://127.0.0.1:9090".into(),
            refresh: Duration::from_secs(5),
            note: None,
        },
    );
    app.update(Msg::Tick(NOW));
    let queries = app.layout.queries.clone();
    for (id, query) in queries.iter().enumerate() {
        let values = fixture(&query.expr);
        if query.history.is_some() {
            let series = values
                .iter()
                .map(|(l, v)| Series {
                    labels: l.clone(),
                    points: (0..180)
                        .map(|i| {
                            (
                                NOW - 900.0 + f64::from(i) * 5.0,
                                v * (1.0 + f64::from(i % 7) / 20.0),
                            )
                        })
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

fn find(buffer: &Buffer, text: &str) -> (u16, u16) {
    for (y, line) in lines(buffer).iter().enumerate() {
        if let Some(byte) = line.find(text) {
            return (line[..byte].chars().count() as u16, y as u16);
        }
    }
    panic!("{text:?} not on screen:\n{}", lines(buffer).join("\n"));
}

fn row_containing<'a>(screen: &'a [String], a: &str, b: &str) -> &'a str {
    screen
        .iter()
        .find(|l| l.contains(a) && l.contains(b))
        .unwrap_or_else(|| panic!("no line with {a:?} and {b:?}:\n{}", screen.join("\n")))
}

#[test]
fn the_overview_at_a_fixed_clock() {
    let app = app_with_fixtures("default");
    let screen = lines(&render(&app, 160, 45)).join("\n");
    insta::assert_snapshot!("overview_160x45", screen);
}

#[test]
fn kpi_rows_take_the_style_of_their_status() {
    let app = app_with_fixtures("default");
    let buffer = render(&app, 200, 60);
    let screen = lines(&buffer);
    let lag = row_containing(&screen, "Replication lag", "ALERT");
    assert!(lag.contains("7.50 s") && lag.contains("replica-2"), "{lag}");
    assert!(row_containing(&screen, "Queue size", "WARN").contains("60"));
    assert!(row_containing(&screen, "Connection pool usage", "OK").contains("40.0%"));

    let theme = &app.theme;
    assert_eq!(
        buffer[find(&buffer, "Replication lag ")].fg,
        theme.alert.fg.unwrap()
    );
    assert_eq!(
        buffer[find(&buffer, "Queue size")].fg,
        theme.warn.fg.unwrap()
    );
    assert_eq!(
        buffer[find(&buffer, "Connection pool usage")].fg,
        theme.text.fg.unwrap()
    );
    // The Database tab carries the alert from the Overview.
    let (x, y) = find(&buffer, "5 Database");
    let glyph = &buffer[(x + "5 Database ".len() as u16, y)];
    assert_eq!((glyph.symbol(), glyph.fg), ("◆", theme.alert.fg.unwrap()));
}

#[test]
fn without_colour_statuses_still_stand_out() {
    let app = app_with_fixtures("mono");
    let buffer = render(&app, 200, 60);
    let alert = &buffer[find(&buffer, "Replication lag ")];
    assert!(
        alert.modifier.contains(Modifier::REVERSED),
        "alert rows are reversed in mono"
    );
    let warn = &buffer[find(&buffer, "Queue size")];
    assert!(
        warn.modifier.contains(Modifier::UNDERLINED),
        "warn rows are underlined in mono"
    );
}

#[test]
fn a_failing_query_shows_the_servers_message_on_its_panel_only() {
    let mut app = app_with_fixtures("default");
    let id = app
        .layout
        .queries
        .iter()
        .position(|q| q.expr == "db_replication_lag_seconds")
        .unwrap();
    let error = PromError::Query {
        kind: "bad_data".into(),
        message: "1:9: parse error: unexpected identifier".into(),
    };
    app.update(Msg::Data(DataEvent::Instant {
        id,
        at: NOW + 5.0,
        result: Err(error),
        latency: Duration::from_millis(3),
    }));
    app.update(Msg::Action(Action::SelectTab(4)));
    let screen = lines(&render(&app, 200, 60)).join("\n");
    assert!(
        screen.contains("⚠ bad_data: 1:9: parse error: unexpected identifier"),
        "{screen}"
    );
    assert!(screen.contains("Read/write split"));
    assert!(
        screen.contains("1 failing"),
        "the status bar counts it:\n{screen}"
    );
}

#[test]
fn old_data_turns_stale_with_its_age_and_nan_is_named() {
    let mut app = app_with_fixtures("default");
    let id = app
        .layout
        .queries
        .iter()
        .position(|q| q.expr == "sum(ml_tasks_queued)")
        .unwrap();
    app.update(Msg::Data(DataEvent::Instant {
        id,
        at: NOW + 1.0,
        result: Ok(vec![Sample {
            labels: Labels::new(),
            time: NOW + 1.0,
            value: f64::NAN,
        }]),
        latency: Duration::ZERO,
    }));
    let screen = lines(&render(&app, 200, 60)).join("\n");
    assert!(screen.contains("NaN"), "{screen}");

    app.update(Msg::Tick(NOW + 65.0));
    let screen = lines(&render(&app, 200, 60));
    assert!(
        row_containing(&screen, "Replication lag", "STALE").contains("1m05s"),
        "stale rows say how old"
    );
}

#[test]
fn help_lists_every_key() {
    let mut app = app_with_fixtures("default");
    app.update(Msg::Action(Action::ToggleHelp));
    let screen = lines(&render(&app, 120, 40)).join("\n");
    for (keys, what) in spheroseg_top::app::keymap::BINDINGS {
        assert!(
            screen.contains(keys) && screen.contains(what),
            "help lacks {keys}: {what}\n{screen}"
        );
    }
}
