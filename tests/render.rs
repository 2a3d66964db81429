//! Whole screens and widgets rendered into ratatui buffers from fixture data, at a fixed
//! clock: values, threshold styles, and the states a panel can be in.

#![allow(clippy::unwrap_used)]

mod common;

use common::{labels, lines, render};
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::model::Labels;
use spheroseg_top::prom::{PromError, Sample, Series};
use std::time::Duration;

const NOW: f64 = 1_800_000_000.0;

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
    let queries = app.layout().queries.clone();
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

    let theme = &app.theme();
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
        .layout()
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
        .layout()
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
    for binding in spheroseg_top::app::keymap::BINDINGS {
        let (keys, what) = (binding.label, binding.help);
        assert!(
            screen.contains(keys) && screen.contains(what),
            "help lacks {keys}: {what}\n{screen}"
        );
    }
}

#[test]
fn help_shows_the_keys_in_force() {
    use spheroseg_top::app::keymap::Keymap;
    let file = "[keys]\nquit = [\"x\", \"ctrl-q\"]\nlog = [\"f2\"]\n";
    let profiles =
        spheroseg_top::config::profile::Profiles::parse(std::path::Path::new("c.toml"), file)
            .unwrap();
    let keymap = Keymap::with_keys(&profiles.keys).unwrap();
    let mut app = app_with_fixtures("default").with_keymap(keymap);
    app.update(Msg::Action(Action::ToggleHelp));
    let screen = lines(&render(&app, 120, 40));
    let line = |what: &str| {
        let found = screen.iter().find(|l| l.contains(what));
        found
            .cloned()
            .unwrap_or_else(|| panic!("no {what}:\n{}", screen.join("\n")))
    };
    assert!(line("quit").contains("x / Ctrl-Q"), "{}", line("quit"));
    assert!(!line("quit").contains("q / Ctrl-C"), "{}", line("quit"));
    assert!(
        line("the log pane").contains("F2"),
        "{}",
        line("the log pane")
    );
    // Lines the file leaves are as shipped.
    assert!(line("go to tab").contains("1–9"));
}

/// Opens the Overview's replication-lag KPI row as a drill view and answers its range
/// query: over the last hour replica-2 climbs past the alert threshold, replica-1 stays low.
fn lag_drill_view(theme: &str) -> App {
    use spheroseg_top::app::focus::Dir;
    use spheroseg_top::event::SourceCommand;
    let mut app = app_with_fixtures(theme);
    app.update(Msg::Action(Action::Resize(160, 45)));
    app.update(Msg::Action(Action::Focus(Dir::Right)));
    app.update(Msg::Action(Action::Open));
    for command in app.take_commands() {
        let SourceCommand::Range(request) = command else {
            continue;
        };
        let times = (request.start..=request.end).step_by(request.step as usize);
        let span = (request.end - request.start) as f64;
        let series = vec![
            Series {
                labels: labels(&[("replica", "replica-1")]),
                points: times.clone().map(|t| (t as f64, 0.3)).collect(),
            },
            Series {
                labels: labels(&[("replica", "replica-2")]),
                // Quiet for two thirds of the hour, then 9 s of lag.
                points: times
                    .map(|t| {
                        let late = (t - request.start) as f64 > span * 2.0 / 3.0;
                        (t as f64, if late { 9.0 } else { 0.5 })
                    })
                    .collect(),
            },
        ];
        app.update(Msg::Data(DataEvent::RangeAnswer {
            request,
            result: Ok(series),
            latency: Duration::ZERO,
        }));
    }
    app
}

