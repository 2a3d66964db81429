//! Reads a recording: the header, an index of its blocks and markers built without
//! decompressing anything, and the entries of any time range, decoded block by block
//! on demand. Damage is stepped over and reported as [`Warning`]s.

use super::codec::{BlockDecoder, Entry, FrameProblem, Marker};
use super::fields::{millis, seconds};
use super::format::{
    FormatError, FrameRead, Header, RecordRead, TAG_BLOCK, TAG_END, TAG_MARKER, Warning,
    WarningKind, decode_file_header, find_record, read_frame, read_record,
};
use super::recorder::MAX_BLOCK_BYTES;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An opened recording.
pub struct Recording {
    path: PathBuf,
    header: Header,
    bytes: Vec<u8>,
    /// Blocks and markers in file (and so time) order.
    records: Vec<Record>,
    markers: Vec<Marker>,
    /// Whether the file ends with the end record: the recorder finished normally.
    complete: bool,
    span: Option<(f64, f64)>,
    /// Damage found so far: by `open` in the structure and the last block, later by
    /// whatever reading decodes.
    warnings: Mutex<Vec<Warning>>,
    /// The last block when `open` decoded it (to find where an unclosed recording ends),
    /// kept for the first reader that needs it: seeking to the end then decodes once.
    decoded_last: Mutex<Option<(usize, Vec<Entry>)>>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("path", &self.path)
            .field("bytes", &self.bytes.len())
            .field("records", &self.records.len())
            .field("complete", &self.complete)
            .field("span", &self.span)
            .finish_non_exhaustive()
    }
}

enum Record {
    Block(Block),
    Marker(i64, Marker),
}

struct Block {
    /// Where the block record starts.
    offset: usize,
    start_ms: i64,
    /// The zstd frame.
    data: Range<usize>,
}

impl Record {
    fn start_ms(&self) -> i64 {
        match self {
            Record::Block(b) => b.start_ms,
            Record::Marker(ms, _) => *ms,
        }
    }
}

impl Recording {
    /// Reads the file and indexes it. Errors only when the file is not a recording, is
    /// of another format version, cannot be read, or its header is damaged; damage after
    /// the header becomes [`Recording::warnings`].
    pub fn open(path: impl AsRef<Path>) -> Result<Recording, FormatError> {
        let path = path.as_ref().to_path_buf();
        let bytes = crate::config::file::read(&path, crate::config::file::Kind::Recording)
            .map_err(|source| FormatError::Io {
                path: path.clone(),
                source,
            })?;
        Self::from_bytes(path, bytes)
    }

    /// A recording already in memory; `path` names it in messages.
    pub fn from_bytes(path: PathBuf, bytes: Vec<u8>) -> Result<Recording, FormatError> {
        let (header, start) = decode_file_header(&bytes, &path)?;
        let mut warnings = Vec::new();
        let (mut records, end) = index(&bytes, start, &mut warnings);
        // The end record's time is only trusted when nothing before it was lost.
        let end_ms = end.filter(|&ms| ms != i64::MIN && warnings.is_empty());
        let mut markers: Vec<Marker> = records
            .iter()
            .filter_map(|r| match r {
                Record::Marker(_, m) => Some(m.clone()),
                Record::Block(_) => None,
            })
            .collect();
        markers.sort_by(|a, b| a.at.total_cmp(&b.at));
        // Markers added during a replay (see `annotate`) come after later data; the
        // index must stay in time order for seeking, so they live in `markers` only.
        let mut latest = i64::MIN;
        records.retain(|r| {
            let keep = r.start_ms() >= latest || matches!(r, Record::Block(_));
            latest = latest.max(r.start_ms());
            keep
        });
        let mut recording = Recording {
            path,
            header,
            bytes,
            records,
            markers,
            complete: end.is_some(),
            span: None,
            warnings: Mutex::new(warnings),
            decoded_last: Mutex::new(None),
        };
        recording.span = recording.find_span(end_ms);
        let cut_noticed = recording
            .warnings()
            .iter()
            .any(|w| w.kind == WarningKind::Truncated);
        if !recording.complete && !cut_noticed {
            let len = recording.bytes.len();
            recording.warn(
                WarningKind::Truncated,
                len,
                "the recording ends here without its end record (the recorder was stopped)".into(),
            );
        }
        Ok(recording)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Whether the recorder closed the file normally (false after a kill or a cut).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Times of the first and last entry (Unix seconds); `None` when nothing was recorded.
    pub fn span(&self) -> Option<(f64, f64)> {
        self.span
    }

    /// All markers, in time order.
    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }

