//! Frame payloads: how events become bytes inside a block and back.
//!
//! Instant answers are >95% of a recording, so they get a compact encoding: the answers
//! of one refresh cycle share a frame and their evaluation time; a series' labels are
//! written once per block and then referred to by number; a value is XORed with the
//! series' previous value, so an unchanged value is one zero byte and a changed one
//! keeps only its differing bytes. Everything else is CBOR of the event itself (via
//! serde), so new `DataEvent` variants are recorded without touching this file, and NaN
//! and ±Inf survive (JSON cannot carry them).
//!
//! The encoder and decoder keep the same [`BlockState`] and must update it in the same
//! order; a block starts with a fresh state, which is what makes blocks independently
//! decodable.

use super::changes::Remembered;
use super::format::{Input, Malformed, put_bytes, put_signed, put_varint};
use crate::config::layout::QueryId;
use crate::event::DataEvent;
use crate::model::Labels;
use crate::prom::{Alert, PromError, Sample};
use std::collections::HashMap;
use std::io;
use std::time::Duration;

/// Frame kinds (first payload byte).
const FRAME_CYCLE: u8 = 1;
const FRAME_EVENT: u8 = 2;
/// An alert list as changes against the block's last one ([`super::changes`]).
const FRAME_ALERT_CHANGES: u8 = 3;

/// How one answer of a cycle frame is stored.
const ANSWER_SAME_SERIES: u8 = 0;
const ANSWER_NEW_SERIES: u8 = 1;
const ANSWER_ERROR: u8 = 2;
/// Not an answer: another event that arrived during the cycle, as CBOR.
const OTHER_EVENT: u8 = 3;
/// Not an answer: an alert list as changes against the block's last one.
const ALERT_CHANGES: u8 = 4;

/// Bit 7 of a value byte: the sample's time differs from the cycle's and follows raw.
const OWN_TIME: u8 = 0x80;

/// What a block may cost decoded, in the estimate of the `*_weight` functions below. The
/// bytes say little about it: an unchanged value is one byte and decodes to a sample
/// with its series' labels cloned, so a forged block of a few MiB could decode to
/// terabytes. The recorder ends a block once its frames weigh [`BLOCK_WEIGHT`] and leaves
/// out a frame heavier than [`MAX_FRAME_WEIGHT`]; a reader takes a block heavier than
/// the sum for damage.
pub(crate) const BLOCK_WEIGHT: usize = 64 << 20;
pub(crate) const MAX_FRAME_WEIGHT: usize = 128 << 20;
pub(crate) const MAX_BLOCK_WEIGHT: usize = BLOCK_WEIGHT + MAX_FRAME_WEIGHT;

/// Every entry: its place in the block's list.
const ENTRY_WEIGHT: usize = std::mem::size_of::<Entry>();

/// A label set: each pair two strings in a tree node, and their text.
fn labels_weight(labels: &Labels) -> usize {
    labels.iter().map(|(k, v)| 48 + k.len() + v.len()).sum()
}

fn sample_weight(labels_weight: usize) -> usize {
    std::mem::size_of::<Sample>() + labels_weight
}

pub(crate) fn alert_weight(alert: &Alert) -> usize {
    std::mem::size_of::<Alert>()
        + alert.name.len()
        + labels_weight(&alert.labels)
        + labels_weight(&alert.annotations)
}

/// What CBOR decodes to at most, roughly, read from its item heads before anything is
/// allocated: a number 8 bytes, any other item a 24-byte slot (a string's, a vector's,
/// a map's), a string its text besides.
pub(crate) fn cbor_weight(bytes: &[u8]) -> usize {
    let mut weight = 0usize;
    let mut pos = 0usize;
    while let Some(&head) = bytes.get(pos) {
        pos += 1;
        let (major, extra) = (head >> 5, head & 0x1f);
        let argument = match extra {
            0..=23 => u64::from(extra),
            24..=27 => {
                let n = 1usize << (extra - 24);
                let value = bytes.get(pos..pos + n).map_or(0, |b| {
                    b.iter().fold(0u64, |acc, &byte| acc << 8 | u64::from(byte))
                });
                pos += n;
                value
            }
            // Indefinite lengths: the items that follow count themselves.
            _ => 0,
        };
        let length = usize::try_from(argument).unwrap_or(usize::MAX);
        weight = weight.saturating_add(match major {
            0 | 1 | 7 => 8,
            6 => 0,
            2 | 3 => {
                pos = pos.saturating_add(length);
                24usize.saturating_add(length)
            }
            _ => 24,
        });
    }
    weight
}

