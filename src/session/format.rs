//! The container: the file header, the top-level records (blocks, markers, the end
//! record), the frames inside a block, their checksums, and what a reader reports about
//! damage. `docs/recording-format.md` describes the same bytes for people.

use crate::alerts::{RuleFile, RuleFileError};
use crate::config::{ConfigError, Layout, Source, Theme};
use crate::model::duration::Form;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The first eight bytes of every recording.
pub const MAGIC: [u8; 8] = *b"SGTOPREC";
/// The newest format version this build reads (it reads all before: version 2 added alert
/// lists stored as changes, which version 1 readers would take for damage; version 3,
/// backends side by side, whose instant answers carry the backend in the query id).
pub const VERSION: u16 = 3;
/// The version a recording of one backend is written in: what it always was, so older
/// builds replay it.
const ONE_BACKEND_VERSION: u16 = 2;
/// Magic, version, header length and header checksum.
pub(crate) const FILE_PREAMBLE: usize = MAGIC.len() + 2 + 4 + 4;

/// Top-level record tags. A record is `tag, body length (u32), crc32, body`.
pub(crate) const TAG_BLOCK: [u8; 4] = *b"BLCK";
pub(crate) const TAG_MARKER: [u8; 4] = *b"MARK";
pub(crate) const TAG_END: [u8; 4] = *b"DONE";
/// Tag, body length, checksum.
pub(crate) const RECORD_HEADER: usize = 12;
/// No record body is this long; a longer length is damage, not data.
const MAX_RECORD_BODY: u32 = 1 << 20;

/// What a recording says about the session it came from. Serialised as JSON after the
/// preamble, so fields can be added (with `#[serde(default)]`) without a version bump.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// When the recording started, Unix seconds.
    pub created: f64,
    /// The version of spheroseg-top that wrote it.
    pub app_version: String,
    /// Where the data came from: the Prometheus URL without credentials.
    pub source: String,
    /// The refresh interval of the recorded session.
    pub refresh: Duration,
    pub layout: ConfigText,
    pub theme: ConfigText,
    /// Rule files evaluated locally (`--rules`), so a replay evaluates them the same way.
    #[serde(default)]
    pub rules: Vec<ConfigText>,
    /// The backends' names when several were shown side by side (format version 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<String>,
}

/// A layout or theme as the recorded session loaded it: where from, and the TOML itself,
/// so a replay draws exactly the same panels even if the file has changed since.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigText {
    /// `layouts/spheroseg.toml` for a bundled preset, or the path given.
    pub origin: String,
    pub text: String,
}

impl ConfigText {
    fn source(&self) -> Source {
        Source {
            origin: PathBuf::from(&self.origin),
            text: self.text.clone(),
        }
    }
}

impl Header {
    /// The layout the recorded session showed, as it loaded it.
    pub fn layout(&self) -> Result<Layout, ConfigError> {
        Layout::parse(self.layout.source())
    }

    /// The theme the recorded session drew with.
    pub fn theme(&self) -> Result<Theme, ConfigError> {
        Theme::parse(self.theme.source())
    }

    /// The rule files the recorded session evaluated, parsed as it parsed them.
    pub fn rule_files(&self) -> Result<Vec<RuleFile>, RuleFileError> {
        self.rules
            .iter()
            .map(|r| RuleFile::parse(&PathBuf::from(&r.origin), &r.text))
            .collect()
    }

    /// A header stamped with the current time and this build's version. `source` should
    /// already be redacted; credentials are stripped here again all the same.
    pub fn new(source: &str, refresh: Duration, layout: ConfigText, theme: ConfigText) -> Self {
        Self {
            created: crate::clock::unix_now(),
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            source: strip_credentials(source),
            refresh,
            layout,
            theme,
            rules: Vec::new(),
            backends: Vec::new(),
        }
    }
}

/// Removes user name and password from a URL, so a recording never holds credentials
/// even when handed an unredacted URL, whatever the URL looks like (see
/// [`strip_userinfo`](crate::model::text::strip_userinfo)).
pub fn strip_credentials(url: &str) -> String {
    crate::model::text::strip_userinfo(url)
}

/// Why a file cannot be read as a recording at all.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{}: not a spheroseg-top recording (it does not start with \"SGTOPREC\")", path.display())]
    NotARecording { path: PathBuf },
    #[error(
        "{}: recording format version {found} is not supported; this build reads version {supported} (a newer spheroseg-top wrote it?)",
        path.display()
    )]
    UnsupportedVersion {
        path: PathBuf,
        found: u16,
        supported: u16,
    },
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: damaged recording at byte {offset}: {detail}", path.display())]
    Corrupt {
        path: PathBuf,
        offset: u64,
        detail: String,
    },
}

/// Damage a reader stepped over: what it kept is still usable.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub kind: WarningKind,
    /// Where in the file: the start of the damaged record or of the block holding the
    /// damaged frame.
    pub offset: u64,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningKind {
    /// The file ends early: the recorder was killed or the disk filled up.
    Truncated,
    /// Bytes changed after they were written: a checksum or the compressed data is wrong.
    Corrupt,
    /// An intact frame or record this build does not understand (written by a newer one).
    Skipped,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.detail)
    }
}

