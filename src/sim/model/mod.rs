//! The simulated SpherosegV4 deployment: subsystems that evolve with time and report themselves as metrics.

mod api;
mod cdn;
mod database;
mod graphql;
mod ml;
mod node;
#[cfg(test)]
mod tests;
mod websocket;

use std::time::Duration;

use super::Scenario;
use super::exposition::{ExpositionWriter, MetricKind};
use super::rng::SplitMix64;

/// Longest slice of time simulated at once, so walks stay smooth even after a long pause between advances.
const MAX_STEP_SECS: f64 = 0.25;

/// One area of the deployment (API, database, ...).
trait Subsystem: Send {
    /// Moves the subsystem `dt_secs` forward: wanders drift, counters and histograms accumulate.
    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64);
    /// Writes the subsystem's metric families; gauges reflect `scenario` immediately.
    fn write_metrics(&self, scenario: Scenario, out: &mut ExpositionWriter);
}

/// Complete simulation state; advance it explicitly (deterministic for a given seed and sequence of advances).
pub struct Simulation {
    rng: SplitMix64,
    scenario: Scenario,
    subsystems: Vec<Box<dyn Subsystem>>,
}

impl Simulation {
    pub fn new(seed: u64, scenario: Scenario) -> Self {
        let mut rng = SplitMix64::new(seed);
        let subsystems: Vec<Box<dyn Subsystem>> = vec![
            Box::new(api::Api::new(&mut rng)),
            Box::new(websocket::WebSocket::new(&mut rng)),
            Box::new(graphql::GraphQl::new(&mut rng)),
            Box::new(database::Database::new(&mut rng)),
            Box::new(ml::MachineLearning::new(&mut rng)),
            Box::new(cdn::Cdn::new(&mut rng)),
            Box::new(node::Node::new(&mut rng)),
        ];
        Self {
            rng,
            scenario,
            subsystems,
        }
    }

    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    pub fn set_scenario(&mut self, scenario: Scenario) {
        self.scenario = scenario;
    }

    /// Simulates `elapsed` of wall-clock time in the current scenario.
    pub fn advance(&mut self, elapsed: Duration) {
        let mut remaining = elapsed.as_secs_f64();
        while remaining > 0.0 {
            let dt = remaining.min(MAX_STEP_SECS);
            for subsystem in &mut self.subsystems {
                subsystem.step(dt, self.scenario, &mut self.rng);
            }
            remaining -= dt;
        }
    }

    pub(crate) fn write_metrics(&self, out: &mut ExpositionWriter) {
        for subsystem in &self.subsystems {
            subsystem.write_metrics(self.scenario, out);
        }
        out.family(
            "spheroseg_sim_scenario",
            MetricKind::Gauge,
            "Scenario the simulator is playing: 1 for the active one, 0 otherwise.",
        );
        for scenario in [Scenario::Normal, Scenario::Incident] {
            let active = if scenario == self.scenario { 1.0 } else { 0.0 };
            out.sample(
                "spheroseg_sim_scenario",
                &[("scenario", &scenario.to_string())],
                active,
            );
        }
    }
}