/// One recorded thing, with the time it was recorded (Unix seconds, millisecond
/// resolution). The events are exactly what the app ingested, except that Instant
/// latencies are rounded to the microsecond.
#[derive(Clone, Debug)]
pub enum Entry {
    Event { time: f64, event: DataEvent },
    Marker(Marker),
}

impl Entry {
    pub fn time(&self) -> f64 {
        match self {
            Entry::Event { time, .. } => *time,
            Entry::Marker(m) => m.at,
        }
    }
}

/// A note the user placed on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at: f64,
    pub note: String,
}

/// What both sides know about the block so far.
#[derive(Default)]
struct BlockState {
    /// Every series defined in this block, by number.
    series: Vec<SeriesState>,
    /// The series each query answered with last time, in answer order.
    last_answer: HashMap<QueryId, Vec<u32>>,
    /// Time of the previous frame (starts at the block's start time), ms.
    last_ms: i64,
    /// Evaluation time of the previous cycle, ms.
    last_at_ms: i64,
    /// The last alert list and rule states, which later ones are stored against.
    remembered: Remembered,
}

struct SeriesState {
    labels: Labels,
    /// Bits of the last value, for the XOR.
    prev: u64,
    /// [`sample_weight`] of a sample of this series.
    weight: usize,
}

impl SeriesState {
    fn new(labels: Labels) -> Self {
        let weight = sample_weight(labels_weight(&labels));
        Self {
            labels,
            prev: 0,
            weight,
        }
    }
}

impl BlockState {
    fn new(start_ms: i64) -> Self {
        Self {
            last_ms: start_ms,
            last_at_ms: start_ms,
            ..Self::default()
        }
    }
}

/// The writing side of one block.
pub(crate) struct BlockEncoder {
    state: BlockState,
    /// Labels → series number, per query (two queries may answer with equal labels).
    index: HashMap<QueryId, HashMap<Labels, u32>>,
}

/// Instant answers gathered for one cycle frame. They are encoded on arrival (updating
/// the block state) into columns, one per kind of field, so that what repeats from one
/// cycle to the next (query order, series lists, unchanged values) forms long runs zstd
/// matches against the previous frame, and the truly new bytes (latencies, changed
/// values) sit together.
pub(crate) struct Cycle {
    pub(crate) at: f64,
    pub(crate) first_ms: i64,
    pub(crate) last_ms: i64,
    /// Instant answers and other events, in arrival order.
    pub(crate) entries: usize,
    /// What the entries weigh decoded (see [`MAX_BLOCK_WEIGHT`]).
    pub(crate) weight: usize,
    columns: Columns,
}

#[derive(Default)]
struct Columns {
    /// Per answer: ms since the previous answer.
    times: Vec<u8>,
    ids: Vec<u8>,
    /// Per answer: latency in µs.
    latencies: Vec<u8>,
    /// Per answer: the answer tag, then a series list or an error.
    shapes: Vec<u8>,
    /// Per sample: the value byte ([`put_value`]).
    codes: Vec<u8>,
    /// Per sample: the XOR's significant bytes, then the sample's own time if any.
    bits: Vec<u8>,
}

impl Columns {
    fn all(&self) -> [&Vec<u8>; 6] {
        [
            &self.times,
            &self.ids,
            &self.latencies,
            &self.shapes,
            &self.codes,
            &self.bits,
        ]
    }
}

impl Cycle {
    /// Starts the next entry: its arrival time.
    fn add_time(&mut self, ms: i64) {
        put_varint(&mut self.columns.times, (ms - self.last_ms).max(0) as u64);
        self.last_ms = ms.max(self.last_ms);
        self.entries += 1;
        self.weight = self.weight.saturating_add(ENTRY_WEIGHT);
    }

