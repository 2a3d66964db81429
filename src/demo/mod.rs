//! The demo stack: the simulated SpherosegV4 and a real Prometheus scraping it, and what
//! `spheroseg-top demo` shows when Prometheus is not installed.

pub mod stack;

pub use stack::{Stack, StackError, StackOptions};

use std::time::Duration;

/// The monitoring guide's rules, loaded by the demo's Prometheus.
pub const GUIDE_RULES: &str = include_str!("../../assets/rules/spheroseg.yml");

/// A real incident recorded by `scripts/record-demo.sh`, replayed when Prometheus is not
/// installed, so `demo` shows the dashboard on any machine.
pub const BUNDLED_RECORDING: &[u8] = include_bytes!("../../assets/demo/incident.rec");

/// Demo data moves every second; a 2 s refresh shows it moving.
pub const DEMO_REFRESH: Duration = Duration::from_secs(2);
