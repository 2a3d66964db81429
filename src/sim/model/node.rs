//! Memory of the backend host, in node_exporter's naming.

use super::Subsystem;
use crate::sim::Scenario;
use crate::sim::exposition::{ExpositionWriter, MetricKind};
use crate::sim::rng::SplitMix64;
use crate::sim::wander::{Band, Level};

const TOTAL_BYTES: f64 = 8.0 * 1024.0 * 1024.0 * 1024.0;
const PAGE_BYTES: f64 = 4096.0;
const INSTANCE: &str = "backend";

pub struct Node {
    used_share: Level,
}

impl Node {
    pub fn new(rng: &mut SplitMix64) -> Self {
        Self {
            used_share: Level::new(rng, Band::new(0.58, 0.69), Band::new(0.83, 0.87)),
        }
    }
}

impl Subsystem for Node {
    fn step(&mut self, dt_secs: f64, _scenario: Scenario, rng: &mut SplitMix64) {
        self.used_share.step(dt_secs, rng);
    }

    fn write_metrics(&self, scenario: Scenario, out: &mut ExpositionWriter) {
        // The kernel reports memory in whole pages.
        let available = (TOTAL_BYTES * (1.0 - self.used_share.value(scenario)) / PAGE_BYTES)
            .round()
            * PAGE_BYTES;
        out.family(
            "node_memory_MemTotal_bytes",
            MetricKind::Gauge,
            "Memory information field MemTotal_bytes.",
        );
        out.sample(
            "node_memory_MemTotal_bytes",
            &[("instance", INSTANCE)],
            TOTAL_BYTES,
        );
        out.family(
            "node_memory_MemAvailable_bytes",
            MetricKind::Gauge,
            "Memory information field MemAvailable_bytes.",
        );
        out.sample(
            "node_memory_MemAvailable_bytes",
            &[("instance", INSTANCE)],
            available,
        );
    }
}
