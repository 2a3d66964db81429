//! Record a session against a real Prometheus + the simulator through an incident, replay
//! it, and the frame drawn at time T in the replay equals the frame drawn live at T. Bad
//! files: a cut recording replays up to the cut with a warning; a file that is not a
//! recording, or of an unknown version, is refused with exit code 2.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use spheroseg_top::app::restore;
use spheroseg_top::app::{App, Msg};
use spheroseg_top::clock::unix_now;
use spheroseg_top::config::Layout;
use spheroseg_top::event::{DataEvent, SourceCommand};
use spheroseg_top::session::{Entry, Recorder, Recording, annotate};
use spheroseg_top::sim::Scenario;
use spheroseg_top::source::live::{self as poller, PollerConfig};
use spheroseg_top::source::replay::{self, ReplayOptions};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

/// Recording times with millisecond precision, strictly increasing, as stored.
struct Stamps(f64);

impl Stamps {
    fn next(&mut self) -> f64 {
        let ms = (unix_now() * 1000.0).round().max(self.0 * 1000.0 + 1.0);
        self.0 = ms / 1000.0;
        self.0
    }
}

/// Records ~10 s of a live session into `path`; returns the time T at which it drew the
/// returned frame (the frame after the incident turned the dashboard red).
async fn record_live_session(url: &str, path: &Path) -> (f64, Vec<String>) {
    let mut app = app(Layout::load("spheroseg").unwrap(), url);
    let mut recorder = Recorder::create(path, &restore::header(&app, Vec::new())).unwrap();
    let (tx, mut rx) = mpsc::channel(1024);
    let _commands = poller::spawn(
        client(url),
        PollerConfig {
            queries: app.layout().queries.clone(),
            refresh: Duration::from_secs(1),
            concurrency: 8,
            alertmanager: None,
        },
        tx,
    );
    let mut stamps = Stamps(0.0);
    let mut apply = |app: &mut App, recorder: &mut Recorder, event: DataEvent| {
        let at = stamps.next();
        recorder.record_at(at, &event).unwrap();
        app.update(Msg::Data(event));
        at
    };
    let started = tokio::time::Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let mut frame_at = None;
    while started.elapsed() < Duration::from_secs(10) {
        let at = tokio::select! {
            Some(event) = rx.recv() => apply(&mut app, &mut recorder, event),
            _ = ticker.tick() => apply(&mut app, &mut recorder, DataEvent::Clock(unix_now())),
        };
        // Once, mid-session and with the incident showing: the live frame to compare.
        if frame_at.is_none() && started.elapsed() > Duration::from_secs(6) && rx.is_empty() {
            let screen = lines(&render(&app, WIDTH, HEIGHT));
            if screen.join("\n").contains("ALERT") {
                frame_at = Some((at, screen));
            }
        }
    }
    recorder
        .mark(frame_at.as_ref().unwrap().0, "the frame compared")
        .unwrap();
    recorder.finish().unwrap();
    frame_at.expect("a live frame with the incident")
}

/// The replayed app after every entry recorded at or before `at`.
fn replayed_until(recording: &Recording, at: f64) -> App {
    let mut app = restore::app(recording.header()).unwrap();
    for entry in recording.entries() {
        if entry.time() > at {
            break;
        }
        if let Entry::Event { event, .. } = entry {
            app.update(Msg::Data(event));
        }
    }
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_frame_equals_the_live_frame_at_the_same_moment() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(
        &url,
        "sum(rate(http_request_duration_seconds_count[5m])) > 0",
        Duration::from_secs(20),
    )
    .await;
    stack.sim.set_scenario(Scenario::Incident);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rec");
    let (at, live) = record_live_session(&url, &path).await;

    let recording = Recording::open(&path).unwrap();
    assert!(recording.is_complete() && recording.warnings().is_empty());
    assert_eq!(recording.markers()[0].note, "the frame compared");
    let replayed = lines(&render(&replayed_until(&recording, at), WIDTH, HEIGHT));
    assert_eq!(replayed, live, "replayed frame differs from the live one");

    // The replayer itself, seeking to T, draws the same panels (its bottom line is the
    // replay's timeline instead of the live status bar).
    let recording = Arc::new(recording);
    let mut app = restore::app(recording.header()).unwrap();
    let (tx, mut rx) = mpsc::channel(1024);
    let commands = replay::spawn(
        recording.clone(),
        ReplayOptions {
            speed: 1.0,
            start_at: None,
            paused: true,
            queries: app.layout().queries.clone(),
        },
        tx,
    );
    commands.send(SourceCommand::Seek(at)).await.unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let done = matches!(&event, DataEvent::ReplayStatus(s) if s.position == at);
        app.update(Msg::Data(event));
        if done {
            break;
        }
    }
    let seeked = lines(&render(&app, WIDTH, HEIGHT));
    let body = |screen: &[String]| screen[..screen.len() - 1].to_vec();
    assert_eq!(
        body(&seeked),
        body(&live),
        "seeked frame differs from the live one"
    );
    assert!(
        seeked.last().unwrap().contains("⏸"),
        "{}",
        seeked.last().unwrap()
    );

    // A marker added during the replay is stored in the file and the file still reads.
    annotate::append_marker(&path, at - 2.0, "added in review").unwrap();
    let reopened = Recording::open(&path).unwrap();
    let notes: Vec<&str> = reopened.markers().iter().map(|m| m.note.as_str()).collect();
    assert_eq!(notes, vec!["added in review", "the frame compared"]);
    assert!(reopened.warnings().is_empty(), "{:?}", reopened.warnings());
    assert_eq!(
        reopened.entries().count(),
        Recording::open(&path).unwrap().entries().count()
    );
    drop(stack);
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
}