/// The preamble and JSON header, ready to write at the start of a file.
pub(crate) fn encode_file_header(header: &Header) -> io::Result<Vec<u8>> {
    let body = serde_json::to_vec(header).map_err(io::Error::other)?;
    let len = u32::try_from(body.len()).map_err(io::Error::other)?;
    let mut out = Vec::with_capacity(FILE_PREAMBLE + body.len());
    out.extend_from_slice(&MAGIC);
    let version = if header.backends.len() > 1 {
        VERSION
    } else {
        ONE_BACKEND_VERSION
    };
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads the file header; returns it and the offset of the first record.
pub(crate) fn decode_file_header(
    bytes: &[u8],
    path: &Path,
) -> Result<(Header, usize), FormatError> {
    let corrupt = |offset: usize, detail: String| FormatError::Corrupt {
        path: path.to_path_buf(),
        offset: offset as u64,
        detail,
    };
    let cut = |what: &str| {
        corrupt(
            bytes.len(),
            format!(
                "the file ends inside the recording header ({what}); the recorder was stopped while starting"
            ),
        )
    };
    if bytes.len() < MAGIC.len() {
        return if bytes == &MAGIC[..bytes.len()] {
            Err(cut("the signature"))
        } else {
            Err(FormatError::NotARecording {
                path: path.to_path_buf(),
            })
        };
    }
    if bytes[..MAGIC.len()] != MAGIC {
        return Err(FormatError::NotARecording {
            path: path.to_path_buf(),
        });
    }
    let Some(version) = le_u16(bytes, MAGIC.len()) else {
        return Err(cut("the version"));
    };
    if !(1..=VERSION).contains(&version) {
        return Err(FormatError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: VERSION,
        });
    }
    let (Some(len), Some(crc)) = (le_u32(bytes, 10), le_u32(bytes, 14)) else {
        return Err(cut("its length"));
    };
    let end = FILE_PREAMBLE + len as usize;
    let Some(body) = bytes.get(FILE_PREAMBLE..end) else {
        return Err(cut("the header body"));
    };
    if crc32fast::hash(body) != crc {
        return Err(corrupt(
            FILE_PREAMBLE,
            "the header's checksum does not match".into(),
        ));
    }
    let header: Header = serde_json::from_slice(body)
        .map_err(|e| corrupt(FILE_PREAMBLE, format!("unreadable header: {e}")))?;
    // The recorder writes the session's refresh, which was checked against this range;
    // anything else is a forged header (u64::MAX seconds overflowed the replay's clock).
    let longest = *crate::config::profile::REFRESH.end();
    if header.refresh.is_zero() || header.refresh > longest {
        return Err(corrupt(
            FILE_PREAMBLE,
            format!(
                "the header's refresh interval ({}) is impossible; a session refreshes at most every {}",
                Form::Setting.duration(header.refresh),
                Form::Setting.duration(longest)
            ),
        ));
    }
    Ok((header, end))
}

/// A top-level record, ready to write.
pub(crate) fn encode_record(tag: [u8; 4], body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(RECORD_HEADER + body.len());
    out.extend_from_slice(&tag);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&record_crc(tag, len, body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// The checksum covers tag and length too, so a damaged length is caught.
fn record_crc(tag: [u8; 4], len: u32, body: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&tag);
    hasher.update(&len.to_le_bytes());
    hasher.update(body);
    hasher.finalize()
}

pub(crate) enum RecordRead<'a> {
    Ok {
        tag: [u8; 4],
        body: &'a [u8],
        /// Offset just past the record (where a block's compressed data starts).
        next: usize,
    },
    /// The file ends inside the record.
    Truncated,
    /// Not a valid record: unknown tag, impossible length or wrong checksum.
    Invalid(String),
}

pub(crate) fn read_record(bytes: &[u8], pos: usize) -> RecordRead<'_> {
    let (Some(tag), Some(len), Some(crc)) = (
        bytes.get(pos..pos + 4),
        le_u32(bytes, pos + 4),
        le_u32(bytes, pos + 8),
    ) else {
        return if bytes.len() - pos.min(bytes.len()) < RECORD_HEADER {
            RecordRead::Truncated
        } else {
            RecordRead::Invalid("unreadable record header".into())
        };
    };
    let mut tag4 = [0; 4];
    tag4.copy_from_slice(tag);
    if !tag4.iter().all(|b| b.is_ascii_uppercase()) {
        return RecordRead::Invalid(format!("no record starts here (tag {tag4:02x?})"));
    }
    let fixed_len = tag4 == TAG_BLOCK || tag4 == TAG_END;
    if len > MAX_RECORD_BODY || (fixed_len && len != 8) {
        return RecordRead::Invalid(format!("record length {len} is impossible"));
    }
    let start = pos + RECORD_HEADER;
    let Some(body) = bytes.get(start..start + len as usize) else {
        return RecordRead::Truncated;
    };
    if record_crc(tag4, len, body) != crc {
        return RecordRead::Invalid("record checksum does not match".into());
    }
    RecordRead::Ok {
        tag: tag4,
        body,
        next: start + len as usize,
    }
}

