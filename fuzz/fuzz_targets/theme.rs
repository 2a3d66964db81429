//! Any theme file: loaded, or an error that names its place, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spheroseg_top::config::{Source, Theme};

fuzz_target!(|text: &str| {
    let _ = Theme::parse(Source {
        origin: "fuzz.toml".into(),
        text: text.to_string(),
    });
});