    pub(crate) fn new(at: f64, ms: i64) -> Self {
        Self {
            at,
            first_ms: ms,
            last_ms: ms,
            entries: 0,
            weight: 0,
            columns: Columns::default(),
        }
    }
}

impl BlockEncoder {
    pub(crate) fn new(start_ms: i64) -> Self {
        Self {
            state: BlockState::new(start_ms),
            index: HashMap::new(),
        }
    }

    /// Adds one Instant answer, received at `ms`, to `cycle`.
    pub(crate) fn add_answer(
        &mut self,
        cycle: &mut Cycle,
        ms: i64,
        id: QueryId,
        result: &Result<Vec<Sample>, PromError>,
        latency: Duration,
    ) -> io::Result<()> {
        cycle.add_time(ms);
        let columns = &mut cycle.columns;
        put_varint(&mut columns.ids, id as u64);
        put_varint(&mut columns.latencies, micros(latency));
        let out = &mut columns.shapes;
        let samples = match result {
            Ok(samples) => samples,
            Err(error) => {
                let bytes = to_cbor(error)?;
                cycle.weight = cycle.weight.saturating_add(cbor_weight(&bytes));
                out.push(ANSWER_ERROR);
                put_bytes(out, &bytes);
                return Ok(());
            }
        };
        let state = &mut self.state;
        let same = state.last_answer.get(&id).is_some_and(|last| {
            last.len() == samples.len()
                && last
                    .iter()
                    .zip(samples)
                    .all(|(&s, sample)| state.series[s as usize].labels == sample.labels)
        });
        if same {
            out.push(ANSWER_SAME_SERIES);
        } else {
            out.push(ANSWER_NEW_SERIES);
            put_varint(out, samples.len() as u64);
            let index = self.index.entry(id).or_default();
            let mut list = Vec::with_capacity(samples.len());
            for sample in samples {
                let number = match index.get(&sample.labels) {
                    Some(&n) => {
                        put_varint(out, u64::from(n));
                        n
                    }
                    None => {
                        // A new series is defined where it is first used: its number is
                        // the next free one, and its labels follow.
                        let n = state.series.len() as u32;
                        put_varint(out, u64::from(n));
                        put_labels(out, &sample.labels);
                        cycle.weight = cycle.weight.saturating_add(labels_weight(&sample.labels));
                        state.series.push(SeriesState::new(sample.labels.clone()));
                        index.insert(sample.labels.clone(), n);
                        n
                    }
                };
                list.push(number);
            }
            state.last_answer.insert(id, list);
        }
        let list = state.last_answer.get(&id).map_or(&[][..], Vec::as_slice);
        for (&n, sample) in list.iter().zip(samples) {
            let series = &mut state.series[n as usize];
            cycle.weight = cycle.weight.saturating_add(series.weight);
            let bits = sample.value.to_bits();
            let own_time = sample.time.to_bits() != cycle.at.to_bits();
            put_value(
                &mut columns.codes,
                &mut columns.bits,
                bits ^ series.prev,
                own_time,
            );
            if own_time {
                columns
                    .bits
                    .extend_from_slice(&sample.time.to_bits().to_le_bytes());
            }
            series.prev = bits;
        }
        Ok(())
    }

    /// Adds another event that arrived during the cycle (in time order with the
    /// answers): its time, and in the shapes column its CBOR.
    pub(crate) fn add_event(
        &mut self,
        cycle: &mut Cycle,
        ms: i64,
        event: &DataEvent,
    ) -> io::Result<()> {
        let (as_changes, bytes, weight) = self.stored(event)?;
        let tag = if as_changes {
            ALERT_CHANGES
        } else {
            OTHER_EVENT
        };
        cycle.add_time(ms);
        cycle.weight = cycle.weight.saturating_add(weight);
        cycle.columns.shapes.push(tag);
        put_bytes(&mut cycle.columns.shapes, &bytes);
        self.state.remembered.observe(ms, event);
        Ok(())
    }

