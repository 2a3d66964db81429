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
use super::fields::{
    from_cbor, get_labels, get_time, get_value, micros, put_labels, put_time, put_value, seconds,
    to_cbor,
};
use super::format::{Input, Malformed, put_bytes, put_varint};
use super::ids::read_back;
use super::weight::{alert_weight, cbor_weight, charge, labels_weight, sample_weight};
use crate::config::layout::QueryId;
use crate::event::DataEvent;
use crate::model::Labels;
use crate::prom::{PromError, Sample};
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

/// Every entry: its place in the block's list.
const ENTRY_WEIGHT: usize = std::mem::size_of::<Entry>();

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
    /// What the entries weigh decoded (see [`MAX_BLOCK_WEIGHT`](super::weight::MAX_BLOCK_WEIGHT)).
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
    /// Per sample: the value byte ([`put_value`](super::fields::put_value)).
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
        self.add_series_list(cycle, id, samples);
        self.add_values(cycle, id, samples);
        Ok(())
    }

    /// Writes which series `samples` are: the query's last answer's, or a list with each
    /// series new to the block defined where it is first used; remembered as the query's
    /// last answer.
    fn add_series_list(&mut self, cycle: &mut Cycle, id: QueryId, samples: &[Sample]) {
        let state = &mut self.state;
        let out = &mut cycle.columns.shapes;
        let same = state.last_answer.get(&id).is_some_and(|last| {
            last.len() == samples.len()
                && last
                    .iter()
                    .zip(samples)
                    .all(|(&s, sample)| state.series[s as usize].labels == sample.labels)
        });
        if same {
            out.push(ANSWER_SAME_SERIES);
            return;
        }
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

    /// Writes each sample's value as the XOR with its series' last one, and the sample's
    /// own time when it is not the cycle's.
    fn add_values(&mut self, cycle: &mut Cycle, id: QueryId, samples: &[Sample]) {
        let state = &mut self.state;
        let columns = &mut cycle.columns;
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
    /// What the entries decoded so far weigh; at most [`MAX_BLOCK_WEIGHT`](super::weight::MAX_BLOCK_WEIGHT).
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
        let mut columns = CycleColumns::read(input)?;
        let mut unknown = Vec::new();
        for _ in 0..entries {
            let delta = i64::try_from(columns.times.varint()?)
                .map_err(|_| Malformed("time delta".into()))?;
            ms = ms.saturating_add(delta);
            let shape = columns.shapes.u8()?;
            self.charge(ENTRY_WEIGHT)?;
            if shape == ALERT_CHANGES || shape == OTHER_EVENT {
                match self.cycle_event(shape, &mut columns.shapes)? {
                    Ok(event) => {
                        self.state.remembered.observe(ms, &event);
                        out.push(Entry::Event {
                            time: seconds(ms),
                            event,
                        });
                    }
                    Err(detail) => unknown.push(detail),
                }
                continue;
            }
            let id =
                usize::try_from(columns.ids.varint()?).map_err(|_| Malformed("query id".into()))?;
            let latency = Duration::from_micros(columns.latencies.varint()?);
            let result = self.answer(shape, &mut columns, id, at)?;
            out.push(Entry::Event {
                time: seconds(ms),
                event: read_back(DataEvent::Instant {
                    id,
                    at,
                    result,
                    latency,
                }),
            });
        }
        self.state.last_ms = ms;
        if !columns.all_read() || !input.is_empty() {
            return Err(FrameProblem::Malformed(
                "bytes after the last answer".into(),
            ));
        }
        match unknown.first() {
            Some(detail) => Err(FrameProblem::Unknown(detail.clone())),
            None => Ok(()),
        }
    }

    /// An event stored in a cycle frame: alert changes, or another event as CBOR (one this
    /// build cannot read is `Err` with why: skipping it leaves the block state intact,
    /// so the cycle goes on).
    fn cycle_event(
        &mut self,
        shape: u8,
        shapes: &mut Input,
    ) -> Result<Result<DataEvent, String>, FrameProblem> {
        if shape == ALERT_CHANGES {
            return Ok(Ok(self.alert_changes(shapes.bytes()?)?));
        }
        let cbor = shapes.bytes()?;
        self.charge(cbor_weight(cbor))?;
        Ok(from_cbor::<DataEvent>(cbor)
            .map_err(|e| format!("an event this build cannot read ({e})")))
    }

    /// An Instant answer of query `id`: an error, or samples of the series it answered
    /// with last time or of the list that follows.
    fn answer(
        &mut self,
        shape: u8,
        columns: &mut CycleColumns,
        id: QueryId,
        at: f64,
    ) -> Result<Result<Vec<Sample>, PromError>, FrameProblem> {
        match shape {
            ANSWER_ERROR => {
                let cbor = columns.shapes.bytes()?;
                self.charge(cbor_weight(cbor))?;
                Ok(Err(from_cbor::<PromError>(cbor).unwrap_or_else(|e| {
                    // A newer error kind: keep the answer (and the block state), say so.
                    PromError::Decode(format!("an error this build cannot read ({e})"))
                })))
            }
            ANSWER_SAME_SERIES => Ok(Ok(self.samples(&mut columns.values, id, at)?)),
            ANSWER_NEW_SERIES => {
                self.series_list(&mut columns.shapes, id)?;
                Ok(Ok(self.samples(&mut columns.values, id, at)?))
            }
            tag => Err(FrameProblem::Malformed(format!("unknown answer tag {tag}"))),
        }
    }

    /// A series list: each series by number, a new one defined (its labels) where first
    /// used; it becomes query `id`'s last answer.
    fn series_list(&mut self, shapes: &mut Input, id: QueryId) -> Result<(), FrameProblem> {
        let count = shapes.len()?;
        let mut list = Vec::with_capacity(count);
        for _ in 0..count {
            let n =
                u32::try_from(shapes.varint()?).map_err(|_| Malformed("series number".into()))?;
            if n as usize == self.state.series.len() {
                let labels = get_labels(shapes)?;
                self.charge(labels_weight(&labels))?;
                self.state.series.push(SeriesState::new(labels));
            } else if n as usize > self.state.series.len() {
                return Err(FrameProblem::Malformed(format!("undefined series {n}")));
            }
            list.push(n);
        }
        self.state.last_answer.insert(id, list);
        Ok(())
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

/// The two value columns of a cycle frame being read.
struct Values<'a> {
    codes: Input<'a>,
    bits: Input<'a>,
}

/// A cycle frame's columns ([`Columns`]), each read on its own.
struct CycleColumns<'a> {
    times: Input<'a>,
    ids: Input<'a>,
    latencies: Input<'a>,
    shapes: Input<'a>,
    values: Values<'a>,
}

impl<'a> CycleColumns<'a> {
    fn read(input: &mut Input<'a>) -> Result<Self, Malformed> {
        Ok(Self {
            times: Input::new(input.bytes()?),
            ids: Input::new(input.bytes()?),
            latencies: Input::new(input.bytes()?),
            shapes: Input::new(input.bytes()?),
            values: Values {
                codes: Input::new(input.bytes()?),
                bits: Input::new(input.bytes()?),
            },
        })
    }

    /// Whether every column was read to its end.
    fn all_read(&self) -> bool {
        [
            &self.times,
            &self.ids,
            &self.latencies,
            &self.shapes,
            &self.values.codes,
            &self.values.bits,
        ]
        .iter()
        .all(|c| c.is_empty())
    }
}
