//! Costs that decide whether the dashboard stays light on an ops box: drawing every tab at
//! three terminal sizes, the drill view over 24 h of data, parsing Prometheus answers of
//! 1 to 100k series, and taking in one refresh. `cargo bench --bench dashboard`; figures
//! and goals in docs/performance.md. Under `cargo test --all-targets` (no `--bench`
//! argument) criterion runs each case once as a smoke test, and the parse cases stop at
//! 10k series to keep that quick.

use criterion::Criterion;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spheroseg_top::app::{Action, App, Msg, SourceInfo};
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::prom::api::{parse_alerts, parse_instant, parse_rules};
use spheroseg_top::prom::{Sample, Series};
use std::hint::black_box;
use std::time::Duration;

const NOW: f64 = 1_800_000_000.0;
/// `NOW` as Prometheus writes times in its alerts and rules.
const NOW_RFC3339: &str = "2027-01-15T08:00:00Z";

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

/// One alert as `/api/v1/alerts` and `/api/v1/rules` write it.
fn alert_json(i: usize) -> String {
    let state = if i.is_multiple_of(3) {
        "pending"
    } else {
        "firing"
    };
    format!(
        r#"{{"labels":{{"alertname":"Alert{}","severity":"{}","instance":"replica-{i}"}},"annotations":{{"summary":"replica-{i} is behind","description":"Replication lag above 5 s for 5 minutes on replica-{i}."}},"state":"{state}","activeAt":"{NOW_RFC3339}","value":"{}e+00"}}"#,
        i % 12,
        if i.is_multiple_of(2) {
            "critical"
        } else {
            "warning"
        },
        i % 9 + 1
    )
}

/// `/api/v1/alerts` at incident scale: `count` active alerts.
fn alerts_answer(count: usize) -> String {
    let alerts: Vec<String> = (0..count).map(alert_json).collect();
    format!(
        r#"{{"status":"success","data":{{"alerts":[{}]}}}}"#,
        alerts.join(",")
    )
}

/// `/api/v1/rules`: 4 groups of 8 alerting rules, the first rules carrying the `alerts`.
fn rules_answer(alerts: usize) -> String {
    let groups: Vec<String> = (0..4)
        .map(|g| {
            let rules: Vec<String> = (0..8)
                .map(|r| {
                    let own: Vec<String> = (0..alerts)
                        .filter(|i| i % 32 == g * 8 + r)
                        .map(alert_json)
                        .collect();
                    let state = if own.is_empty() { "inactive" } else { "firing" };
                    format!(
                        r#"{{"name":"Alert{g}{r}","type":"alerting","query":"db_replication_lag_seconds > 5","duration":300,"labels":{{"severity":"warning"}},"annotations":{{"summary":"lag"}},"health":"ok","lastEvaluation":"{NOW_RFC3339}","evaluationTime":0.0004,"state":"{state}","alerts":[{}]}}"#,
                        own.join(",")
                    )
                })
                .collect();
            format!(
                r#"{{"name":"spheroseg-{g}","file":"/etc/prometheus/rules.yml","interval":15,"lastEvaluation":"{NOW_RFC3339}","evaluationTime":0.002,"rules":[{}]}}"#,
                rules.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"groups":[{}]}}}}"#,
        groups.join(",")
    )
}

/// Alerts during the guide's incident: 40 active, as the Alerts tab meets them.
const INCIDENT_ALERTS: usize = 40;

/// The default layout with 15 minutes of 5 s history in every query, 4 series each, and
/// the incident's alerts and rules.
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
    ingest_alerts(
        &mut app,
        NOW,
        &alerts_answer(INCIDENT_ALERTS),
        &rules_answer(INCIDENT_ALERTS),
    );
    app
}

fn ingest_alerts(app: &mut App, at: f64, alerts: &str, rules: &str) {
    app.update(Msg::Data(DataEvent::Alerts {
        at,
        result: Ok(parse_alerts(200, alerts.as_bytes()).expect("valid alerts")),
    }));
    app.update(Msg::Data(DataEvent::Rules {
        at,
        result: Ok(parse_rules(200, rules.as_bytes()).expect("valid rules")),
    }));
}

/// Every tab at a small, the issue's and a very large terminal; the Overview also at the
/// smallest terminal the README's figures quote.
fn render_tabs(c: &mut Criterion) {
    let mut app = filled_app();
    let tabs: Vec<String> = app.layout().tabs.iter().map(|t| t.title.clone()).collect();
    for (tab, title) in tabs.iter().enumerate() {
        app.update(Msg::Action(Action::SelectTab(tab)));
        let smallest = (tab == 0).then_some((80, 24));
        for (w, h) in smallest
            .into_iter()
            .chain([(120, 40), (200, 60), (400, 120)])
        {
            app.update(Msg::Action(Action::Resize(w, h)));
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
            c.bench_function(&format!("render tab {title} {w}x{h}"), |b| {
                b.iter(|| {
                    terminal
                        .draw(|frame| spheroseg_top::ui::render(frame, black_box(&app)))
                        .expect("draw");
                })
            });
        }
    }
}

/// One refresh of the default layout: every distinct query's answer parsed and ingested,
/// then the incident's alerts and rules.
fn ingest_refresh(c: &mut Criterion) {
    let mut app = filled_app();
    let queries = app.layout().queries.len();
    let body = answer(4);
    let alerts = alerts_answer(INCIDENT_ALERTS);
    let rules = rules_answer(INCIDENT_ALERTS);
    let mut at = NOW;
    c.bench_function(
        &format!(
            "ingest one refresh ({queries} answers of 4 series, {INCIDENT_ALERTS} alerts, rules)"
        ),
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
                ingest_alerts(&mut app, at, &alerts, &rules);
                app.update(Msg::Tick(at));
            })
        },
    );
}

/// Parsing instant answers; the goal is 10k series within 10 ms.
fn parse_answers(c: &mut Criterion, full: bool) {
    let sizes: &[usize] = if full {
        &[1, 500, 1_000, 10_000, 100_000]
    } else {
        &[1, 500, 1_000, 10_000]
    };
    for &series in sizes {
        let body = answer(series);
        c.bench_function(&format!("parse an answer of {series} series"), |b| {
            b.iter(|| parse_instant(200, black_box(body.as_bytes())).expect("valid"))
        });
    }
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
    // The zoom's range request, among the app's other questions (the server's, the screen).
    let Some(request) = app.take_commands().into_iter().rev().find_map(|c| match c {
        SourceCommand::Range(request) => Some(request),
        _ => None,
    }) else {
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

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: smoke-test size.
    let full = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    render_tabs(&mut c);
    render_drill(&mut c);
    parse_answers(&mut c, full);
    ingest_refresh(&mut c);
    c.final_summary();
}