    /// `event` as stored besides Instant answers: an alert list as changes against the
    /// remembered one (true), else CBOR; and what it weighs decoded.
    fn stored(&self, event: &DataEvent) -> io::Result<(bool, Vec<u8>, usize)> {
        Ok(match self.state.remembered.alert_changes(event) {
            Some((changes, weight)) => (true, changes, weight),
            None => {
                let bytes = to_cbor(event)?;
                let weight = cbor_weight(&bytes);
                (false, bytes, weight)
            }
        })
    }

    /// Whether `event`, arriving at `ms`, need not be stored: rule states that changed in
    /// nothing a user reads ([`super::changes`]).
    pub(crate) fn leaves_out(&self, ms: i64, event: &DataEvent) -> bool {
        self.state.remembered.rules_unchanged(ms, event)
    }

    /// The payload of a cycle frame: header, then the columns, each length-prefixed.
    pub(crate) fn cycle_payload(&mut self, cycle: &Cycle) -> Vec<u8> {
        let columns = cycle.columns.all();
        let mut out = Vec::with_capacity(columns.iter().map(|c| c.len() + 3).sum::<usize>() + 16);
        out.push(FRAME_CYCLE);
        put_varint(
            &mut out,
            (cycle.first_ms - self.state.last_ms).max(0) as u64,
        );
        self.state.last_at_ms = put_time(&mut out, cycle.at, self.state.last_at_ms);
        put_varint(&mut out, cycle.entries as u64);
        for column in columns {
            put_bytes(&mut out, column);
        }
        self.state.last_ms = cycle.last_ms.max(self.state.last_ms);
        out
    }

    /// The payload of any other event (its time, then the event as CBOR or an alert list
    /// as changes) and what it weighs decoded.
    pub(crate) fn event_payload(
        &mut self,
        ms: i64,
        event: &DataEvent,
    ) -> io::Result<(Vec<u8>, usize)> {
        let (as_changes, bytes, weight) = self.stored(event)?;
        let kind = if as_changes {
            FRAME_ALERT_CHANGES
        } else {
            FRAME_EVENT
        };
        let mut out = vec![kind];
        put_varint(&mut out, (ms - self.state.last_ms).max(0) as u64);
        self.state.last_ms = ms.max(self.state.last_ms);
        out.extend_from_slice(&bytes);
        self.state.remembered.observe(ms, event);
        Ok((out, ENTRY_WEIGHT.saturating_add(weight)))
    }
}

/// The reading side of one block.
pub(crate) struct BlockDecoder {
    state: BlockState,
    /// What the entries decoded so far weigh; at most [`MAX_BLOCK_WEIGHT`].
    weight: usize,
}

/// Why a frame with a good checksum could not be used.
pub(crate) enum FrameProblem {
    /// The frame does not follow the format: the block's state can no longer be trusted.
    Malformed(String),
    /// An intact event this build cannot represent (a newer variant); the block goes on.
    Unknown(String),
}

impl From<Malformed> for FrameProblem {
    fn from(m: Malformed) -> Self {
        FrameProblem::Malformed(m.0)
    }
}

impl BlockDecoder {
    pub(crate) fn new(start_ms: i64) -> Self {
        Self {
            state: BlockState::new(start_ms),
            weight: 0,
        }
    }

    /// Counts `weight` more decoded (see [`charge`]).
    fn charge(&mut self, weight: usize) -> Result<(), Malformed> {
        charge(&mut self.weight, weight)
    }

    pub(crate) fn decode(
        &mut self,
        payload: &[u8],
        out: &mut Vec<Entry>,
    ) -> Result<(), FrameProblem> {
        let mut input = Input::new(payload);
        match input.u8()? {
            FRAME_CYCLE => self.decode_cycle(&mut input, out),
            FRAME_EVENT => {
                let ms = self.advance(&mut input)?;
                let cbor = input.rest();
                self.charge(ENTRY_WEIGHT.saturating_add(cbor_weight(cbor)))?;
                let event = from_cbor::<DataEvent>(cbor).map_err(|e| {
                    FrameProblem::Unknown(format!("an event this build cannot read ({e})"))
                })?;
                self.state.remembered.observe(ms, &event);
                out.push(Entry::Event {
                    time: seconds(ms),
                    event,
                });
                Ok(())
            }
            FRAME_ALERT_CHANGES => {
                let ms = self.advance(&mut input)?;
                self.charge(ENTRY_WEIGHT)?;
                let event = self.alert_changes(input.rest())?;
                self.state.remembered.observe(ms, &event);
                out.push(Entry::Event {
                    time: seconds(ms),
                    event,
                });
                Ok(())
            }
            kind => Err(FrameProblem::Malformed(format!(
                "unknown frame kind {kind}"
            ))),
        }
    }

