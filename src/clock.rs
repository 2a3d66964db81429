//! The one place the wall clock is read; everything downstream gets times as data.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time in seconds, to the millisecond (Prometheus' resolution).
pub fn unix_now() -> f64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    (secs * 1000.0).round() / 1000.0
}
