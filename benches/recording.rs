//! What a session recording costs: bytes per hour for the default layout's shape (35
//! queries, 129 series, 1 s refresh), quiet and during an incident (60 alerts), CPU per recorded refresh cycle, and opening a 24 h
//! recording and seeking to its end. `cargo bench --bench recording` prints the sizes as
//! `bytes/hour: N` lines before criterion's timings. Under `cargo test` it runs scaled
//! down (a few minutes of data) as a smoke test.

use criterion::{BatchSize, Criterion};
use spheroseg_top::alerts::gofmt;
use spheroseg_top::event::DataEvent;
use spheroseg_top::model::Labels;
use spheroseg_top::prom::{
    Alert, AlertSource, AlertState, RuleGroupStatus, RuleHealth, RuleKind, RuleStatus, Sample,
};
use spheroseg_top::session::{ConfigText, Header, Recorder, Recording};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const T0: f64 = 1_800_000_000.0;
const QUERIES: usize = 35;

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How often Prometheus' answers change.
#[derive(Clone, Copy, Debug)]
enum Values {
    /// Every value moves every refresh: the worst case.
    EverySecond,
    /// Values move when a new scrape lands, every 15 s (each query on its own phase);
    /// what a 1 s refresh of a 15 s scrape interval looks like.
    Every15s,
    /// As `Every15s`, and every refresh also brings two other events in the middle of
    /// the cycle, like Prometheus' alerts and rule groups (3 alerts, 30 rules whose
    /// evaluation times change every 15 s). Stand-ins built from range answers, so they
    /// take the generic (CBOR) path as the real ones do.
    Every15sWithAlerts,
    /// As `Every15s`, during an incident: every refresh brings Prometheus' 60 active alerts
    /// (40 firing; one starts and one resolves every 30 s) and the rule states (3 groups,
    /// 36 rules holding those alerts, ~28 KB as JSON). Prometheus evaluates the rules every
    /// 15 s: the alerts' values (quoted in their descriptions) and the evaluation times
    /// change then.
    Incident,
}

/// A synthetic session shaped like the default layout: 15 single-series KPIs, 10 queries
/// by instance (3 series), 6 by route and status (6), 4 by route, method and status (12).
struct Session {
    series: Vec<Vec<Labels>>,
    values: Vec<Vec<f64>>,
    /// Integer-valued series (counts, `up`, replicas) walk in whole steps.
    integer: Vec<bool>,
    rng: Rng,
    cycle: u64,
    mode: Values,
}

