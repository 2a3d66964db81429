//! Text from servers, recordings and config files as it is printed (`snapshot`, `export`,
//! `profiles`): no control character comes out but a line break, JSON stays JSON, and
//! nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spheroseg_top::model::text;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let controls = |s: &str| s.chars().any(|c| c.is_control() && c != '\n');
    assert!(!controls(&text::printable(&input)));
    assert!(!text::escape_controls(&input).chars().any(char::is_control));
    let json = text::printable_json(&input.as_ref());
    let back: String = serde_json::from_str(&json).expect("printable_json writes JSON");
    assert!(!controls(&back) && !controls(&json));
    let _ = (text::mask_userinfo(&input), text::strip_userinfo(&input));
});
