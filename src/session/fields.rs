//! How one field of a frame is written: times (millisecond deltas), values (XOR against
//! the series' previous value), label sets, and CBOR for everything else.

use super::format::{Input, Malformed, put_bytes, put_signed, put_varint};
use crate::model::Labels;
use std::io;
use std::time::Duration;

/// Bit 7 of a value byte: the sample's time differs from the cycle's and follows raw.
pub(super) const OWN_TIME: u8 = 0x80;

pub(crate) fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Recording times are kept to the millisecond, like Prometheus' own.
pub(crate) fn millis(time: f64) -> i64 {
    (time * 1000.0).round() as i64
}

pub(super) fn micros(d: Duration) -> u64 {
    u64::try_from((d.as_nanos() + 500) / 1000).unwrap_or(u64::MAX)
}

/// An evaluation time: a delta in ms when it is a whole number of ms (what the poller
/// produces), else the raw bits. The low bit of the first varint says which.
pub(super) fn put_time(out: &mut Vec<u8>, time: f64, prev_ms: i64) -> i64 {
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

pub(super) fn get_time(input: &mut Input, prev_ms: i64) -> Result<(f64, i64), Malformed> {
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
pub(super) fn put_value(codes: &mut Vec<u8>, bits: &mut Vec<u8>, xor: u64, own_time: bool) {
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

pub(super) fn get_value(codes: &mut Input, bits: &mut Input) -> Result<(u64, bool), Malformed> {
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

pub(super) fn put_labels(out: &mut Vec<u8>, labels: &Labels) {
    put_varint(out, labels.len() as u64);
    for (name, value) in labels {
        put_bytes(out, name.as_bytes());
        put_bytes(out, value.as_bytes());
    }
}

pub(super) fn get_labels(input: &mut Input) -> Result<Labels, Malformed> {
    let count = input.len()?;
    let mut labels = Labels::new();
    for _ in 0..count {
        let name = input.string()?;
        labels.insert(name, input.string()?);
    }
    Ok(labels)
}

pub(super) fn to_cbor<T: serde::Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(out)
}

pub(super) fn from_cbor<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
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
