//! Any layout file: loaded, or an error that names its place, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spheroseg_top::config::{Layout, Source};

fuzz_target!(|text: &str| {
    let _ = Layout::parse(Source {
        origin: "fuzz.toml".into(),
        text: text.to_string(),
    });
});
