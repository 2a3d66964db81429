//! Session recordings: what a live session ingested, written as it happens so that
//! `spheroseg-top replay FILE` can feed the same events to the app later.
//!
//! - [`format`]: the file header, records, frames, checksums, errors and warnings;
//! - [`codec`]: how events are encoded inside a block (compact Instant answers, CBOR
//!   for everything else);
//! - [`recorder`]: [`Recorder`], the append-only writer;
//! - [`reader`]: [`Recording`], the indexed, lazily decoding reader.
//!
//! The byte layout is described in `docs/recording-format.md`.

pub mod annotate;
mod changes;
pub(crate) mod codec;
mod fields;
pub(crate) mod format;
mod ids;
pub(crate) mod reader;
pub(crate) mod recorder;
mod weight;

pub use codec::{Entry, Marker};
pub use format::{ConfigText, FormatError, Header, MAGIC, Warning, WarningKind};
pub use reader::{Entries, Recording};
pub use recorder::Recorder;

#[cfg(test)]
mod tests;