    /// Reads a frame's time delta and moves the clock.
    fn advance(&mut self, input: &mut Input) -> Result<i64, Malformed> {
        let delta = i64::try_from(input.varint()?).map_err(|_| Malformed("time delta".into()))?;
        self.state.last_ms = self.state.last_ms.saturating_add(delta);
        Ok(self.state.last_ms)
    }

    fn decode_cycle(
        &mut self,
        input: &mut Input,
        out: &mut Vec<Entry>,
    ) -> Result<(), FrameProblem> {
        let mut ms = self.advance(input)?;
        let (at, at_ms) = get_time(input, self.state.last_at_ms)?;
        self.state.last_at_ms = at_ms;
        let entries = input.varint()?;
        let mut times = Input::new(input.bytes()?);
        let mut ids = Input::new(input.bytes()?);
        let mut latencies = Input::new(input.bytes()?);
        let mut shapes = Input::new(input.bytes()?);
        let mut values = Values {
            codes: Input::new(input.bytes()?),
            bits: Input::new(input.bytes()?),
        };
        let mut unknown = Vec::new();
        for _ in 0..entries {
            let delta =
                i64::try_from(times.varint()?).map_err(|_| Malformed("time delta".into()))?;
            ms = ms.saturating_add(delta);
            let shape = shapes.u8()?;
            self.charge(ENTRY_WEIGHT)?;
            if shape == ALERT_CHANGES {
                let event = self.alert_changes(shapes.bytes()?)?;
                self.state.remembered.observe(ms, &event);
                out.push(Entry::Event {
                    time: seconds(ms),
                    event,
                });
                continue;
            }
            if shape == OTHER_EVENT {
                let cbor = shapes.bytes()?;
                self.charge(cbor_weight(cbor))?;
                match from_cbor::<DataEvent>(cbor) {
                    Ok(event) => {
                        self.state.remembered.observe(ms, &event);
                        out.push(Entry::Event {
                            time: seconds(ms),
                            event,
                        });
                    }
                    // Skipping it leaves the block state intact: the cycle goes on.
                    Err(e) => unknown.push(format!("an event this build cannot read ({e})")),
                }
                continue;
            }
            let id = usize::try_from(ids.varint()?).map_err(|_| Malformed("query id".into()))?;
            let latency = Duration::from_micros(latencies.varint()?);
            let result = match shape {
                ANSWER_ERROR => {
                    let cbor = shapes.bytes()?;
                    self.charge(cbor_weight(cbor))?;
                    Err(from_cbor::<PromError>(cbor).unwrap_or_else(|e| {
                        // A newer error kind: keep the answer (and the block state), say so.
                        PromError::Decode(format!("an error this build cannot read ({e})"))
                    }))
                }
                ANSWER_SAME_SERIES => Ok(self.samples(&mut values, id, at)?),
                ANSWER_NEW_SERIES => {
                    let count = shapes.len()?;
                    let mut list = Vec::with_capacity(count);
                    for _ in 0..count {
                        let n = u32::try_from(shapes.varint()?)
                            .map_err(|_| Malformed("series number".into()))?;
                        if n as usize == self.state.series.len() {
                            let labels = get_labels(&mut shapes)?;
                            self.charge(labels_weight(&labels))?;
                            self.state.series.push(SeriesState::new(labels));
                        } else if n as usize > self.state.series.len() {
                            return Err(FrameProblem::Malformed(format!("undefined series {n}")));
                        }
                        list.push(n);
                    }
                    self.state.last_answer.insert(id, list);
                    Ok(self.samples(&mut values, id, at)?)
                }
                tag => return Err(FrameProblem::Malformed(format!("unknown answer tag {tag}"))),
            };
            out.push(Entry::Event {
                time: seconds(ms),
                event: DataEvent::Instant {
                    id,
                    at,
                    result,
                    latency,
                },
            });
        }
        self.state.last_ms = ms;
        let all_read = [
            &times,
            &ids,
            &latencies,
            &shapes,
            &values.codes,
            &values.bits,
        ]
        .iter()
        .all(|c| c.is_empty());
        if !all_read || !input.is_empty() {
            return Err(FrameProblem::Malformed(
                "bytes after the last answer".into(),
            ));
        }
        match unknown.first() {
            Some(detail) => Err(FrameProblem::Unknown(detail.clone())),
            None => Ok(()),
        }
    }

