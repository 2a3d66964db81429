//! Cut, flipped, foreign and newer files: what survives damage, and what is said about it.

use super::*;
use crate::session::format::VERSION;

#[test]
fn a_cut_at_any_offset_keeps_a_prefix_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.sgtrec");
    let expected = record(&path, &session(25, 11));
    let bytes = std::fs::read(&path).unwrap();
    let cut_path = dir.path().join("cut.sgtrec");
    let header_len = {
        let (_, end) = format::decode_file_header(&bytes, &path).unwrap();
        end
    };
    let mut longest = 0;
    for len in 0..bytes.len() {
        std::fs::write(&cut_path, &bytes[..len]).unwrap();
        match Recording::open(&cut_path) {
            Err(FormatError::Corrupt { detail, .. }) if len < header_len => {
                assert!(
                    detail.contains("ends inside the recording header"),
                    "{detail}"
                );
            }
            Err(e) => panic!("cut at {len}: {e}"),
            Ok(recording) => {
                assert!(len >= header_len);
                let got: Vec<Entry> = recording.entries().collect();
                assert_prefix(&got, &expected, &format!("cut at {len}"));
                assert!(!recording.is_complete());
                let warnings = recording.warnings();
                assert!(
                    len == header_len || !warnings.is_empty(),
                    "cut at {len}: no warning"
                );
                assert!(
                    warnings.iter().all(|w| w.kind == WarningKind::Truncated),
                    "cut at {len}: {warnings:?}"
                );
                assert!(got.len() >= longest, "cut at {len} lost entries");
                longest = got.len();
                if let (Some((first, last)), Some(e)) = (recording.span(), got.last()) {
                    assert_eq!(first, expected[0].time());
                    assert_eq!(last, e.time(), "cut at {len}");
                }
            }
        }
    }
    assert!(longest + 1 >= expected.len());
}

#[test]
fn cuts_through_a_multi_block_file_keep_every_earlier_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.sgtrec");
    let expected = record(&path, &session(700, 5));
    let bytes = std::fs::read(&path).unwrap();
    let cut_path = dir.path().join("cut.sgtrec");
    let mut previous = 0;
    for len in (300..bytes.len()).step_by(bytes.len() / 97) {
        std::fs::write(&cut_path, &bytes[..len]).unwrap();
        let recording = Recording::open(&cut_path).unwrap();
        let got: Vec<Entry> = recording.entries().collect();
        assert_prefix(&got, &expected, &format!("cut at {len}"));
        assert!(got.len() >= previous);
        previous = got.len();
        assert!(!recording.warnings().is_empty());
        // Seeking near the end of what is left works too.
        if let Some((_, last)) = recording.span() {
            let tail: Vec<Entry> = recording.entries_from(last).collect();
            assert_same(&tail, &got[got.len() - tail.len()..], "tail");
        }
    }
    assert!(previous > expected.len() * 9 / 10);
}

#[test]
fn a_killed_recorder_loses_at_most_the_last_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.sgtrec");
    let items = session(30, 9);
    let mut recorder = Recorder::create(&path, &header()).unwrap();
    let mut written = 0;
    for (time, item) in &items {
        if let Item::Event(e) = item {
            recorder.record_at(*time, e).unwrap();
            written += 1;
        }
    }
    let size = recorder.bytes_written();
    // What kill -9 leaves: no finishing, no drop.
    std::mem::forget(recorder);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
    let recording = Recording::open(&path).unwrap();
    let got = recording.entries().count();
    assert!(got + 6 >= written, "{got} of {written}");
    assert_eq!(recording.warnings()[0].kind, WarningKind::Truncated);
}

/// What a reader finds on disk while the recorder is still running.

#[test]
fn flipped_bytes_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.sgtrec");
    let expected = record(&path, &session(400, 13));
    let bytes = std::fs::read(&path).unwrap();
    let (_, header_len) = format::decode_file_header(&bytes, &path).unwrap();
    let bad_path = dir.path().join("flipped.sgtrec");
    let (mut detected, mut harmless) = (0, 0);
    for pos in (0..bytes.len()).step_by(bytes.len() / 301) {
        let mut flipped = bytes.clone();
        flipped[pos] ^= 0x10;
        std::fs::write(&bad_path, &flipped).unwrap();
        let recording = match Recording::open(&bad_path) {
            Ok(r) => r,
            Err(_) if pos < header_len => continue,
            Err(e) => panic!("flip at {pos}: {e}"),
        };
        let got: Vec<Entry> = recording.entries().collect();
        let warnings = recording.warnings();
        if warnings.is_empty() {
            // Some bits do not matter (e.g. zstd's window size); the data must be intact.
            assert_same(&got, &expected, &format!("flip at {pos} went unnoticed"));
            harmless += 1;
        } else {
            detected += 1;
        }
    }
    assert!(
        detected > harmless * 10,
        "{detected} detected, {harmless} harmless"
    );
}

