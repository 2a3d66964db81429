//! Markers added to a finished recording (during its replay): appended before its end
//! record, so the file stays append-only and every reader sees them.

use super::format::{RECORD_HEADER, TAG_END, TAG_MARKER, encode_record};
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The end record: its header and an 8-byte time.
const END_RECORD: u64 = RECORD_HEADER as u64 + 8;

/// Adds a marker at `at` (Unix seconds) to the recording at `path`.
pub fn append_marker(path: &Path, at: f64, note: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let len = file.metadata()?.len();
    let mut end = vec![0; END_RECORD as usize];
    if len < END_RECORD {
        return Err(unfinished());
    }
    file.seek(SeekFrom::Start(len - END_RECORD))?;
    file.read_exact(&mut end)?;
    if end[..4] != TAG_END {
        return Err(unfinished());
    }
    let body = (at * 1000.0).round() as i64;
    let mut marker = body.to_le_bytes().to_vec();
    marker.extend_from_slice(note.as_bytes());
    file.seek(SeekFrom::Start(len - END_RECORD))?;
    file.write_all(&encode_record(TAG_MARKER, &marker))?;
    file.write_all(&end)?;
    file.flush()
}

fn unfinished() -> std::io::Error {
    std::io::Error::other(
        "the recording was not closed normally (a killed recorder); markers can only be added to finished recordings",
    )
}