/// The next offset at or after `from` where a valid record starts: how a reader finds
/// its footing again after damage. Cheap: candidates are filtered by the first tag byte.
pub(crate) fn find_record(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len().saturating_sub(RECORD_HEADER - 1)).find(|&pos| {
        let tag = &bytes[pos..pos + 4];
        (tag == TAG_BLOCK || tag == TAG_MARKER || tag == TAG_END)
            && matches!(read_record(bytes, pos), RecordRead::Ok { .. })
    })
}

/// A frame inside a block: `varint length, crc32 (LE), payload`.
pub(crate) fn encode_frame(out: &mut Vec<u8>, payload: &[u8]) {
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

pub(crate) enum FrameRead<'a> {
    Ok {
        payload: &'a [u8],
        next: usize,
    },
    /// The data ends inside the frame.
    Incomplete,
    BadChecksum,
}

pub(crate) fn read_frame(bytes: &[u8], pos: usize) -> FrameRead<'_> {
    let mut input = Input::new(&bytes[pos.min(bytes.len())..]);
    let (Ok(len), Ok(crc)) = (input.varint(), input.take(4)) else {
        return FrameRead::Incomplete;
    };
    let crc = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let Ok(len) = usize::try_from(len) else {
        return FrameRead::BadChecksum;
    };
    let Ok(payload) = input.take(len) else {
        return FrameRead::Incomplete;
    };
    if crc32fast::hash(payload) != crc {
        return FrameRead::BadChecksum;
    }
    FrameRead::Ok {
        payload,
        next: pos + input.pos,
    }
}

fn le_u16(bytes: &[u8], pos: usize) -> Option<u16> {
    let b = bytes.get(pos..pos + 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn le_u32(bytes: &[u8], pos: usize) -> Option<u32> {
    let b = bytes.get(pos..pos + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// LEB128: seven bits a byte, low bits first; small numbers take one byte.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Signed numbers as varints: 0, -1, 1, -2, … become 0, 1, 2, 3, …
pub(crate) fn put_signed(out: &mut Vec<u8>, value: i64) {
    put_varint(out, ((value << 1) ^ (value >> 63)) as u64);
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Malformed data inside a frame whose checksum was right: a bug or a forged file.
#[derive(Debug)]
pub(crate) struct Malformed(pub String);

/// A cursor over a frame's payload; every read is bounds-checked.
pub(crate) struct Input<'a> {
    bytes: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Input<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        self.pos = self.bytes.len();
        rest
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| Malformed(format!("{n} bytes needed at {}", self.pos)))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u64_le(&mut self) -> Result<u64, Malformed> {
        let b = self.take(8)?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub(crate) fn varint(&mut self) -> Result<u64, Malformed> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Malformed("varint longer than 64 bits".into()))
    }

    pub(crate) fn signed(&mut self) -> Result<i64, Malformed> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub(crate) fn len(&mut self) -> Result<usize, Malformed> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.bytes.len() - self.pos.min(self.bytes.len()))
            .ok_or_else(|| Malformed(format!("length {n} exceeds the frame")))
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.len()?;
        self.take(n)
    }

    pub(crate) fn string(&mut self) -> Result<String, Malformed> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| Malformed("string is not UTF-8".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        let mut out = Vec::new();
        let values = [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        let signed = [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX];
        for v in values {
            put_varint(&mut out, v);
        }
        for v in signed {
            put_signed(&mut out, v);
        }
        let mut input = Input::new(&out);
        for v in values {
            assert_eq!(input.varint().unwrap(), v);
        }
        for v in signed {
            assert_eq!(input.signed().unwrap(), v);
        }
        assert!(input.is_empty());
        assert!(input.varint().is_err());
    }

    #[test]
    fn credentials_are_stripped_from_the_source() {
        assert_eq!(
            strip_credentials("http://admin:s3cret@prom:9090/"),
            "http://prom:9090/"
        );
        assert_eq!(strip_credentials("http://prom:9090"), "http://prom:9090");
        assert!(!strip_credentials("http://a:s3cret@[bad").contains("s3cret"));
    }

    #[test]
    fn records_find_their_footing_after_garbage() {
        let mut bytes = b"garbage BLCK garbage".to_vec();
        let start = bytes.len();
        bytes.extend(encode_record(TAG_MARKER, b"body"));
        assert_eq!(find_record(&bytes, 0), Some(start));
        assert!(
            matches!(read_record(&bytes, start), RecordRead::Ok { body, .. } if body == b"body")
        );
        assert!(matches!(read_record(&bytes, 0), RecordRead::Invalid(_)));
        assert!(matches!(
            read_record(&bytes[..bytes.len() - 1], start),
            RecordRead::Truncated
        ));
    }
}
