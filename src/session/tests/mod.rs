//! Round trips, seeking, the recorder's flushing and limits; damage in `damage`.

use super::*;
use crate::event::{Connection, DataEvent, RangeRequest};
use crate::model::Labels;
use crate::prom::{PromError, Sample, Series};
use std::path::Path;
use std::time::Duration;

const T0: f64 = 1_800_000_000.0;

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

use crate::model::labels::from_pairs as labels;

enum Item {
    Event(DataEvent),
    Mark(String),
}

fn header() -> Header {
    Header {
        created: T0,
        app_version: "test".into(),
        source: "http://prom:9090".into(),
        refresh: Duration::from_secs(1),
        layout: ConfigText {
            origin: "layouts/spheroseg.toml".into(),
            text: "[[tab]]\ntitle = \"Overview\"\n".into(),
        },
        theme: ConfigText {
            origin: "themes/default.toml".into(),
            text: "name = \"default\"\n".into(),
        },
        rules: Vec::new(),
        backends: Vec::new(),
    }
}

/// A session with everything a recording meets: cycles of answers from several queries,
/// errors, label sets that come and go, NaN and ±Inf, samples with their own time, range
/// answers, connection changes, late answers, skipped queries and markers.
fn session(cycles: usize, seed: u64) -> Vec<(f64, Item)> {
    let mut rng = Rng(seed);
    let mut items = vec![
        (
            T0,
            Item::Event(DataEvent::Connection(Connection::Connected)),
        ),
        (
            T0 + 0.02,
            Item::Event(DataEvent::Range {
                id: 3,
                result: Ok(vec![Series {
                    labels: labels(&[("route", "/a")]),
                    points: vec![(T0 - 10.0, f64::NAN), (T0 - 5.0, f64::INFINITY), (T0, -1.5)],
                }]),
                latency: Duration::from_micros(2345),
            }),
        ),
        (
            T0 + 0.03,
            Item::Event(DataEvent::Range {
                id: 1,
                result: Err(PromError::Timeout(Duration::from_secs(10))),
                latency: Duration::from_secs(10),
            }),
        ),
    ];
    let mut walk = 0.5;
    for c in 0..cycles {
        let at = T0 + c as f64;
        let mut arrival = at + 0.001;
        walk += rng.unit() - 0.5;
        for id in 0..6usize {
            // Query 5 is sometimes still running and skipped.
            if id == 5 && c % 4 == 1 {
                continue;
            }
            let result = match id {
                0 => Ok(vec![Sample {
                    labels: Labels::new(),
                    time: at,
                    value: walk,
                }]),
                1 => Ok((0..3)
                    .map(|i| Sample {
                        labels: labels(&[("instance", &format!("api-{i}")), ("status", "200")]),
                        time: at,
                        value: ((c / 5) * 10 + i) as f64,
                    })
                    .collect()),
                2 if c % 7 == 3 => Err(PromError::Query {
                    kind: "bad_data".into(),
                    message: "parse error at char 5".into(),
                }),
                2 => Ok(vec![Sample {
                    labels: labels(&[("pool", "read")]),
                    time: at,
                    value: rng.unit() * 1e6,
                }]),
                3 => {
                    let mut routes = vec!["/api/v1/images"];
                    if c >= 10 {
                        routes.push("/api/v1/segment");
                    }
                    if c < 20 {
                        routes.insert(0, "/health");
                    }
                    Ok(routes
                        .iter()
                        .enumerate()
                        .map(|(i, route)| Sample {
                            labels: labels(&[("route", route), ("method", "GET")]),
                            time: if c % 9 == 4 && i == 0 { at - 0.5 } else { at },
                            value: match (c + i) % 11 {
                                0 => f64::NAN,
                                1 => f64::INFINITY,
                                2 => f64::NEG_INFINITY,
                                3 => -0.0,
                                _ => (c * i) as f64 * 0.1,
                            },
                        })
                        .collect())
                }
                4 => Ok(Vec::new()),
                _ => Ok(vec![Sample {
                    labels: labels(&[("replica", "replica-1")]),
                    time: at,
                    value: 1.0,
                }]),
            };
            arrival += rng.unit() * 0.01;
            if id == 3 && c % 5 == 2 {
                // Another event in the middle of a cycle, like Prometheus' alerts.
                items.push((
                    arrival,
                    Item::Event(DataEvent::Range {
                        id: 1000,
                        result: Ok(vec![Series {
                            labels: labels(&[("alertname", "HighLatency")]),
                            points: vec![(at, f64::NAN), (at, walk)],
                        }]),
                        latency: Duration::from_micros(1500),
                    }),
                ));
            }
            items.push((
                arrival,
                Item::Event(DataEvent::Instant {
                    id,
                    at,
                    result,
                    latency: Duration::from_nanos(1_000_000 + rng.next() % 20_000_000),
                }),
            ));
        }
        if c % 13 == 6 {
            // A slow answer from the previous cycle.
            items.push((
                arrival + 0.2,
                Item::Event(DataEvent::Instant {
                    id: 5,
                    at: at - 1.0,
                    result: Ok(vec![Sample {
                        labels: labels(&[("replica", "replica-1")]),
                        time: at - 1.0,
                        value: 2.0,
                    }]),
                    latency: Duration::from_millis(1200),
                }),
            ));
        }
        if c == 5 {
            // A drill-down answer: a variant added after the format was designed.
            items.push((
                arrival + 0.05,
                Item::Event(DataEvent::RangeAnswer {
                    request: RangeRequest {
                        expr: "rate(x[5m])".into(),
                        start: 1_799_999_000,
                        end: 1_800_000_005,
                        step: 15,
                    },
                    result: Ok(vec![Series {
                        labels: labels(&[("instance", "api-1")]),
                        points: vec![(T0 - 15.0, f64::NEG_INFINITY), (T0, f64::NAN)],
                    }]),
                    latency: Duration::from_millis(40),
                }),
            ));
        }
        if c == 15 {
            items.push((
                arrival + 0.1,
                Item::Event(DataEvent::Connection(Connection::Unreachable {
                    error: "connection refused".into(),
                    retry_in: Duration::from_secs(2),
                })),
            ));
        }
        if c % 12 == 8 {
            items.push((arrival + 0.3, Item::Mark(format!("marker {c} ✓"))));
        }
    }
    items
}

