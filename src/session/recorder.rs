//! Writes a recording while the app runs: append-only, every frame flushed to the file
//! as soon as it is complete, so a killed process leaves a readable file.

use super::codec::{BlockEncoder, Cycle};
use super::fields::millis;
use super::format::{
    Header, TAG_BLOCK, TAG_END, TAG_MARKER, encode_file_header, encode_frame, encode_record,
};
use super::weight::{BLOCK_WEIGHT, MAX_FRAME_WEIGHT};
use crate::event::DataEvent;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// zstd level 3 (its default): higher levels save 3-6% of the size for 1.2-17x the CPU.
const LEVEL: i32 = 3;
/// A block ends after this much time or this many uncompressed bytes, whichever first.
/// Each block is a zstd frame with fresh series numbering: the unit a reader seeks to.
/// Shorter blocks seek faster; each costs a few KiB of repeated label definitions.
pub(crate) const BLOCK_SPAN_MS: i64 = 5 * 60 * 1000;
pub(crate) const BLOCK_BYTES: usize = 4 << 20;
/// A frame longer than this is left out of the recording (the block ends there), so a
/// block decompresses to [`MAX_BLOCK_BYTES`] at most; a reader takes more for damage
/// rather than decompressing a forged block without end.
pub(crate) const MAX_FRAME_BYTES: usize = 32 << 20;
pub(crate) const MAX_BLOCK_BYTES: usize = BLOCK_BYTES + MAX_FRAME_BYTES;
/// Longer marker notes are cut (record bodies are limited to 1 MiB).
const MAX_NOTE: usize = 64 << 10;

/// Appends a session's data events and markers to a recording file.
pub struct Recorder {
    path: PathBuf,
    /// `None` once finished, or after a write error (then nothing more is written).
    sink: Option<Sink>,
    block: Option<OpenBlock>,
    /// The current refresh cycle: its Instant answers and the other events that arrived
    /// with them, not yet written.
    pending: Option<Cycle>,
    /// The most entries a cycle has had: a cycle this size is complete and written at
    /// once rather than when the next one begins or a refresh interval has passed.
    largest_cycle: usize,
    refresh_ms: i64,
    /// The latest time recorded, ms; times never go backwards in a recording.
    last_ms: i64,
    frame: Vec<u8>,
    /// The file's size when it was closed.
    closed_size: u64,
}

