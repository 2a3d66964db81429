//! Smooth, bounded random movement for simulated quantities.

use std::f64::consts::TAU;

use super::Scenario;
use super::rng::SplitMix64;

/// Weight of the slow sinusoid in a wander position; the rest is the random walk.
const SINE_WEIGHT: f64 = 0.5;
/// Stationary standard deviation of the random walk (before clamping to [-1, 1]).
const WALK_STD_DEV: f64 = 0.5;

/// A closed interval a simulated quantity moves within.
#[derive(Clone, Copy, Debug)]
pub struct Band {
    lo: f64,
    hi: f64,
}

impl Band {
    pub const fn new(lo: f64, hi: f64) -> Self {
        Self { lo, hi }
    }

    /// Maps a wander position in `[-1, 1]` onto the band.
    pub fn at(self, position: f64) -> f64 {
        self.lo + (self.hi - self.lo) * (position.clamp(-1.0, 1.0) + 1.0) / 2.0
    }
}

/// Bounded noise in `[-1, 1]`: a slow sinusoid plus a mean-reverting (Ornstein–Uhlenbeck) walk,
/// so values drift visibly over minutes yet still jitter between one-second scrapes.
#[derive(Clone, Debug)]
pub struct Wander {
    phase: f64,
    radians_per_sec: f64,
    walk: f64,
    reversion_secs: f64,
}

impl Wander {
    pub fn new(rng: &mut SplitMix64) -> Self {
        Self {
            phase: rng.uniform(0.0, TAU),
            radians_per_sec: TAU / rng.uniform(90.0, 300.0),
            walk: rng.uniform(-0.5, 0.5),
            reversion_secs: rng.uniform(15.0, 45.0),
        }
    }

    pub fn step(&mut self, dt_secs: f64, rng: &mut SplitMix64) {
        self.phase = (self.phase + self.radians_per_sec * dt_secs) % TAU;
        // Exact OU discretisation: the step size does not change the walk's statistics.
        let keep = (-dt_secs / self.reversion_secs).exp();
        let fresh = WALK_STD_DEV * (1.0 - keep * keep).sqrt();
        self.walk = self.walk * keep + fresh * rng.standard_normal();
    }

    pub fn position(&self) -> f64 {
        let position =
            SINE_WEIGHT * self.phase.sin() + (1.0 - SINE_WEIGHT) * self.walk.clamp(-1.0, 1.0);
        position.clamp(-1.0, 1.0)
    }
}

/// A wandering quantity whose band depends on the active scenario.
///
/// The band is picked when the value is read, so a scenario switch shows on the very next scrape.
#[derive(Clone, Debug)]
pub struct Level {
    wander: Wander,
    normal: Band,
    incident: Band,
}

impl Level {
    pub fn new(rng: &mut SplitMix64, normal: Band, incident: Band) -> Self {
        Self {
            wander: Wander::new(rng),
            normal,
            incident,
        }
    }

    /// A quantity the incident does not affect.
    pub fn steady(rng: &mut SplitMix64, band: Band) -> Self {
        Self::new(rng, band, band)
    }

    pub fn step(&mut self, dt_secs: f64, rng: &mut SplitMix64) {
        self.wander.step(dt_secs, rng);
    }

    pub fn value(&self, scenario: Scenario) -> f64 {
        let band = match scenario {
            Scenario::Normal => self.normal,
            Scenario::Incident => self.incident,
        };
        band.at(self.wander.position())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_stays_inside_its_band_and_moves() {
        let mut rng = SplitMix64::new(3);
        let mut level = Level::new(&mut rng, Band::new(1.0, 2.0), Band::new(10.0, 20.0));
        let mut seen = Vec::new();
        for _ in 0..2000 {
            level.step(0.25, &mut rng);
            let normal = level.value(Scenario::Normal);
            assert!((1.0..=2.0).contains(&normal), "{normal}");
            assert!((10.0..=20.0).contains(&level.value(Scenario::Incident)));
            seen.push(normal);
        }
        let spread = seen.iter().copied().fold(f64::MIN, f64::max)
            - seen.iter().copied().fold(f64::MAX, f64::min);
        assert!(spread > 0.3, "values barely moved: spread {spread}");
    }
}