/// Writes `items`; returns what a reader must give back.
fn record(path: &Path, items: &[(f64, Item)]) -> Vec<Entry> {
    record_with(path, &header(), items)
}

/// An instant answer's latency as a recording keeps it: to the microsecond.
fn as_kept(event: &mut DataEvent) {
    match event {
        DataEvent::Instant { latency, .. } => {
            *latency = Duration::from_micros((latency.as_nanos() as u64 + 500) / 1000);
        }
        DataEvent::Backend { event, .. } => as_kept(event),
        _ => {}
    }
}

fn record_with(path: &Path, header: &Header, items: &[(f64, Item)]) -> Vec<Entry> {
    let mut recorder = Recorder::create(path, header).unwrap();
    let mut expected = Vec::new();
    let mut last = f64::MIN;
    for (time, item) in items {
        // Recording times are milliseconds and never go backwards.
        let time = ((time * 1000.0).round() / 1000.0).max(last);
        last = time;
        match item {
            Item::Event(event) => {
                recorder.record_at(time, event).unwrap();
                let mut event = event.clone();
                as_kept(&mut event);
                expected.push(Entry::Event { time, event });
            }
            Item::Mark(note) => {
                recorder.mark(time, note).unwrap();
                expected.push(Entry::Marker(Marker {
                    at: time,
                    note: note.clone(),
                }));
            }
        }
    }
    recorder.finish().unwrap();
    expected
}

fn debug(entries: &[Entry]) -> Vec<String> {
    entries.iter().map(|e| format!("{e:?}")).collect()
}

/// Equal entries; on failure, says where they first differ rather than printing all.
fn assert_same(got: &[Entry], expected: &[Entry], context: &str) {
    let (got, expected) = (debug(got), debug(expected));
    if let Some(i) = (0..got.len().min(expected.len())).find(|&i| got[i] != expected[i]) {
        panic!(
            "{context}: entry {i} differs:\n got  {}\n want {}",
            got[i], expected[i]
        );
    }
    assert_eq!(got.len(), expected.len(), "{context}: number of entries");
}