    /// Damage found so far. `open` finds damage in the file's structure and a cut or
    /// damaged last block; damage inside other blocks is found when they are read (see
    /// [`Recording::verify`]).
    pub fn warnings(&self) -> Vec<Warning> {
        self.warnings.lock().map(|w| w.clone()).unwrap_or_default()
    }

    /// Decodes everything and returns all warnings: a full check of the file.
    pub fn verify(&self) -> Vec<Warning> {
        self.entries().for_each(drop);
        self.warnings()
    }

    /// The stretches of time damage took, as (from, to): from the last entry read before
    /// each damaged spot to the first block after it. Complete once everything was read
    /// (see [`Recording::verify`]); a cut tail loses no stretch, the recording just ends.
    pub fn lost_spans(&self) -> Vec<(f64, f64)> {
        let blocks: Vec<&Block> = self
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Block(b) => Some(b),
                Record::Marker(..) => None,
            })
            .collect();
        let mut spans = Vec::new();
        for warning in self.warnings() {
            if warning.kind != WarningKind::Corrupt {
                continue;
            }
            let offset = usize::try_from(warning.offset).unwrap_or(usize::MAX);
            // The block holding the damage, or the last one before it.
            let before = blocks.iter().rposition(|b| b.offset <= offset);
            let from = match before {
                Some(i) => self
                    .decode(blocks[i], false)
                    .last()
                    .map_or(seconds(blocks[i].start_ms), Entry::time),
                None => self.span.map_or(0.0, |(start, _)| start),
            };
            let to = match blocks.get(before.map_or(0, |i| i + 1)) {
                Some(next) => self
                    .decode(next, false)
                    .first()
                    .map_or(seconds(next.start_ms), Entry::time),
                None => self.span.map_or(from, |(_, end)| end),
            };
            if to > from && !spans.contains(&(from, to)) {
                spans.push((from, to));
            }
        }
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        spans
    }

    /// Every entry, in time order.
    pub fn entries(&self) -> Entries<'_> {
        self.entries_from(f64::NEG_INFINITY)
    }

    /// Entries at or after `time`, in time order. Only the blocks read are decoded, so
    /// seeking anywhere costs at most one block (5 minutes of data) before the first entry.
    pub fn entries_from(&self, time: f64) -> Entries<'_> {
        let from_ms = if time.is_finite() {
            millis(time)
        } else if time > 0.0 {
            i64::MAX
        } else {
            i64::MIN
        };
        // Everything before the last record starting earlier than `time` is earlier.
        let first = self
            .records
            .partition_point(|r| r.start_ms() < from_ms)
            .saturating_sub(1);
        Entries {
            recording: self,
            next_record: first,
            buffered: Vec::new().into_iter(),
            from: seconds(from_ms),
        }
    }

    /// Entries with `t0 <= time <= t1`.
    pub fn events_between(&self, t0: f64, t1: f64) -> Vec<Entry> {
        self.entries_from(t0)
            .take_while(|e| e.time() <= t1)
            .collect()
    }

    fn find_span(&self, end_ms: Option<i64>) -> Option<(f64, f64)> {
        let first = self.records.first()?.start_ms();
        let last = match end_ms {
            Some(ms) => ms,
            // Not closed: the last entry there is, found from the end.
            None => self
                .records
                .iter()
                .enumerate()
                .rev()
                .find_map(|(i, r)| match r {
                    Record::Marker(ms, _) => Some(*ms),
                    Record::Block(b) => {
                        let entries = self.decode(b, i + 1 == self.records.len());
                        let last = entries.last().map(|e| millis(e.time()));
                        if let Ok(mut cache) = self.decoded_last.lock() {
                            *cache = Some((i, entries));
                        }
                        last
                    }
                })?,
        };
        Some((seconds(first), seconds(last.max(first))))
    }

    /// All entries of a block, up to the first damage (which becomes a warning).
    fn decode(&self, block: &Block, is_last: bool) -> Vec<Entry> {
        let mut raw = Vec::new();
        // One byte more than a recorder writes tells a forged block (a zstd bomb: 99 KB
        // decompressing to gigabytes) without decompressing it whole.
        let limit = MAX_BLOCK_BYTES as u64 + 1;
        let unpacked = zstd::stream::read::Decoder::with_buffer(&self.bytes[block.data.clone()])
            .and_then(|decoder| decoder.single_frame().take(limit).read_to_end(&mut raw));
        let oversized = raw.len() > MAX_BLOCK_BYTES;
        raw.truncate(MAX_BLOCK_BYTES);
        let mut decoder = BlockDecoder::new(block.start_ms);
        let mut entries = Vec::new();
        let mut pos = 0;
        let mut frames = 0;
        let mut problem = None;
        let mut incomplete = false;
        while pos < raw.len() {
            match read_frame(&raw, pos) {
                FrameRead::Ok { payload, next } => {
                    match decoder.decode(payload, &mut entries) {
                        Ok(()) => {}
                        Err(FrameProblem::Unknown(detail)) => self.warn(
                            WarningKind::Skipped,
                            block.offset,
                            format!("frame {frames} of the block skipped: {detail}"),
                        ),
                        Err(FrameProblem::Malformed(detail)) => {
                            problem = Some(format!("frame {frames} is malformed ({detail})"));
                            break;
                        }
                    }
                    pos = next;
                    frames += 1;
                }
                FrameRead::BadChecksum => {
                    problem = Some(format!("frame {frames}: checksum mismatch"));
                    break;
                }
                // A cut (the zstd error below says so) or damage leaves half a frame.
                FrameRead::Incomplete => {
                    incomplete = true;
                    break;
                }
            }
        }
        let cut = is_last
            && block.data.end == self.bytes.len()
            && matches!(&unpacked, Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof);
        let problem = match (problem, unpacked) {
            (Some(problem), _) => Some(problem),
            (None, _) if oversized => Some(format!(
                "the block decompresses to more than {} MiB, more than a recorder writes; its first {frames} frames are read",
                MAX_BLOCK_BYTES >> 20
            )),
            // The data simply stops: the recorder was killed while writing this block.
            (None, _) if cut => {
                self.warn(
                    WarningKind::Truncated,
                    block.offset,
                    format!(
                        "the recording ends at byte {} inside the block starting here (the recorder was stopped); its first {frames} frames are read",
                        self.bytes.len()
                    ),
                );
                None
            }
            (None, Err(e)) => Some(format!(
                "compressed data damaged after frame {frames} ({e})"
            )),
            (None, Ok(_)) if incomplete => Some(format!("frame {frames} is incomplete")),
            (None, Ok(_)) => None,
        };
        if let Some(problem) = problem {
            self.warn(
                WarningKind::Corrupt,
                block.offset,
                format!("{problem}; the rest of the block is skipped"),
            );
        }
        entries
    }

    /// The entries of record `i`, a block.
    fn block_entries(&self, i: usize, block: &Block) -> Vec<Entry> {
        let cached = self
            .decoded_last
            .lock()
            .ok()
            .and_then(|mut cache| cache.take_if(|(at, _)| *at == i));
        match cached {
            Some((_, entries)) => entries,
            None => self.decode(block, i + 1 == self.records.len()),
        }
    }

    fn warn(&self, kind: WarningKind, offset: usize, detail: String) {
        let warning = Warning {
            kind,
            offset: offset as u64,
            detail,
        };
        if let Ok(mut warnings) = self.warnings.lock()
            && !warnings.contains(&warning)
        {
            warnings.push(warning);
        }
    }
}

