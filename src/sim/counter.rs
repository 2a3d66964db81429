//! Accumulators that turn rates into monotonically growing totals.

use super::rng::SplitMix64;

/// A Prometheus counter fed by a rate; fractional progress is kept so slow rates still count up.
#[derive(Clone, Debug, Default)]
pub struct Counter {
    total: f64,
}

impl Counter {
    pub fn accumulate(&mut self, rate_per_sec: f64, dt_secs: f64) {
        self.add(rate_per_sec * dt_secs);
    }

    pub fn add(&mut self, amount: f64) {
        // Counters must never go down, whatever a wander does.
        self.total += amount.max(0.0);
    }

    /// Whole units only: events and bytes are integral in a real exporter.
    pub fn value(&self) -> f64 {
        self.total.floor()
    }
}

/// Splits a rate into whole events per simulation step, carrying the remainder,
/// so that over time the number of events equals rate × elapsed time.
#[derive(Clone, Debug)]
pub struct Arrivals {
    carry: f64,
}

impl Arrivals {
    /// Starts at a random fraction of an event, so rare series (a few per minute) do not all
    /// begin with an empty stretch that skews early error shares.
    pub fn new(rng: &mut SplitMix64) -> Self {
        Self {
            carry: rng.next_f64(),
        }
    }

    pub fn due(&mut self, rate_per_sec: f64, dt_secs: f64) -> u64 {
        self.carry += (rate_per_sec * dt_secs).max(0.0);
        let whole = self.carry.floor();
        self.carry -= whole;
        whole as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_match_rate_times_time() {
        let mut arrivals = Arrivals::new(&mut SplitMix64::new(1));
        // 1/16 of an event per step: nothing is lost to rounding, only the random start phase counts.
        let total: u64 = (0..400).map(|_| arrivals.due(0.25, 0.25)).sum();
        assert!((25..=26).contains(&total), "{total}");
    }

    #[test]
    fn counter_ignores_negative_amounts() {
        let mut counter = Counter::default();
        counter.accumulate(2.0, 1.5);
        counter.add(-10.0);
        assert_eq!(counter.value(), 3.0);
    }
}
