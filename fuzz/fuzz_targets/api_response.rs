//! Any body Prometheus or Alertmanager might send (the first byte picks the endpoint):
//! parsed into a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spheroseg_top::prom::{alertmanager, api};

fuzz_target!(|data: &[u8]| {
    let Some((&endpoint, body)) = data.split_first() else {
        return;
    };
    match endpoint % 6 {
        0 => drop(api::parse_instant(200, body)),
        1 => drop(api::parse_range(200, body)),
        2 => drop(api::parse_alerts(200, body)),
        3 => drop(api::parse_rules(200, body)),
        4 => drop(alertmanager::parse_groups(200, body)),
        _ => drop(alertmanager::parse_silences(200, body)),
    }
});