fn labels(pairs: &[(&str, String)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

impl Session {
    fn new(mode: Values) -> Self {
        let routes = [
            "/api/v1/images",
            "/api/v1/segment",
            "/api/v1/projects",
            "/health",
        ];
        let statuses = ["200", "500", "404"];
        let mut series = Vec::new();
        for q in 0..QUERIES {
            let set: Vec<Labels> = match q {
                0..15 => vec![Labels::new()],
                15..25 => (1..=3)
                    .map(|i| labels(&[("instance", format!("api-{i}"))]))
                    .collect(),
                25..31 => (0..6)
                    .map(|i| {
                        labels(&[
                            ("instance", format!("api-{}", i % 3 + 1)),
                            ("route", routes[i % 2].to_string()),
                            ("status", statuses[i % 2].to_string()),
                        ])
                    })
                    .collect(),
                _ => (0..12)
                    .map(|i| {
                        labels(&[
                            ("route", routes[i % 4].to_string()),
                            (
                                "method",
                                if i % 2 == 0 { "GET" } else { "POST" }.to_string(),
                            ),
                            ("status", statuses[i % 3].to_string()),
                        ])
                    })
                    .collect(),
            };
            series.push(set);
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let values = series
            .iter()
            .map(|s| s.iter().map(|_| rng.unit() * 100.0).collect())
            .collect();
        let integer = (0..QUERIES).map(|q| q % 4 == 0).collect();
        Self {
            series,
            values,
            integer,
            rng,
            cycle: 0,
            mode,
        }
    }

    fn series_count(&self) -> usize {
        self.series.iter().map(Vec::len).sum()
    }

    /// One refresh: every query's answer, with its arrival time.
    fn next_cycle(&mut self) -> Vec<(f64, DataEvent)> {
        let at = T0 + self.cycle as f64;
        let mut arrival = at;
        let mut events = Vec::with_capacity(QUERIES);
        for q in 0..QUERIES {
            let moves = match self.mode {
                Values::EverySecond => true,
                Values::Every15s | Values::Every15sWithAlerts | Values::Incident => {
                    (self.cycle + q as u64 * 7).is_multiple_of(15)
                }
            };
            let samples = self.series[q]
                .iter()
                .zip(&mut self.values[q])
                .map(|(labels, value)| {
                    if moves {
                        let step = self.rng.unit() - 0.5;
                        *value = if self.integer[q] {
                            (*value + (step * 4.0).round()).max(0.0).round()
                        } else {
                            (*value * (1.0 + step * 0.02)).max(0.0)
                        };
                    }
                    Sample {
                        labels: labels.clone(),
                        time: at,
                        value: *value,
                    }
                })
                .collect();
            // Latencies of 1-20 ms to the microsecond; answers arrive in order of completion.
            let latency = Duration::from_micros(1_000 + self.rng.next() % 19_000);
            arrival += (self.rng.next() % 3) as f64 / 1000.0;
            events.push((
                arrival + 0.001,
                DataEvent::Instant {
                    id: q,
                    at,
                    result: Ok(samples),
                    latency,
                },
            ));
        }
        if matches!(self.mode, Values::Every15sWithAlerts) {
            let scrape = at - (self.cycle % 15) as f64;
            for (n, name, count) in [(0, "alerts", 3), (1, "rules", 30)] {
                let series = (0..count)
                    .map(|i| spheroseg_top::prom::Series {
                        labels: labels(&[
                            (name, format!("{name}-{i}")),
                            ("expr", format!("histogram_quantile(0.99, sum by (le) (rate(spheroseg_http_request_duration_seconds_bucket{{route=\"/api/v1/r{i}\"}}[5m]))) > 0.5")),
                            ("health", "ok".to_string()),
                        ]),
                        points: vec![(scrape, 0.001 + (scrape + i as f64).sin().abs() * 0.01)],
                    })
                    .collect();
                let slot = (self.rng.next() % events.len() as u64) as usize;
                let time = events[slot].0;
                events.insert(
                    slot,
                    (
                        time,
                        DataEvent::Range {
                            id: 1000 + n,
                            result: Ok(series),
                            latency: Duration::from_micros(3_000),
                        },
                    ),
                );
            }
        }
        if matches!(self.mode, Values::Incident) {
            for event in self.incident(at) {
                let slot = (self.rng.next() % events.len() as u64) as usize;
                let time = events[slot].0;
                events.insert(slot, (time, event));
            }
        }
        self.cycle += 1;
        events
    }

    /// The alerts and rule states Prometheus reports at `at` during an incident.
    fn incident(&mut self, at: f64) -> [DataEvent; 2] {
        let first = (self.cycle / 30) as usize;
        let evaluated = at - (self.cycle % 15) as f64;
        let alerts: Vec<Alert> = (first..first + 60)
            .map(|i| {
                let value = 0.5 + (evaluated / 7.0 + i as f64).sin().abs();
                let route = format!("/api/v1/r{}", i % 20);
                Alert {
                    name: format!("Alert{}", i % 12),
                    labels: labels(&[
                        ("alertname", format!("Alert{}", i % 12)),
                        ("instance", format!("api-{}", i % 5)),
                        ("route", route.clone()),
                        (
                            "severity",
                            if i % 3 == 0 { "critical" } else { "warning" }.into(),
                        ),
                    ]),
                    annotations: [
                        ("summary".to_string(), format!("Slow responses on {route}")),
                        (
                            "description".to_string(),
                            format!("95th percentile response time is {}s", gofmt::value(value)),
                        ),
                    ]
                    .into(),
                    state: if i % 3 == 2 {
                        AlertState::Pending
                    } else {
                        AlertState::Firing
                    },
                    active_at: T0 + (i * 30) as f64,
                    value,
                    source: AlertSource::Server,
                }
            })
            .collect();
        let groups = (0..3)
            .map(|g| RuleGroupStatus {
                name: format!("spheroseg-{g}"),
                file: "/etc/prometheus/rules/spheroseg.yml".into(),
                interval: 15.0,
                rules: (0..12)
                    .map(|r| RuleStatus {
                        name: format!("Alert{r}"),
                        kind: RuleKind::Alerting,
                        query: format!("histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{{job=\"api\", group=\"{g}\"}}[5m]))) > 0.{r}"),
                        duration: 300.0,
                        labels: labels(&[("severity", "warning".into())]),
                        annotations: [("summary".to_string(), format!("Rule {r} of group {g}"))].into(),
                        health: RuleHealth::Ok,
                        last_error: None,
                        last_evaluation: Some(evaluated - 0.2),
                        evaluation_time: 0.001 + (evaluated * 13.0 + r as f64).sin().abs() / 1000.0,
                        state: Some(AlertState::Firing),
                        alerts: alerts
                            .iter()
                            .filter(|a| g == 0 && a.name == format!("Alert{r}"))
                            .cloned()
                            .collect(),
                    })
                    .collect(),
                last_evaluation: Some(evaluated - 0.2),
                evaluation_time: 0.01,
            })
            .collect();
        [
            DataEvent::Alerts {
                at,
                result: Ok(alerts),
            },
            DataEvent::Rules {
                at,
                result: Ok(groups),
            },
        ]
    }
}

fn header() -> Header {
    let layout = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/layouts/spheroseg.toml"
    ))
    .unwrap_or_default();
    Header {
        created: T0,
        app_version: "bench".into(),
        source: "http://127.0.0.1:9090".into(),
        refresh: Duration::from_secs(1),
        layout: ConfigText {
            origin: "layouts/spheroseg.toml".into(),
            text: layout,
        },
        theme: ConfigText {
            origin: "themes/default.toml".into(),
            text: String::new(),
        },
        rules: Vec::new(),
        backends: Vec::new(),
    }
}

/// Records `seconds` of a session; returns the file size and the time spent recording.
fn record(path: &Path, mode: Values, seconds: u64) -> (u64, Duration) {
    let mut session = Session::new(mode);
    let mut recorder = Recorder::create(path, &header()).expect("create");
    let mut spent = Duration::ZERO;
    for _ in 0..seconds {
        let cycle = session.next_cycle();
        let started = Instant::now();
        for (time, event) in &cycle {
            recorder.record_at(*time, event).expect("record");
        }
        spent += started.elapsed();
    }
    recorder.finish().expect("finish");
    (std::fs::metadata(path).expect("size").len(), spent)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: smoke-test size.
    let full = std::env::args().any(|a| a == "--bench");
    let (hour, day) = if full { (3600, 86_400) } else { (120, 600) };
    let dir = tempfile::tempdir().expect("tempdir");
    let series = Session::new(Values::EverySecond).series_count();
    println!("synthetic default layout: {QUERIES} queries, {series} series, 1 s refresh");
    if !full {
        println!(
            "smoke run: {hour} s and {day} s of data (debug build); run `cargo bench --bench recording` for real figures"
        );
    }

    for (name, mode) in [
        ("values change every refresh", Values::EverySecond),
        ("values change every 15 s", Values::Every15s),
        (
            "values change every 15 s, alerts and rules every refresh",
            Values::Every15sWithAlerts,
        ),
        (
            "values change every 15 s, an incident's 60 alerts and 28 KB of rule states every refresh",
            Values::Incident,
        ),
    ] {
        // A recording is never written over (Recorder::create is exclusive): one file each.
        let path = dir.path().join(format!("hour-{mode:?}.sgtrec"));
        let (size, spent) = record(&path, mode, hour);
        let per_hour = size * 3600 / hour;
        println!(
            "bytes/hour: {per_hour} ({:.2} MiB/h, {:.2} bytes/sample; {name}; {:.1} µs per cycle)",
            per_hour as f64 / 1_048_576.0,
            size as f64 / (hour as f64 * series as f64),
            spent.as_secs_f64() * 1e6 / hour as f64,
        );
    }

    let day_path = dir.path().join("day.sgtrec");
    let (size, _) = record(&day_path, Values::Every15s, day);
    let started = Instant::now();
    let recording = Recording::open(&day_path).expect("open");
    let (_, end) = recording.span().expect("span");
    let tail = recording.entries_from(end).count();
    println!(
        "{:.1} h recording ({:.1} MiB): open + seek to the end {:.1} ms ({tail} entries at the end)",
        day as f64 / 3600.0,
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64() * 1e3
    );

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("recording");
    for (name, mode) in [
        ("every_second", Values::EverySecond),
        ("every_15s", Values::Every15s),
        ("every_15s_with_alerts", Values::Every15sWithAlerts),
        ("incident", Values::Incident),
    ] {
        let path = dir.path().join(format!("cycle-{name}.sgtrec"));
        let mut session = Session::new(mode);
        let mut recorder = Recorder::create(&path, &header()).expect("create");
        // Pre-generated cycles, replayed with advancing times, so only recording is timed.
        let cycles: Vec<Vec<(f64, DataEvent)>> = (0..900).map(|_| session.next_cycle()).collect();
        let mut n = 0usize;
        group.bench_function(format!("record one cycle ({name})"), |b| {
            b.iter_batched(
                || {
                    // The next cycle, moved on in time so every cycle is new to the recorder.
                    let shift = (n / cycles.len() * cycles.len()) as f64;
                    let cycle = &cycles[n % cycles.len()];
                    n += 1;
                    cycle
                        .iter()
                        .map(|(time, event)| match event {
                            DataEvent::Instant {
                                id,
                                at,
                                result,
                                latency,
                            } => (
                                time + shift,
                                DataEvent::Instant {
                                    id: *id,
                                    at: at + shift,
                                    result: result.clone(),
                                    latency: *latency,
                                },
                            ),
                            other => (time + shift, other.clone()),
                        })
                        .collect::<Vec<_>>()
                },
                |cycle| {
                    for (time, event) in &cycle {
                        recorder.record_at(*time, black_box(event)).expect("record");
                    }
                    cycle
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.bench_function(format!("open {}s recording + seek to the end", day), |b| {
        b.iter(|| {
            let recording = Recording::open(&day_path).expect("open");
            let (_, end) = recording.span().expect("span");
            black_box(recording.entries_from(end).count())
        })
    });
    // The same recording as a killed recorder leaves it: no end record, last block cut.
    let bytes = std::fs::read(&day_path).expect("read");
    let cut_path = dir.path().join("day-cut.sgtrec");
    std::fs::write(&cut_path, &bytes[..bytes.len() - 100]).expect("write");
    group.bench_function(
        format!(
            "open {}s recording (killed recorder) + seek to the end",
            day
        ),
        |b| {
            b.iter(|| {
                let recording = Recording::open(&cut_path).expect("open");
                let (_, end) = recording.span().expect("span");
                black_box(recording.entries_from(end).count())
            })
        },
    );
    group.bench_function(
        format!("open {}s recording + seek to the middle", day),
        |b| {
            b.iter(|| {
                let recording = Recording::open(&day_path).expect("open");
                let (start, end) = recording.span().expect("span");
                black_box(recording.entries_from((start + end) / 2.0).take(35).count())
            })
        },
    );
    group.finish();
    c.final_summary();
}
