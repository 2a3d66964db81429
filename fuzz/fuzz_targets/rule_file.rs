//! Any Prometheus rule file: loaded (and its alerting rules evaluable), or an error with
//! its place, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spheroseg_top::alerts::RuleFile;

fuzz_target!(|text: &str| {
    let _ = RuleFile::parse(std::path::Path::new("fuzz.yml"), text);
});