/// A recording of 700 cycles with one byte flipped in the middle of the file: what was
/// recorded, the damaged file opened, and the flipped byte's offset.
fn damaged_in_the_middle(dir: &Path) -> (Vec<Entry>, Recording, usize) {
    let path = dir.join("full.sgtrec");
    let expected = record(&path, &session(700, 17));
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    (expected, Recording::open(&path).unwrap(), middle)
}

#[test]
fn damage_in_one_block_spares_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (expected, recording, middle) = damaged_in_the_middle(dir.path());
    let got: Vec<Entry> = recording.entries().collect();
    let warnings = recording.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, WarningKind::Corrupt);
    assert!(warnings[0].offset < middle as u64);
    assert!(warnings[0].to_string().starts_with("byte "));
    // Lost: part of one block. Kept: what is before it and the blocks after it.
    assert!(got.len() < expected.len());
    assert!(got.len() > expected.len() / 2);
    assert_eq!(
        format!("{:?}", got.last().unwrap()),
        format!("{:?}", expected.last().unwrap())
    );
}

#[test]
fn the_stretch_damage_took_is_known_from_the_entries_around_it() {
    let dir = tempfile::tempdir().unwrap();
    let (expected, recording, _) = damaged_in_the_middle(dir.path());
    // Markers are records of their own: damage to a block takes only its events.
    let events = |entries: Vec<Entry>| -> Vec<f64> {
        entries
            .iter()
            .filter(|e| matches!(e, Entry::Event { .. }))
            .map(Entry::time)
            .collect()
    };
    let got = events(recording.entries().collect());
    let lost = recording.lost_spans();
    assert_eq!(lost.len(), 1, "{lost:?}");
    let (from, to) = lost[0];
    // Nothing read lies inside the lost stretch, and what was recorded there is missing.
    let inside: Vec<&f64> = got.iter().filter(|t| **t > from && **t < to).collect();
    assert!(inside.is_empty(), "{lost:?}: {inside:?}");
    let missing: Vec<f64> = events(expected)
        .into_iter()
        .filter(|t| !got.contains(t))
        .collect();
    assert!(!missing.is_empty());
    assert!(
        missing.iter().all(|t| *t >= from && *t < to),
        "{lost:?} vs {missing:?}"
    );
}

#[test]
fn foreign_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.sgtrec");
    record(&path, &session(3, 1));
    let bytes = std::fs::read(&path).unwrap();

    let other = dir.path().join("layout.toml");
    std::fs::write(&other, "[[tab]]\ntitle = \"x\"\n").unwrap();
    let err = Recording::open(&other).unwrap_err();
    assert!(matches!(err, FormatError::NotARecording { .. }), "{err}");
    assert!(err.to_string().contains("not a spheroseg-top recording"));

    let mut newer = bytes.clone();
    newer[8..10].copy_from_slice(&999u16.to_le_bytes());
    std::fs::write(&other, &newer).unwrap();
    let err = Recording::open(&other).unwrap_err();
    assert!(
        matches!(
            err,
            FormatError::UnsupportedVersion {
                found: 999,
                supported: VERSION,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("version 999"), "{err}");

    let mut damaged = bytes.clone();
    damaged[format::FILE_PREAMBLE + 3] ^= 1;
    std::fs::write(&other, &damaged).unwrap();
    let err = Recording::open(&other).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");

    let err = Recording::open(dir.path().join("missing")).unwrap_err();
    assert!(matches!(err, FormatError::Io { .. }), "{err}");
}

#[test]
fn events_of_a_newer_kind_are_skipped_with_a_warning() {
    // What a newer build might record: a variant this build's DataEvent does not have.
    #[derive(serde::Serialize)]
    enum Future {
        Telemetry { at: f64 },
    }
    let start = 1_800_000_000_000i64;
    let mut frames = Vec::new();
    let mut payload = vec![2, 0];
    ciborium::into_writer(&Future::Telemetry { at: T0 }, &mut payload).unwrap();
    format::encode_frame(&mut frames, &payload);
    let mut encoder = codec::BlockEncoder::new(start);
    let known = DataEvent::Connection(Connection::Connected);
    format::encode_frame(
        &mut frames,
        &encoder.event_payload(start, &known).unwrap().0,
    );
    let mut file = format::encode_file_header(&header()).unwrap();
    file.extend(format::encode_record(
        format::TAG_BLOCK,
        &start.to_le_bytes(),
    ));
    file.extend(zstd::encode_all(&frames[..], 3).unwrap());
    file.extend(format::encode_record(format::TAG_END, &start.to_le_bytes()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sgtrec");
    std::fs::write(&path, file).unwrap();

    let recording = Recording::open(&path).unwrap();
    let got: Vec<Entry> = recording.entries().collect();
    assert_same(
        &got,
        &[Entry::Event {
            time: T0,
            event: known,
        }],
        "newer",
    );
    let warnings = recording.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, WarningKind::Skipped);
    assert!(
        warnings[0].detail.contains("cannot read"),
        "{}",
        warnings[0]
    );
}
