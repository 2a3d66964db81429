//! Costs that decide whether the dashboard stays light on an ops box: drawing a frame,
//! and taking in one refresh worth of Prometheus answers. `cargo bench --bench dashboard`.

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::prom::api::parse_instant;
use spheroseg_top::prom::{Sample, Series};
use std::hint::black_box;
use std::time::Duration;

const NOW: f64 = 1_800_000_000.0;

/// Prometheus' answer for one query: `series` series labelled like the simulator's.
fn answer(series: usize) -> String {
    let items: Vec<String> = (0..series)
        .map(|i| format!(r#"{{"metric":{{"route":"/api/r{i}","method":"GET","status":"200"}},"value":[{NOW},"{}"]}}"#, 0.1 + i as f64 / 100.0))
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        items.join(",")
    )
}

/// The default layout with 15 minutes of 5 s history in every query, 4 series each.
fn filled_app() -> App {
    let layout = Layout::load("spheroseg").expect("bundled layout");
    let theme = Theme::load("default").expect("bundled theme");
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
    for id in 0..app.layout().queries.len() {
        let series: Vec<Series> = (0..4)
            .map(|s| Series {
                labels: [("replica".to_string(), format!("replica-{s}"))].into(),
                points: (0..180)
                    .map(|i| {
                        (
                            NOW - 900.0 + f64::from(i) * 5.0,
                            f64::from((i * 7 + s) % 50) / 10.0,
                        )
                    })
                    .collect(),
            })
            .collect();
        app.update(Msg::Data(DataEvent::Range {
            id,
            result: Ok(series),
            latency: Duration::ZERO,
        }));
        let samples: Vec<Sample> = (0..4)
            .map(|s| Sample {
                labels: [("replica".to_string(), format!("replica-{s}"))].into(),
                time: NOW,
                value: 1.0,
            })
            .collect();
        app.update(Msg::Data(DataEvent::Instant {
            id,
            at: NOW,
            result: Ok(samples),
            latency: Duration::ZERO,
        }));
    }
    app
}

fn render_frames(c: &mut Criterion) {
    let mut app = filled_app();
    for (name, tab, (w, h)) in [
        ("overview 200x60", 0, (200, 60)),
        ("overview 80x24", 0, (80, 24)),
        ("database 200x60", 4, (200, 60)),
    ] {
        app.update(Msg::Action(Action::SelectTab(tab)));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        c.bench_function(&format!("render {name}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|frame| spheroseg_top::ui::render(frame, black_box(&app)))
                    .expect("draw");
            })
        });
    }
}

fn poll_cycle(c: &mut Criterion) {
    // One refresh of the default layout: every distinct query's answer parsed and ingested.
    let mut app = filled_app();
    let queries = app.layout().queries.len();
    let body = answer(4);
    let mut at = NOW;
    c.bench_function(
        &format!("ingest one refresh ({queries} answers, 4 series each)"),
        |b| {
            b.iter(|| {
                at += 5.0;
                for id in 0..queries {
                    let samples = parse_instant(200, body.as_bytes())
                        .expect("valid answer")
                        .samples;
                    app.update(Msg::Data(DataEvent::Instant {
                        id,
                        at,
                        result: Ok(samples),
                        latency: Duration::ZERO,
                    }));
                }
                app.update(Msg::Tick(at));
            })
        },
    );
    let big = answer(500);
    c.bench_function("parse a 500-series answer", |b| {
        b.iter(|| parse_instant(200, black_box(big.as_bytes())).expect("valid"))
    });
}

/// The Overview's replication-lag row opened as a drill view zoomed to 24 h, its range
/// answered with `series` series of 24 h of 15 s samples (5760 points each): far more
/// points than columns, as a replay or a fine-grained source would give.
fn drill_app(series: usize) -> App {
    use spheroseg_top::app::focus::Dir;
    use spheroseg_top::event::SourceCommand;
    let mut app = filled_app();
    app.update(Msg::Action(Action::Resize(200, 60)));
    app.update(Msg::Action(Action::Focus(Dir::Right)));
    app.update(Msg::Action(Action::Open));
    for _ in 0..4 {
        app.update(Msg::Action(Action::ZoomOut));
    }
    let commands = app.take_commands();
    let Some(SourceCommand::Range(request)) = commands.into_iter().last() else {
        panic!("the drill view asks for its range");
    };
    assert!(request.end - request.start >= 86_400, "24 h");
    let answer = (0..series)
        .map(|i| Series {
            labels: [("replica".to_string(), format!("replica-{i}"))].into(),
            points: (0..5760)
                .map(|k| {
                    let t = request.end as f64 - 86_400.0 + f64::from(k) * 15.0;
                    (t, (f64::from(k) / 300.0 + i as f64).sin().abs() * 8.0)
                })
                .collect(),
        })
        .collect();
    app.update(Msg::Data(DataEvent::RangeAnswer {
        request,
        result: Ok(answer),
        latency: Duration::ZERO,
    }));
    app
}

fn render_drill(c: &mut Criterion) {
    for series in [3, 50] {
        let app = drill_app(series);
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
        c.bench_function(
            &format!("render drill view 200x60, 24h of 15s data, {series} series"),
            |b| {
                b.iter(|| {
                    terminal
                        .draw(|frame| spheroseg_top::ui::render(frame, black_box(&app)))
                        .expect("draw");
                })
            },
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = render_frames, poll_cycle, render_drill
}
criterion_main!(benches);
