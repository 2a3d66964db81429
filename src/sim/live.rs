//! Drives a `Simulation` from the wall clock for the running server.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::Scenario;
use super::exposition::render_exposition;
use super::model::Simulation;

/// Longest gap simulated in one go (e.g. after the host was suspended), so catching up never
/// stalls the server; counters simply grow less across such a gap, which Prometheus tolerates.
const MAX_CATCH_UP: Duration = Duration::from_secs(300);

/// A simulation shared between the server's connections, always advanced to "now" before use.
pub struct LiveSimulation {
    state: Mutex<ClockedSimulation>,
}

struct ClockedSimulation {
    simulation: Simulation,
    advanced_until: Instant,
    /// Unix seconds of the (simulated) process start, exported as
    /// `process_start_time_seconds` like every Prometheus client library does.
    started: f64,
}

impl LiveSimulation {
    pub fn new(simulation: Simulation) -> Self {
        Self {
            state: Mutex::new(ClockedSimulation {
                simulation,
                advanced_until: Instant::now(),
                started: crate::clock::unix_now().floor(),
            }),
        }
    }

    pub fn advance_to_now(&self) {
        drop(self.current());
    }

    pub fn render(&self) -> String {
        let state = self.current();
        let mut text = render_exposition(&state.simulation);
        text.push_str(&format!(
            "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {}\n",
            state.started
        ));
        text
    }

    /// Starts over as a restarted process would: counters from zero, a new start time.
    pub fn restart(&self, simulation: Simulation) {
        let mut state = self.current();
        state.simulation = simulation;
        state.started = crate::clock::unix_now().floor();
    }

    pub fn scenario(&self) -> Scenario {
        self.current().simulation.scenario()
    }

    /// Time until now is simulated in the old scenario, so counters stay consistent across the switch.
    pub fn set_scenario(&self, scenario: Scenario) {
        self.current().simulation.set_scenario(scenario);
    }

    fn current(&self) -> MutexGuard<'_, ClockedSimulation> {
        // A panic elsewhere cannot leave the state half-updated in a harmful way; keep serving.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let elapsed = now
            .saturating_duration_since(state.advanced_until)
            .min(MAX_CATCH_UP);
        state.simulation.advance(elapsed);
        state.advanced_until = now;
        state
    }
}