#[test]
fn files_that_are_not_recordings_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_recording = dir.path().join("notes.txt");
    std::fs::write(
        &not_a_recording,
        "these are not the frames you are looking for\n",
    )
    .unwrap();
    let output = binary()
        .arg("replay")
        .arg(&not_a_recording)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("notes.txt") && stderr.contains("not a spheroseg-top recording"),
        "{stderr}"
    );

    // A recording from a future version: the magic is right, the version is not.
    let future = dir.path().join("future.rec");
    let mut bytes = spheroseg_top::session::MAGIC.to_vec();
    bytes.extend_from_slice(&999u16.to_le_bytes());
    bytes.extend_from_slice(&[0; 64]);
    std::fs::write(&future, bytes).unwrap();
    let output = binary().arg("replay").arg(&future).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("999"), "{stderr}");

    let missing = binary()
        .arg("replay")
        .arg(dir.path().join("nope.rec"))
        .output()
        .unwrap();
    assert_eq!(
        missing.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// A recording cut anywhere (a killed recorder, a full disk) replays up to the cut, says
/// so, and never takes the dashboard down.
/// Ten minutes of replica-2's lag climbing, one answer a second, written to `path`.
fn record_climbing_lag(path: &Path) {
    let app = App::new(
        Layout::load("spheroseg").unwrap(),
        spheroseg_top::config::Theme::load("default").unwrap(),
        spheroseg_top::app::SourceInfo {
            label: "http://127.0.0.1:9090".into(),
            refresh: Duration::from_secs(1),
            note: None,
        },
    );
    let mut recorder = Recorder::create(path, &restore::header(&app, Vec::new())).unwrap();
    let id = app
        .layout()
        .queries
        .iter()
        .position(|q| q.expr == "db_replication_lag_seconds")
        .unwrap();
    for i in 0..600 {
        let at = 1_800_000_000.0 + f64::from(i);
        recorder.record_at(at, &DataEvent::Clock(at)).unwrap();
        let sample = spheroseg_top::prom::Sample {
            labels: [("replica".to_string(), "replica-2".to_string())].into(),
            time: at,
            value: f64::from(i) / 60.0,
        };
        recorder
            .record_at(
                at + 0.2,
                &DataEvent::Instant {
                    id,
                    at,
                    result: Ok(vec![sample]),
                    latency: Duration::from_millis(3),
                },
            )
            .unwrap();
    }
    recorder.finish().unwrap();
}

#[test]
fn a_cut_recording_replays_up_to_the_cut_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.rec");
    record_climbing_lag(&path);
    let bytes = std::fs::read(&path).unwrap();
    let full = Recording::open(&path).unwrap().entries().count();
    let mut previous = 0;
    let mut opened = false;
    for cut in (0..bytes.len()).step_by(bytes.len() / 60) {
        let cut_path = dir.path().join("cut.rec");
        std::fs::write(&cut_path, &bytes[..cut]).unwrap();
        // Cut inside the header (the embedded layout): nothing to replay, a clear error.
        let recording = match Recording::open(&cut_path) {
            Err(e) => {
                assert!(!opened, "cut at {cut}: {e}");
                assert!(e.to_string().contains("header"), "cut at {cut}: {e}");
                continue;
            }
            Ok(recording) => recording,
        };
        opened = true;
        assert!(
            !recording.warnings().is_empty(),
            "cut at {cut} of {} is reported",
            bytes.len()
        );
        let mut app = restore::app(recording.header()).unwrap();
        let mut count = 0;
        for entry in recording.entries() {
            if let Entry::Event { event, .. } = entry {
                app.update(Msg::Data(event));
            }
            count += 1;
        }
        assert!(
            count >= previous && count <= full,
            "cut at {cut}: {count} of {full} entries"
        );
        previous = count;
        render(&app, 120, 40);
    }
    assert!(
        opened && previous > full / 2,
        "late cuts keep most of the session"
    );
}