fn assert_prefix(got: &[Entry], expected: &[Entry], context: &str) {
    assert!(
        got.len() <= expected.len(),
        "{context}: more entries than written"
    );
    assert_same(got, &expected[..got.len()], context);
}

/// Side by side, a second backend's answers (compact, under their stored id) and its
/// other events come back wrapped as they went in; such a file is version 3, and a
/// recording of one backend stays version 2, which older builds replay.
#[test]
fn a_second_backend_s_events_read_back_wrapped() {
    let dir = tempfile::tempdir().unwrap();
    let mut items = Vec::new();
    for (time, item) in session(24, 11) {
        let twin = match &item {
            Item::Event(event @ (DataEvent::Instant { .. } | DataEvent::Connection(_))) => {
                Some(Item::Event(DataEvent::Backend {
                    backend: 1,
                    event: Box::new(event.clone()),
                }))
            }
            _ => None,
        };
        items.push((time, item));
        items.extend(twin.map(|twin| (time, twin)));
    }
    let two = Header {
        backends: vec!["eu".into(), "us".into()],
        ..header()
    };
    let path = dir.path().join("two.sgtrec");
    let expected = record_with(&path, &two, &items);
    let recording = Recording::open(&path).unwrap();
    assert_eq!(recording.header(), &two);
    let got: Vec<Entry> = recording.entries().collect();
    assert_same(&got, &expected, "two backends");
    assert!(got.iter().any(|e| matches!(
        e,
        Entry::Event {
            event: DataEvent::Backend { .. },
            ..
        }
    )));
    let version = |path: &Path| {
        let bytes = std::fs::read(path).unwrap();
        u16::from_le_bytes([bytes[8], bytes[9]])
    };
    assert_eq!(version(&path), 3);
    let one = dir.path().join("one.sgtrec");
    record(&one, &session(3, 1));
    assert_eq!(version(&one), 2);
}

#[test]
fn everything_recorded_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.sgtrec");
    let expected = record(&path, &session(40, 7));
    let recording = Recording::open(&path).unwrap();
    assert_eq!(recording.header(), &header());
    assert!(recording.is_complete());
    let got: Vec<Entry> = recording.entries().collect();
    assert_same(&got, &expected, "round trip");
    assert_eq!(recording.warnings(), []);
    assert_eq!(recording.verify(), []);
    let (first, last) = recording.span().unwrap();
    assert_eq!(first, expected[0].time());
    assert_eq!(last, expected[expected.len() - 1].time());
    let markers: Vec<&Entry> = expected
        .iter()
        .filter(|e| matches!(e, Entry::Marker(_)))
        .collect();
    assert_eq!(recording.markers().len(), markers.len());
    assert_eq!(recording.markers()[0].note, "marker 8 ✓");
    // NaN and ±Inf survived both encodings.
    let text = format!("{got:?}");
    for word in ["NaN", "inf", "-inf", "-0.0", "Unreachable", "bad_data"] {
        assert!(text.contains(word), "{word} missing");
    }
}

#[test]
fn seeking_decodes_from_the_right_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.sgtrec");
    // 12 minutes: three blocks.
    let expected = record(&path, &session(720, 3));
    let recording = Recording::open(&path).unwrap();
    let got: Vec<Entry> = recording.entries().collect();
    assert_same(&got, &expected, "all");
    for t in [
        T0 - 100.0,
        T0 + 0.5,
        T0 + 299.9,
        T0 + 300.0,
        T0 + 301.0,
        T0 + 650.25,
        T0 + 5000.0,
    ] {
        let from: Vec<Entry> = recording.entries_from(t).collect();
        let want: Vec<Entry> = expected.iter().filter(|e| e.time() >= t).cloned().collect();
        assert_same(&from, &want, &format!("from {t}"));
    }
    let between = recording.events_between(T0 + 100.0, T0 + 102.0);
    let want: Vec<Entry> = expected
        .iter()
        .filter(|e| (T0 + 100.0..=T0 + 102.0).contains(&e.time()))
        .cloned()
        .collect();
    assert_same(&between, &want, "between");
    assert_eq!(recording.verify(), []);
}

