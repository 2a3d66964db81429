//! Any file given to `replay` or `export`: refused clearly, or read as far as it is
//! intact with the damage reported, in bounded memory, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spheroseg_top::session::Recording;

fuzz_target!(|data: &[u8]| {
    if let Ok(recording) = Recording::from_bytes("fuzz.rec".into(), data.to_vec()) {
        recording.entries().for_each(drop);
        let _ = recording.lost_spans();
        let _ = recording.markers();
        // `export`: the recording replayed through the app, as `replay` does.
        let _ = spheroseg_top::report::build(&recording);
    }
});