enum Sink {
    Idle(Counting),
    Block(zstd::stream::write::Encoder<'static, Counting>),
}

struct OpenBlock {
    encoder: BlockEncoder,
    start_ms: i64,
    raw_bytes: usize,
    /// What its frames weigh decoded (see [`BLOCK_WEIGHT`]).
    weight: usize,
}

/// The file, counting what reached it.
struct Counting {
    file: File,
    written: u64,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Recorder {
    /// Creates `path`, which must not exist (a recording is never written over another
    /// file), and writes the header.
    pub fn create(path: impl AsRef<Path>, header: &Header) -> io::Result<Recorder> {
        let path = path.as_ref();
        Self::in_file(File::create_new(path)?, path, header)
    }

    /// Records into `file`, opened for writing and empty, named `path` in messages.
    pub fn in_file(file: File, path: &Path, header: &Header) -> io::Result<Recorder> {
        let path = path.to_path_buf();
        let mut header = header.clone();
        header.source = super::format::strip_credentials(&header.source);
        let mut out = Counting { file, written: 0 };
        out.write_all(&encode_file_header(&header)?)?;
        out.flush()?;
        Ok(Recorder {
            path,
            sink: Some(Sink::Idle(out)),
            block: None,
            pending: None,
            largest_cycle: 0,
            refresh_ms: i64::try_from(header.refresh.as_millis())
                .unwrap_or(i64::MAX)
                .max(1),
            last_ms: i64::MIN,
            frame: Vec::new(),
            closed_size: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the file so far (what is flushed; a pending cycle is not counted).
    pub fn bytes_written(&self) -> u64 {
        match &self.sink {
            Some(Sink::Idle(out)) => out.written,
            Some(Sink::Block(encoder)) => encoder.get_ref().written,
            None => self.closed_size,
        }
    }

    /// Records an event as received now.
    pub fn record(&mut self, event: &DataEvent) -> io::Result<()> {
        self.record_at(crate::clock::unix_now(), event)
    }

    /// Records an event as received at `time` (Unix seconds; kept to the millisecond,
    /// and never earlier than what was recorded before).
    pub fn record_at(&mut self, time: f64, event: &DataEvent) -> io::Result<()> {
        self.check_open()?;
        let ms = self.clamp(time);
        let result = self.add(ms, event);
        self.poison_on_error(result)
    }

    fn add(&mut self, ms: i64, event: &DataEvent) -> io::Result<()> {
        match event {
            DataEvent::Instant {
                id,
                at,
                result,
                latency,
            } => self.add_answer(ms, *id, *at, result, *latency),
            // A backend's instant answers take the compact path too, under their stored id.
            DataEvent::Backend {
                backend,
                event: inner,
            } => match &**inner {
                DataEvent::Instant {
                    id,
                    at,
                    result,
                    latency,
                } => {
                    let id = super::ids::stored_id(*backend, *id);
                    self.add_answer(ms, id, *at, result, *latency)
                }
                _ => self.add_other(ms, event),
            },
            other => self.add_other(ms, other),
        }
    }

    /// An instant answer: into the cycle evaluated at `at` (a new one if the pending cycle
    /// is another's or older than a refresh).
    fn add_answer(
        &mut self,
        ms: i64,
        id: usize,
        at: f64,
        result: &Result<Vec<crate::prom::Sample>, crate::prom::PromError>,
        latency: std::time::Duration,
    ) -> io::Result<()> {
        let stale =
            |c: &Cycle| ms - c.first_ms >= self.refresh_ms || c.at.to_bits() != at.to_bits();
        if self.pending.as_ref().is_some_and(stale) {
            self.write_pending()?;
        }
        self.ensure_block(ms)?;
        let Some(block) = &mut self.block else {
            return Err(io::Error::other("no open block"));
        };
        let cycle = self.pending.get_or_insert_with(|| Cycle::new(at, ms));
        block.encoder.add_answer(cycle, ms, id, result, latency)?;
        if self
            .pending
            .as_ref()
            .is_some_and(|c| self.largest_cycle > 0 && c.entries >= self.largest_cycle)
        {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Any other event: it joins the pending cycle's frame, in arrival order, or is
    /// written at once between cycles.
    fn add_other(&mut self, ms: i64, event: &DataEvent) -> io::Result<()> {
        // A cycle older than a refresh interval has all the answers it will get.
        if self
            .pending
            .as_ref()
            .is_some_and(|c| ms - c.first_ms >= self.refresh_ms)
        {
            self.write_pending()?;
        }
        self.ensure_block(ms)?;
        let Some(block) = &mut self.block else {
            return Err(io::Error::other("no open block"));
        };
        if block.encoder.leaves_out(ms, event) {
            return Ok(());
        }
        match &mut self.pending {
            Some(cycle) => block.encoder.add_event(cycle, ms, event)?,
            None => {
                let (payload, weight) = block.encoder.event_payload(ms, event)?;
                return self.write_frame(&payload, ms, weight);
            }
        }
        if self
            .pending
            .as_ref()
            .is_some_and(|c| self.largest_cycle > 0 && c.entries >= self.largest_cycle)
        {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Places a marker. It ends the current block: markers sit between blocks, so a
    /// reader lists them all without decompressing anything.
    pub fn mark(&mut self, at: f64, note: &str) -> io::Result<()> {
        self.check_open()?;
        let ms = self.clamp(at);
        let result = (|| {
            self.write_pending()?;
            self.end_block()?;
            let mut body = ms.to_le_bytes().to_vec();
            body.extend_from_slice(clip(note, MAX_NOTE).as_bytes());
            self.write_raw(&encode_record(TAG_MARKER, &body))
        })();
        self.poison_on_error(result)
    }

    /// Writes what is pending, ends the block and closes the recording with its end
    /// record. Dropping a recorder does the same, ignoring errors.
    pub fn finish(mut self) -> io::Result<()> {
        self.close()
    }

    fn close(&mut self) -> io::Result<()> {
        if self.sink.is_none() {
            return Ok(());
        }
        let result = (|| {
            self.write_pending()?;
            self.end_block()?;
            self.write_raw(&encode_record(TAG_END, &self.last_ms.to_le_bytes()))
        })();
        self.closed_size = self.bytes_written();
        self.sink = None;
        result
    }

    #[cfg(test)]
    pub(crate) fn close_for_test(&mut self) {
        let _ = self.close();
    }

    fn check_open(&self) -> io::Result<()> {
        if self.sink.is_none() {
            return Err(io::Error::other(
                "the recording is closed (finished, or stopped by an earlier write error)",
            ));
        }
        Ok(())
    }

    /// After a failed write the file may end inside a frame; writing more would only
    /// append frames a reader cannot reach, so the recorder stops.
    fn poison_on_error(&mut self, result: io::Result<()>) -> io::Result<()> {
        if result.is_err() {
            self.closed_size = self.bytes_written();
            self.sink = None;
            self.block = None;
            self.pending = None;
        }
        result
    }

    fn clamp(&mut self, time: f64) -> i64 {
        self.last_ms = millis(time).max(self.last_ms);
        self.last_ms
    }

    /// Starts a block (a new zstd frame with fresh series numbering) if none is open.
    fn ensure_block(&mut self, ms: i64) -> io::Result<()> {
        if self.block.is_some() {
            return Ok(());
        }
        let out = match self.sink.take() {
            Some(Sink::Idle(mut out)) => {
                out.write_all(&encode_record(TAG_BLOCK, &ms.to_le_bytes()))?;
                out
            }
            other => {
                self.sink = other;
                return Err(io::Error::other("a block is already open"));
            }
        };
        self.sink = Some(Sink::Block(zstd::stream::write::Encoder::new(out, LEVEL)?));
        self.block = Some(OpenBlock {
            encoder: BlockEncoder::new(ms),
            start_ms: ms,
            raw_bytes: 0,
            weight: 0,
        });
        Ok(())
    }

    fn write_pending(&mut self) -> io::Result<()> {
        let (Some(cycle), Some(block)) = (self.pending.take(), &mut self.block) else {
            return Ok(());
        };
        self.largest_cycle = self.largest_cycle.max(cycle.entries);
        let payload = block.encoder.cycle_payload(&cycle);
        self.write_frame(&payload, cycle.last_ms, cycle.weight)
    }

    /// Writes one frame, weighing `weight` decoded, into the open block and flushes it
    /// through zstd to the file. A frame longer or heavier than a reader takes is left
    /// out, and its block ends: the block's state has seen it, the next starts afresh.
    fn write_frame(&mut self, payload: &[u8], ms: i64, weight: usize) -> io::Result<()> {
        self.frame.clear();
        encode_frame(&mut self.frame, payload);
        if self.frame.len() > MAX_FRAME_BYTES || weight > MAX_FRAME_WEIGHT {
            log::warn!(
                "recording {}: data of {} MiB ({} MiB decoded) arrived at once, more than a recording holds; left out",
                self.path.display(),
                self.frame.len() >> 20,
                weight >> 20
            );
            return self.end_block();
        }
        let (Some(Sink::Block(encoder)), Some(block)) = (&mut self.sink, &mut self.block) else {
            return Err(io::Error::other("no open block"));
        };
        encoder.write_all(&self.frame)?;
        // zstd's flush ends its current block, so the frame is decodable from the file.
        encoder.flush()?;
        block.raw_bytes += self.frame.len();
        block.weight = block.weight.saturating_add(weight);
        if ms - block.start_ms >= BLOCK_SPAN_MS
            || block.raw_bytes >= BLOCK_BYTES
            || block.weight >= BLOCK_WEIGHT
        {
            self.end_block()?;
        }
        Ok(())
    }

    fn end_block(&mut self) -> io::Result<()> {
        if self.block.take().is_none() {
            return Ok(());
        }
        match self.sink.take() {
            Some(Sink::Block(encoder)) => {
                let mut out = encoder.finish()?;
                out.flush()?;
                self.sink = Some(Sink::Idle(out));
                Ok(())
            }
            other => {
                self.sink = other;
                Err(io::Error::other("no block to end"))
            }
        }
    }

    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Some(Sink::Idle(out)) => {
                out.write_all(bytes)?;
                out.flush()
            }
            _ => Err(io::Error::other("a block is open")),
        }
    }
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn clip(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