/// `n`/`N` jump between alert transitions: those of the recording's own rule files count
/// too, evaluated again as the replay will (pending at 100 s, firing after `for: 5m`,
/// resolved at 500 s).
#[test]
fn the_replay_index_holds_local_rule_transitions() {
    let rules_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/spheroseg.yml");
    let rules = spheroseg_top::alerts::RuleFile::load(&rules_path).unwrap();
    let app = App::new(
        Layout::load("spheroseg").unwrap(),
        spheroseg_top::config::Theme::load("default").unwrap(),
        spheroseg_top::app::SourceInfo {
            label: "http://127.0.0.1:9090".into(),
            refresh: Duration::from_secs(10),
            note: None,
        },
    )
    .with_rules(&[rules]);
    let text = spheroseg_top::session::ConfigText {
        origin: rules_path.display().to_string(),
        text: std::fs::read_to_string(&rules_path).unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.rec");
    let mut recorder = Recorder::create(&path, &restore::header(&app, vec![text])).unwrap();
    let id = app
        .layout()
        .queries
        .iter()
        .position(|q| q.expr == "db_replication_lag_seconds > 5")
        .unwrap();
    let t0 = 1_800_000_000.0;
    for step in 0..=60 {
        let at = t0 + f64::from(step) * 10.0;
        let lagging = (100.0..500.0).contains(&(at - t0));
        let samples = if lagging {
            vec![spheroseg_top::prom::Sample {
                labels: [("replica".to_string(), "replica-2".to_string())].into(),
                time: at,
                value: 9.0,
            }]
        } else {
            Vec::new()
        };
        recorder
            .record_at(
                at,
                &DataEvent::Instant {
                    id,
                    at,
                    result: Ok(samples),
                    latency: Duration::ZERO,
                },
            )
            .unwrap();
    }
    recorder.finish().unwrap();
    let recording = Recording::open(&path).unwrap();
    let index = replay::index(&recording);
    let relative: Vec<f64> = index.transitions.iter().map(|t| t - t0).collect();
    assert_eq!(
        relative,
        vec![100.0, 400.0, 500.0],
        "pending, firing, resolved"
    );
    assert_eq!(index.alert_spans, vec![(t0 + 400.0, t0 + 500.0)]);
}

#[test]
fn a_damaged_recording_replays_with_the_lost_stretch_on_its_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.rec");
    record_climbing_lag(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    // Inside the first block's compressed data (a block record starts with its tag).
    let first_block = bytes.windows(4).position(|w| w == b"BLCK").unwrap();
    let spot = first_block + 64;
    bytes[spot] ^= 0x5a;
    std::fs::write(&path, &bytes).unwrap();

    let recording = Recording::open(&path).unwrap();
    let index = replay::index(&recording);
    assert_eq!(index.lost_spans.len(), 1, "{index:?}");
    assert!(index.damage[0].starts_with("byte "), "{:?}", index.damage);
    let (from, to) = index.lost_spans[0];
    let (start, end) = recording.span().unwrap();
    assert!(start <= from && from < to && to <= end);

    let mut app = restore::app(recording.header()).unwrap();
    app.update(Msg::Action(spheroseg_top::app::Action::Resize(120, 30)));
    app.update(Msg::Data(DataEvent::ReplayStatus(
        spheroseg_top::event::ReplayStatus {
            start,
            end,
            position: end,
            speed: 1.0,
            playing: false,
        },
    )));
    app.update(Msg::Data(DataEvent::ReplayIndex(index)));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    terminal
        .draw(|frame| spheroseg_top::ui::render(frame, &app))
        .unwrap();
    let bottom: String = (0..120)
        .map(|x| terminal.backend().buffer()[(x, 29)].symbol().to_string())
        .collect();
    assert!(bottom.contains('╳'), "the lost stretch is marked: {bottom}");
    assert!(bottom.contains("damaged"), "and said: {bottom}");
}