#[test]
fn cycles_reach_the_disk_when_complete_or_a_refresh_old() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.sgtrec");
    let mut recorder = Recorder::create(&path, &header()).unwrap();
    let answer = |id, at: f64| DataEvent::Instant {
        id,
        at,
        result: Ok(vec![Sample {
            labels: Labels::new(),
            time: at,
            value: at - T0,
        }]),
        latency: Duration::from_millis(3),
    };
    let other = DataEvent::Connection(Connection::Connected);
    let steps: [(f64, DataEvent, usize); 8] = [
        // The first cycle: how many answers make a cycle is not known yet.
        (T0 + 0.01, answer(0, T0), 0),
        (T0 + 0.02, answer(1, T0), 0),
        // The next cycle begins: the first is written; the second is complete.
        (T0 + 1.01, answer(0, T0 + 1.0), 2),
        (T0 + 1.02, answer(1, T0 + 1.0), 4),
        // Another event during a cycle joins it and counts towards its size.
        (T0 + 2.01, answer(0, T0 + 2.0), 4),
        (T0 + 2.02, other.clone(), 6),
        // An incomplete cycle is written once it is a refresh interval old…
        (T0 + 3.01, answer(0, T0 + 3.0), 6),
        // …and an event between cycles at once.
        (T0 + 4.5, other.clone(), 8),
    ];
    let mut expected = Vec::new();
    for (time, event, on_disk) in steps {
        recorder.record_at(time, &event).unwrap();
        expected.push(Entry::Event { time, event });
        assert_eq!(readable_now(&path), on_disk, "after the event at {time}");
    }
    recorder.finish().unwrap();
    let got: Vec<Entry> = Recording::open(&path).unwrap().entries().collect();
    assert_same(&got, &expected, "live");
}

#[test]
fn dropping_a_recorder_closes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.sgtrec");
    let mut recorder = Recorder::create(&path, &header()).unwrap();
    recorder
        .record_at(T0, &DataEvent::Connection(Connection::Connecting))
        .unwrap();
    assert_eq!(recorder.path(), path);
    let before = recorder.bytes_written();
    recorder.close_for_test();
    assert_eq!(
        recorder.bytes_written(),
        std::fs::metadata(&path).unwrap().len()
    );
    assert!(recorder.bytes_written() > before);
    drop(recorder);
    let recording = Recording::open(&path).unwrap();
    assert!(recording.is_complete());
    assert_eq!(recording.entries().count(), 1);
    assert_eq!(recording.span(), Some((T0, T0)));
}

#[test]
fn an_empty_recording_has_no_span() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sgtrec");
    Recorder::create(&path, &header())
        .unwrap()
        .finish()
        .unwrap();
    let recording = Recording::open(&path).unwrap();
    assert!(recording.is_complete());
    assert_eq!(recording.span(), None);
    assert_eq!(recording.entries().count(), 0);
    assert_eq!(recording.warnings(), []);
}

#[test]
fn credentials_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.sgtrec");
    let mut h = header();
    h.source = "https://ops:hunter2@prom.example:9090/".into();
    Recorder::create(&path, &h).unwrap().finish().unwrap();
    let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_string();
    assert!(!text.contains("hunter2") && !text.contains("ops"), "{text}");
    assert_eq!(
        Recording::open(&path).unwrap().header().source,
        "https://prom.example:9090/"
    );
}

#[test]
fn a_finished_recorder_refuses_more() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.sgtrec");
    let mut recorder = Recorder::create(&path, &header()).unwrap();
    recorder.close_for_test();
    assert!(
        recorder
            .record_at(T0, &DataEvent::Connection(Connection::Connected))
            .is_err()
    );
    assert!(recorder.mark(T0, "late").is_err());
}

#[test]
fn huge_marker_notes_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.sgtrec");
    let mut recorder = Recorder::create(&path, &header()).unwrap();
    recorder.mark(T0, &"é".repeat(1 << 20)).unwrap();
    recorder.finish().unwrap();
    let recording = Recording::open(&path).unwrap();
    assert_eq!(recording.warnings(), []);
    assert_eq!(recording.markers()[0].note.len(), 64 << 10);
}

fn readable_now(path: &Path) -> usize {
    Recording::open(path).unwrap().entries().count()
}

mod bounds;
mod changes;
mod damage;
