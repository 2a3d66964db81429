//! The fuzzers' corpus (`fuzz/corpus/TARGET/`), replayed through the same entry points the
//! fuzz targets call (`fuzz/fuzz_targets/`): every input that ever found a problem, the
//! seeds, and a sample of what the fuzzers reached (`fuzz/README.md`) stay regression
//! tests without a fuzzer in CI.

use spheroseg_top::alerts::RuleFile;
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::prom::{alertmanager, api};
use spheroseg_top::session::Recording;
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let bytes = std::fs::read(&path).expect("corpus file");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} is empty", dir.display());
    inputs
}

fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

fn source(text: &str) -> Source {
    Source {
        origin: "fuzz.toml".into(),
        text: text.to_string(),
    }
}

#[test]
fn api_responses() {
    for (_, data) in corpus("api_response") {
        let Some((&endpoint, body)) = data.split_first() else {
            continue;
        };
        match endpoint % 6 {
            0 => drop(api::parse_instant(200, body)),
            1 => drop(api::parse_range(200, body)),
            2 => drop(api::parse_alerts(200, body)),
            3 => drop(api::parse_rules(200, body)),
            4 => drop(alertmanager::parse_groups(200, body)),
            _ => drop(alertmanager::parse_silences(200, body)),
        }
    }
}

#[test]
fn layouts() {
    for (_, data) in corpus("layout") {
        if let Some(text) = text(&data) {
            let _ = Layout::parse(source(text));
        }
    }
}

#[test]
fn themes() {
    for (_, data) in corpus("theme") {
        if let Some(text) = text(&data) {
            let _ = Theme::parse(source(text));
        }
    }
}

#[test]
fn rule_files() {
    for (_, data) in corpus("rule_file") {
        if let Some(text) = text(&data) {
            let _ = RuleFile::parse(Path::new("fuzz.yml"), text);
        }
    }
}

#[test]
fn recordings() {
    for (path, data) in corpus("recording") {
        if let Ok(recording) = Recording::from_bytes(path, data) {
            recording.entries().for_each(drop);
            let _ = recording.lost_spans();
            // What `export` does, and a replay's app with it: a forged header's refresh
            // of u64::MAX seconds panicked there.
            let _ = spheroseg_top::report::build(&recording);
        }
    }
}

#[test]
fn outside_texts() {
    use spheroseg_top::model::text;
    let controls = |s: &str| s.chars().any(|c| c.is_control() && c != '\n');
    for (path, data) in corpus("outside_text") {
        let input = String::from_utf8_lossy(&data);
        assert!(!controls(&text::printable(&input)), "{}", path.display());
        assert!(!text::escape_controls(&input).chars().any(char::is_control));
        let json = text::printable_json(&input.as_ref());
        let back: String = serde_json::from_str(&json).expect("printable_json writes JSON");
        assert!(!controls(&back) && !controls(&json), "{}", path.display());
        let _ = (text::mask_userinfo(&input), text::strip_userinfo(&input));
    }
}