/// Walks the records after the header. Returns them and, if the file ends with an end
/// record, the last time it gives.
fn index(bytes: &[u8], pos: usize, warnings: &mut Vec<Warning>) -> (Vec<Record>, Option<i64>) {
    let mut walk = Walk {
        bytes,
        records: Vec::new(),
        end: None,
        warnings,
    };
    let mut at = Some(pos);
    while let Some(pos) = at.filter(|pos| *pos < bytes.len()) {
        at = match read_record(bytes, pos) {
            RecordRead::Ok { tag, body, next } => walk.record(pos, tag, body, next),
            RecordRead::Truncated => walk.truncated(pos),
            RecordRead::Invalid(detail) => walk.invalid(pos, detail),
        };
    }
    (walk.records, walk.end)
}

/// The records found so far, and what was wrong on the way. Each step takes the record at
/// `pos` and says where the next one starts (`None`: the walk is over).
struct Walk<'a> {
    bytes: &'a [u8],
    records: Vec<Record>,
    end: Option<i64>,
    warnings: &'a mut Vec<Warning>,
}

impl Walk<'_> {
    fn warn(&mut self, kind: WarningKind, offset: usize, detail: String) {
        self.warnings.push(Warning {
            kind,
            offset: offset as u64,
            detail,
        });
    }

    fn record(&mut self, pos: usize, tag: [u8; 4], body: &[u8], next: usize) -> Option<usize> {
        match tag {
            TAG_BLOCK => Some(self.block(pos, body, next)),
            TAG_MARKER => {
                let (Some(ms), Ok(note)) = (
                    le_i64(body),
                    std::str::from_utf8(body.get(8..).unwrap_or_default()),
                ) else {
                    self.warn(
                        WarningKind::Corrupt,
                        pos,
                        "marker record is malformed".into(),
                    );
                    return Some(next);
                };
                self.records.push(Record::Marker(
                    ms,
                    Marker {
                        at: seconds(ms),
                        note: note.to_string(),
                    },
                ));
                Some(next)
            }
            TAG_END => {
                self.end = Some(le_i64(body).unwrap_or(i64::MIN));
                if next < self.bytes.len() {
                    let ignored = self.bytes.len() - next;
                    self.warn(
                        WarningKind::Skipped,
                        next,
                        format!("{ignored} bytes after the end record are ignored"),
                    );
                }
                None
            }
            other => {
                self.warn(
                    WarningKind::Skipped,
                    pos,
                    format!(
                        "record \"{}\" of a newer format skipped",
                        String::from_utf8_lossy(&other)
                    ),
                );
                Some(next)
            }
        }
    }

    /// A block record: its compressed data follows it, up to the end of its zstd frame.
    fn block(&mut self, pos: usize, body: &[u8], next: usize) -> usize {
        let Some(start_ms) = le_i64(body) else {
            self.warn(
                WarningKind::Corrupt,
                pos,
                "block record is malformed".into(),
            );
            return next;
        };
        let bytes = self.bytes;
        // zstd frames are self-delimiting: their block headers give the
        // compressed length without decompressing.
        let len = zstd::zstd_safe::find_frame_compressed_size(&bytes[next..]).ok();
        // Unfinished (the recorder was killed) or damaged: runs to the next
        // record there is, if any.
        let data_end = len
            .map(|n| next + n)
            .or_else(|| find_record(bytes, next))
            .unwrap_or(bytes.len());
        self.records.push(Record::Block(Block {
            offset: pos,
            start_ms,
            data: next..data_end,
        }));
        data_end
    }

    /// The file seems to end inside the record at `pos`.
    fn truncated(&mut self, pos: usize) -> Option<usize> {
        let next = find_record(self.bytes, pos + 1);
        match next {
            // A damaged length made an intact record look cut.
            Some(next) => self.warn(
                WarningKind::Corrupt,
                pos,
                format!("damaged record; {} bytes skipped", next - pos),
            ),
            None => self.warn(
                WarningKind::Truncated,
                pos,
                format!(
                    "the recording ends at byte {} inside a record (the recorder was stopped)",
                    self.bytes.len()
                ),
            ),
        }
        next
    }

    /// No record at `pos`: on at the next one there is.
    fn invalid(&mut self, pos: usize, detail: String) -> Option<usize> {
        let next = find_record(self.bytes, pos + 1);
        self.warn(
            WarningKind::Corrupt,
            pos,
            format!(
                "{detail}; {} bytes skipped",
                next.unwrap_or(self.bytes.len()) - pos
            ),
        );
        next
    }
}

fn le_i64(body: &[u8]) -> Option<i64> {
    let b = body.get(..8)?;
    let mut a = [0; 8];
    a.copy_from_slice(b);
    Some(i64::from_le_bytes(a))
}

/// Entries in time order, decoding one block at a time.
pub struct Entries<'a> {
    recording: &'a Recording,
    next_record: usize,
    buffered: std::vec::IntoIter<Entry>,
    from: f64,
}

impl Iterator for Entries<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        loop {
            if let Some(entry) = self.buffered.next() {
                if entry.time() >= self.from {
                    return Some(entry);
                }
                continue;
            }
            let i = self.next_record;
            let record = self.recording.records.get(i)?;
            self.next_record += 1;
            self.buffered = match record {
                Record::Block(block) => self.recording.block_entries(i, block),
                Record::Marker(_, marker) => vec![Entry::Marker(marker.clone())],
            }
            .into_iter();
        }
    }
}
