//! Forged files: whatever a block or header claims, reading takes bounded memory and time,
//! and what lies beyond the bounds is reported as damage.

use super::*;
use crate::prom::{Alert, AlertSource, AlertState};

const START: i64 = 1_800_000_000_000;

/// A file of one block holding `frames` (already framed), compressed as given.
fn one_block(compressed: &[u8]) -> Vec<u8> {
    let mut file = format::encode_file_header(&header()).unwrap();
    file.extend(format::encode_record(
        format::TAG_BLOCK,
        &START.to_le_bytes(),
    ));
    file.extend_from_slice(compressed);
    file.extend(format::encode_record(format::TAG_END, &START.to_le_bytes()));
    file
}

fn open(bytes: Vec<u8>) -> (Vec<Entry>, Vec<Warning>) {
    let recording = Recording::from_bytes("forged.sgtrec".into(), bytes).unwrap();
    let entries = recording.entries().collect();
    (entries, recording.warnings())
}

fn damage(warnings: &[Warning], says: &str) {
    assert!(
        warnings
            .iter()
            .any(|w| w.kind == WarningKind::Corrupt && w.detail.contains(says)),
        "no damage saying {says:?}: {warnings:?}"
    );
}

#[test]
fn a_block_decompressing_past_what_a_recorder_writes_is_cut_there() {
    // Intact frames, compressed a thousandfold: a few KB on disk, more than a block
    // holds once decompressed.
    let mut encoder = codec::BlockEncoder::new(START);
    let event = DataEvent::Warnings {
        id: 0,
        at: T0,
        warnings: vec!["w".repeat(1000)],
    };
    let (payload, _) = encoder.event_payload(START, &event).unwrap();
    let mut frame = Vec::new();
    format::encode_frame(&mut frame, &payload);
    let count = recorder::MAX_BLOCK_BYTES / frame.len() + 100;
    let frames = frame.repeat(count);
    let compressed = zstd::encode_all(&frames[..], 1).unwrap();
    assert!(compressed.len() < frames.len() / 100);

    let (entries, warnings) = open(one_block(&compressed));
    damage(&warnings, "decompresses to more than 36 MiB");
    assert!(entries.len() < count, "{} of {count}", entries.len());
    assert!(entries.len() >= count - 200, "what fits is read");
}

#[test]
fn labels_cloned_by_one_byte_answers_stop_at_the_weight_bound() {
    // One series with a 128 KiB label, then answers that each repeat it with one byte:
    // 2,000 of them decode to 256 MiB of cloned labels.
    let series = vec![Sample {
        labels: labels(&[("big", &"x".repeat(128 << 10))]),
        time: T0,
        value: 1.0,
    }];
    let mut encoder = codec::BlockEncoder::new(START);
    let mut cycle = codec::Cycle::new(T0, START);
    for _ in 0..2_000 {
        let answer = Ok(series.clone());
        encoder
            .add_answer(&mut cycle, START, 0, &answer, Duration::ZERO)
            .unwrap();
    }
    assert!(
        cycle.weight > weight::MAX_FRAME_WEIGHT,
        "a recorder leaves it out"
    );
    let mut frames = Vec::new();
    format::encode_frame(&mut frames, &encoder.cycle_payload(&cycle));
    assert!(frames.len() < 200 << 10);

    let (entries, warnings) = open(one_block(&zstd::encode_all(&frames[..], 1).unwrap()));
    damage(&warnings, "decodes to more than 192 MiB");
    // The answers within the bound are read, as those before any damage.
    assert!((1..1_600).contains(&entries.len()), "{}", entries.len());
}

#[test]
fn alerts_cloned_by_one_byte_references_stop_at_the_weight_bound() {
    let alert = Alert {
        name: "Big".into(),
        labels: labels(&[("alertname", "Big")]),
        annotations: [("description".to_string(), "d".repeat(128 << 10))].into(),
        state: AlertState::Firing,
        active_at: T0,
        value: 1.0,
        source: AlertSource::Server,
    };
    let first = DataEvent::Alerts {
        at: T0,
        result: Ok(vec![alert.clone()]),
    };
    // The same alert 2,000 times: each a reference of two bytes to the remembered one.
    let repeated = DataEvent::Alerts {
        at: T0 + 1.0,
        result: Ok(vec![alert; 2_000]),
    };
    let mut encoder = codec::BlockEncoder::new(START);
    let mut frames = Vec::new();
    let (payload, _) = encoder.event_payload(START, &first).unwrap();
    format::encode_frame(&mut frames, &payload);
    let (payload, weight) = encoder.event_payload(START + 1000, &repeated).unwrap();
    assert!(
        weight > weight::MAX_FRAME_WEIGHT,
        "a recorder leaves it out"
    );
    format::encode_frame(&mut frames, &payload);

    let (entries, warnings) = open(one_block(&zstd::encode_all(&frames[..], 1).unwrap()));
    damage(&warnings, "decodes to more than 192 MiB");
    assert_eq!(entries.len(), 1, "the first list is read");
}

#[test]
fn a_recorder_leaves_out_what_no_reader_would_take_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.sgtrec");
    let mut recorder = Recorder::create(&path, &header()).unwrap();
    let connected = DataEvent::Connection(Connection::Connected);
    let huge = DataEvent::Warnings {
        id: 0,
        at: T0,
        warnings: vec!["w".repeat(recorder::MAX_FRAME_BYTES)],
    };
    recorder.record_at(T0, &connected).unwrap();
    recorder.record_at(T0 + 1.0, &huge).unwrap();
    recorder.record_at(T0 + 2.0, &connected).unwrap();
    recorder.finish().unwrap();

    let recording = Recording::open(&path).unwrap();
    let times: Vec<f64> = recording.entries().map(|e| e.time()).collect();
    assert_eq!(times, [T0, T0 + 2.0]);
    assert_eq!(recording.verify(), []);
}

#[test]
fn a_header_with_an_impossible_refresh_is_refused() {
    for refresh in [Duration::ZERO, Duration::MAX, Duration::from_secs(86_401)] {
        let mut bytes = format::encode_file_header(&Header {
            refresh,
            ..header()
        })
        .unwrap();
        bytes.extend(format::encode_record(format::TAG_END, &START.to_le_bytes()));
        let refused = Recording::from_bytes("forged.sgtrec".into(), bytes).unwrap_err();
        assert!(
            refused.to_string().contains("refresh interval"),
            "{refresh:?}: {refused}"
        );
    }
}