    /// An alert list stored as changes, each alert charged as it is made (a kept alert is
    /// a clone of the remembered one: a byte on disk, its labels and annotations in memory).
    fn alert_changes(&mut self, bytes: &[u8]) -> Result<DataEvent, Malformed> {
        let Self { state, weight } = self;
        state
            .remembered
            .apply_alert_changes(bytes, |alert| charge(weight, alert_weight(alert)))
    }

    /// The values of the series `id` answered with last.
    fn samples(
        &mut self,
        values: &mut Values,
        id: QueryId,
        at: f64,
    ) -> Result<Vec<Sample>, Malformed> {
        let list_weight = self.state.last_answer.get(&id).map_or(0, |list| {
            list.iter()
                .map(|&n| self.state.series.get(n as usize).map_or(0, |s| s.weight))
                .fold(0usize, usize::saturating_add)
        });
        // Before any label is cloned: an answer of one byte per sample clones them all.
        self.charge(list_weight)?;
        let state = &mut self.state;
        let list = state
            .last_answer
            .get(&id)
            .ok_or_else(|| Malformed(format!("query {id} repeats series it never had")))?;
        let mut samples = Vec::with_capacity(list.len());
        for &n in list {
            let series = state
                .series
                .get_mut(n as usize)
                .ok_or_else(|| Malformed(format!("undefined series {n}")))?;
            let (xor, own_time) = get_value(&mut values.codes, &mut values.bits)?;
            series.prev ^= xor;
            let time = if own_time {
                f64::from_bits(values.bits.u64_le()?)
            } else {
                at
            };
            samples.push(Sample {
                labels: series.labels.clone(),
                time,
                value: f64::from_bits(series.prev),
            });
        }
        Ok(samples)
    }
}

/// Counts `weight` more decoded into `spent`; past [`MAX_BLOCK_WEIGHT`] the block is
/// damage (no recorder writes it), and nothing more of it is decoded.
fn charge(spent: &mut usize, weight: usize) -> Result<(), Malformed> {
    *spent = spent.saturating_add(weight);
    if *spent > MAX_BLOCK_WEIGHT {
        return Err(Malformed(format!(
            "the block decodes to more than {} MiB, more than a recorder writes",
            MAX_BLOCK_WEIGHT >> 20
        )));
    }
    Ok(())
}

/// The two value columns of a cycle frame being read.
struct Values<'a> {
    codes: Input<'a>,
    bits: Input<'a>,
}

pub(crate) fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Recording times are kept to the millisecond, like Prometheus' own.
pub(crate) fn millis(time: f64) -> i64 {
    (time * 1000.0).round() as i64
}

fn micros(d: Duration) -> u64 {
    u64::try_from((d.as_nanos() + 500) / 1000).unwrap_or(u64::MAX)
}

/// An evaluation time: a delta in ms when it is a whole number of ms (what the poller
/// produces), else the raw bits. The low bit of the first varint says which.
fn put_time(out: &mut Vec<u8>, time: f64, prev_ms: i64) -> i64 {
    let ms = millis(time);
    let delta = ms.wrapping_sub(prev_ms);
    if seconds(ms).to_bits() == time.to_bits() && delta.unsigned_abs() < 1 << 60 {
        put_signed(out, delta * 2);
        ms
    } else {
        put_signed(out, 1);
        out.extend_from_slice(&time.to_bits().to_le_bytes());
        prev_ms
    }
}

fn get_time(input: &mut Input, prev_ms: i64) -> Result<(f64, i64), Malformed> {
    let code = input.signed()?;
    if code & 1 == 1 {
        Ok((f64::from_bits(input.u64_le()?), prev_ms))
    } else {
        let ms = prev_ms.wrapping_add(code / 2);
        Ok((seconds(ms), ms))
    }
}

