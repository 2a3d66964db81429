//! A tiny deterministic PRNG and the distributions the simulation draws from.
//!
//! Hand-written so the exporter needs no extra crates, and seedable so tests are reproducible.

use std::f64::consts::TAU;
use std::time::{SystemTime, UNIX_EPOCH};

/// SplitMix64: fast, small, and statistically plenty for synthetic telemetry.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// Standard normal variate via Box–Muller; the second variate is dropped to keep the state trivial.
    pub fn standard_normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm stays finite.
        let radius = (-2.0 * (1.0 - self.next_f64()).ln()).sqrt();
        radius * (TAU * self.next_f64()).cos()
    }
}

/// A seed that differs between runs of the exporter.
pub fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0x5EED, |since_epoch| since_epoch.as_nanos() as u64)
}

/// Log-normal distribution described by its median, the natural shape for latencies and durations.
#[derive(Clone, Copy, Debug)]
pub struct LogNormal {
    median: f64,
    sigma: f64,
}

impl LogNormal {
    pub const fn new(median: f64, sigma: f64) -> Self {
        Self { median, sigma }
    }

    /// One draw, with the median multiplied by `scale` (used for slow drifts in latency).
    pub fn sample(self, rng: &mut SplitMix64, scale: f64) -> f64 {
        self.median * scale * (self.sigma * rng.standard_normal()).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_sequence() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
    }

    #[test]
    fn unit_interval_and_log_normal_median() {
        let mut rng = SplitMix64::new(7);
        let mut draws: Vec<f64> = (0..20_001)
            .map(|_| LogNormal::new(0.1, 0.5).sample(&mut rng, 1.0))
            .collect();
        draws.sort_by(f64::total_cmp);
        let median = draws[draws.len() / 2];
        assert!((0.095..0.105).contains(&median), "median {median}");
        assert!((0..1000).all(|_| (0.0..1.0).contains(&rng.next_f64())));
    }
}
