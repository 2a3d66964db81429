//! What decoded data costs in memory, estimated before it is allocated, and the bound a
//! block must keep: the codec charges it while encoding and decoding, the recorder ends
//! blocks by it, and alert changes weigh the alerts they rebuild.

use super::format::Malformed;
use crate::model::Labels;
use crate::prom::{Alert, Sample};

/// What a block may cost decoded, in the estimate of the `*_weight` functions below (an entry's place in a block is
/// the codec's `ENTRY_WEIGHT`). The
/// bytes say little about it: an unchanged value is one byte and decodes to a sample
/// with its series' labels cloned, so a forged block of a few MiB could decode to
/// terabytes. The recorder ends a block once its frames weigh [`BLOCK_WEIGHT`] and leaves
/// out a frame heavier than [`MAX_FRAME_WEIGHT`]; a reader takes a block heavier than
/// the sum for damage.
pub(crate) const BLOCK_WEIGHT: usize = 64 << 20;
pub(crate) const MAX_FRAME_WEIGHT: usize = 128 << 20;
pub(crate) const MAX_BLOCK_WEIGHT: usize = BLOCK_WEIGHT + MAX_FRAME_WEIGHT;

/// A label set: each pair two strings in a tree node, and their text.
pub(super) fn labels_weight(labels: &Labels) -> usize {
    labels.iter().map(|(k, v)| 48 + k.len() + v.len()).sum()
}

pub(super) fn sample_weight(labels_weight: usize) -> usize {
    std::mem::size_of::<Sample>() + labels_weight
}

pub(super) fn alert_weight(alert: &Alert) -> usize {
    std::mem::size_of::<Alert>()
        + alert.name.len()
        + labels_weight(&alert.labels)
        + labels_weight(&alert.annotations)
}

/// What CBOR decodes to at most, roughly, read from its item heads before anything is
/// allocated: a number 8 bytes, any other item a 24-byte slot (a string's, a vector's,
/// a map's), a string its text besides.
pub(super) fn cbor_weight(bytes: &[u8]) -> usize {
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

/// Counts `weight` more decoded into `spent`; past [`MAX_BLOCK_WEIGHT`] the block is
/// damage (no recorder writes it), and nothing more of it is decoded.
pub(super) fn charge(spent: &mut usize, weight: usize) -> Result<(), Malformed> {
    *spent = spent.saturating_add(weight);
    if *spent > MAX_BLOCK_WEIGHT {
        return Err(Malformed(format!(
            "the block decodes to more than {} MiB, more than a recorder writes",
            MAX_BLOCK_WEIGHT >> 20
        )));
    }
    Ok(())
}