/// One byte, then the XOR's significant bytes: 0 means unchanged; otherwise
/// `1 + leading_zero_bytes * 8 + (len - 1)` (1..=64), OR'ed with [`OWN_TIME`].
fn put_value(codes: &mut Vec<u8>, bits: &mut Vec<u8>, xor: u64, own_time: bool) {
    let flag = if own_time { OWN_TIME } else { 0 };
    if xor == 0 {
        codes.push(flag);
        return;
    }
    let lead = xor.leading_zeros() / 8;
    let trail = xor.trailing_zeros() / 8;
    let len = 8 - lead - trail;
    codes.push(flag | (1 + lead * 8 + (len - 1)) as u8);
    let bytes = xor.to_be_bytes();
    bits.extend_from_slice(&bytes[lead as usize..(lead + len) as usize]);
}

fn get_value(codes: &mut Input, bits: &mut Input) -> Result<(u64, bool), Malformed> {
    let byte = codes.u8()?;
    let own_time = byte & OWN_TIME != 0;
    let code = byte & !OWN_TIME;
    if code == 0 {
        return Ok((0, own_time));
    }
    if code > 64 {
        return Err(Malformed(format!("value code {code}")));
    }
    let lead = usize::from((code - 1) / 8);
    let len = usize::from((code - 1) % 8) + 1;
    if lead + len > 8 {
        return Err(Malformed(format!("value code {code}")));
    }
    let mut bytes = [0; 8];
    bytes[lead..lead + len].copy_from_slice(bits.take(len)?);
    Ok((u64::from_be_bytes(bytes), own_time))
}

fn put_labels(out: &mut Vec<u8>, labels: &Labels) {
    put_varint(out, labels.len() as u64);
    for (name, value) in labels {
        put_bytes(out, name.as_bytes());
        put_bytes(out, value.as_bytes());
    }
}

fn get_labels(input: &mut Input) -> Result<Labels, Malformed> {
    let count = input.len()?;
    let mut labels = Labels::new();
    for _ in 0..count {
        let name = input.string()?;
        labels.insert(name, input.string()?);
    }
    Ok(labels)
}

fn to_cbor<T: serde::Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(out)
}

fn from_cbor<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    ciborium::from_reader(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_xor_to_few_bytes() {
        for (prev, value) in [
            (0.0, 1.5),
            (1.5, 1.5),
            (100.0, 101.0),
            (f64::NAN, 0.1),
            (0.1, f64::INFINITY),
            (1.0, -0.0),
        ] {
            let xor = f64::to_bits(prev) ^ f64::to_bits(value);
            let (mut codes, mut bits) = (Vec::new(), Vec::new());
            put_value(&mut codes, &mut bits, xor, false);
            let (back, own) = get_value(&mut Input::new(&codes), &mut Input::new(&bits)).unwrap();
            assert_eq!(back, xor);
            assert!(!own);
            if prev == value {
                assert_eq!((codes, bits), (vec![0], vec![]));
            }
        }
        let (mut codes, mut bits) = (Vec::new(), Vec::new());
        put_value(&mut codes, &mut bits, 0x0000_0100_0000_0000, true);
        assert_eq!((codes, bits), (vec![OWN_TIME | (1 + 2 * 8)], vec![1]));
    }

    #[test]
    fn times_are_deltas_unless_not_whole_milliseconds() {
        let mut out = Vec::new();
        let prev = put_time(&mut out, 1_700_000_000.123, 1_700_000_000_000);
        assert_eq!(prev, 1_700_000_000_123);
        assert_eq!(out.len(), 2);
        let odd = 1_700_000_000.000_25;
        assert_eq!(put_time(&mut out, odd, prev), prev);
        let mut input = Input::new(&out);
        assert_eq!(
            get_time(&mut input, 1_700_000_000_000).unwrap().0,
            1_700_000_000.123
        );
        assert_eq!(
            get_time(&mut input, prev).unwrap().0.to_bits(),
            odd.to_bits()
        );
    }
}