#[test]
fn the_drill_view_draws_thresholds_and_lists_the_worst_series_first() {
    let app = lag_drill_view("default");
    let buffer = render(&app, 160, 45);
    let screen = lines(&buffer);
    let text = screen.join("\n");
    assert!(
        screen[1].starts_with("Overview › Replication lag"),
        "{text}"
    );
    assert!(screen[1].contains("1h · live"), "{text}");
    assert!(
        text.contains("target 1.00 s") && text.contains("alert 5.00 s"),
        "threshold legends:\n{text}"
    );

    let alert = app.theme().alert.fg.unwrap();
    let warn = app.theme().warn.fg.unwrap();
    let plot = |y: u16, fg| {
        (0..160).any(|x| {
            buffer[(x, y)].fg == fg
                && buffer[(x, y)]
                    .symbol()
                    .chars()
                    .all(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
                && buffer[(x, y)].symbol() != "\u{2800}"
        })
    };
    assert!(
        (2..40).any(|y| plot(y, alert)),
        "alert threshold line drawn:\n{text}"
    );
    assert!(
        (2..40).any(|y| plot(y, warn)),
        "target threshold line drawn:\n{text}"
    );
    let marked = (2..40).any(|y| {
        (0..160).any(|x| {
            buffer[(x, y)].fg == alert && ["▀", "▄", "█"].contains(&buffer[(x, y)].symbol())
        })
    });
    assert!(
        marked,
        "the span beyond the alert threshold is marked:\n{text}"
    );

    let header = screen
        .iter()
        .position(|l| l.contains("Beyond alert"))
        .unwrap();
    let first = &screen[header + 1];
    let second = &screen[header + 2];
    assert!(
        first.contains("replica-2") && first.contains("9.00 s") && first.contains("ALERT"),
        "{text}"
    );
    assert!(
        first.contains("20m"),
        "a third of the hour beyond alert: {first}"
    );
    assert!(
        second.contains("replica-1") && second.contains("OK"),
        "{text}"
    );
    let x = first.find("replica-2").unwrap() as u16;
    assert_eq!(
        buffer[(x, header as u16 + 1)].fg,
        alert,
        "worst row in alert colour"
    );
}

#[test]
fn the_inspect_cursor_reads_every_series_at_its_time() {
    use spheroseg_top::app::focus::Dir;
    let mut app = lag_drill_view("mono");
    app.update(Msg::Action(Action::ToggleCursor));
    // Forty minutes back: before replica-2's trouble began.
    for _ in 0..240 {
        app.update(Msg::Action(Action::Focus(Dir::Left)));
    }
    let text = lines(&render(&app, 160, 45)).join("\n");
    assert!(text.contains("cursor "), "{text}");
    assert!(
        !text.contains("Current") && text.contains("at "),
        "the value column reads at the cursor:\n{text}"
    );
    let row = text
        .lines()
        .find(|l| l.contains("replica-2") && l.contains("━"))
        .unwrap();
    assert!(
        row.contains("500 ms"),
        "replica-2 before the incident: {row}"
    );
}

/// `R` mid-session: the recording starts with the dashboard's state, so its replay shows
/// the history and values the screen showed, not an empty dashboard filling up.
#[test]
fn a_recording_started_mid_session_replays_what_the_screen_showed() {
    let live = app_with_fixtures("default");
    let mut replayed = App::new(
        Layout::load("spheroseg").unwrap(),
        Theme::load("default").unwrap(),
        live.source().clone(),
    );
    for event in live.state_events() {
        replayed.update(Msg::Data(event));
    }
    for tab in [0, 4] {
        let mut live = app_with_fixtures("default");
        live.update(Msg::Action(Action::SelectTab(tab)));
        replayed.update(Msg::Action(Action::SelectTab(tab)));
        assert_eq!(
            lines(&render(&replayed, 160, 45)),
            lines(&render(&live, 160, 45))
        );
    }
}

/// A KPI's name is measured in screen columns: a CJK name (two columns a character) was
/// given half its width and cut, though the panel had room for it.
#[test]
fn a_wide_kpi_name_gets_its_screen_width() {
    use spheroseg_top::config::Source;
    let text = "title = \"wide\"\n[[tab]]\ntitle = \"Wide\"\n[[tab.row]]\n\
        [[tab.row.panel]]\ntitle = \"KPIs\"\nkind = \"kpi_table\"\n\
        [[tab.row.panel.kpi]]\nname = \"内存使用率\"\nquery = 'up'\nunit = \"percent\"\n\
        target = 80\nalert = 90\n";
    let layout = Layout::parse(Source {
        origin: "wide.toml".into(),
        text: text.into(),
    })
    .unwrap();
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
    app.update(Msg::Data(DataEvent::Instant {
        id: 0,
        at: NOW,
        result: Ok(vec![Sample {
            labels: Labels::new(),
            time: NOW,
            value: 42.0,
        }]),
        latency: Duration::from_millis(12),
    }));
    let screen = lines(&render(&app, 80, 10));
    let row = row_containing(&screen, "内", "OK");
    // The buffer's second cell of a wide character reads as a space here.
    assert!(
        row.replace(' ', "").contains("内存使用率42.0%"),
        "{}",
        screen.join("\n")
    );
}
