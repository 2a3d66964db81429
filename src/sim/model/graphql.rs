//! GraphQL gateway: latency and errors per operation.

use super::Subsystem;
use crate::sim::Scenario;
use crate::sim::counter::{Arrivals, Counter};
use crate::sim::exposition::{ExpositionWriter, MetricKind};
use crate::sim::histogram::Histogram;
use crate::sim::rng::{LogNormal, SplitMix64};
use crate::sim::wander::{Band, Level};

const DURATION_FAMILY: &str = "graphql_request_duration_seconds";
const ERRORS_FAMILY: &str = "graphql_errors_total";
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0,
];

const TRAFFIC: Band = Band::new(0.9, 1.1);
const SLOWNESS: Band = Band::new(0.9, 1.1);
const HEALTHY_ERRORS: Band = Band::new(0.006, 0.018);
const DEGRADED_ERRORS: Band = Band::new(0.04, 0.07);

struct OperationSpec {
    name: &'static str,
    requests_per_sec: f64,
    latency: LogNormal,
    /// Set only on operations that touch images or segmentation, which the incident slows down.
    incident_latency: Option<LogNormal>,
}

/// About 20 req/s in total.
const OPERATIONS: [OperationSpec; 5] = [
    OperationSpec {
        name: "GetProjects",
        requests_per_sec: 6.0,
        latency: LogNormal::new(0.03, 0.6),
        incident_latency: None,
    },
    OperationSpec {
        name: "GetProject",
        requests_per_sec: 5.0,
        latency: LogNormal::new(0.028, 0.5),
        incident_latency: None,
    },
    OperationSpec {
        name: "GetImages",
        requests_per_sec: 5.0,
        latency: LogNormal::new(0.045, 0.6),
        incident_latency: Some(LogNormal::new(0.3, 0.6)),
    },
    OperationSpec {
        name: "CreateSegmentationJob",
        requests_per_sec: 2.0,
        latency: LogNormal::new(0.075, 0.5),
        incident_latency: Some(LogNormal::new(0.5, 0.5)),
    },
    OperationSpec {
        name: "UpdateCellAnnotations",
        requests_per_sec: 2.0,
        latency: LogNormal::new(0.06, 0.55),
        incident_latency: None,
    },
];

struct Operation {
    spec: &'static OperationSpec,
    traffic: Level,
    slowness: Level,
    error_share: Level,
    arrivals: Arrivals,
    durations: Histogram,
    errors: Counter,
}

impl Operation {
    fn new(spec: &'static OperationSpec, rng: &mut SplitMix64) -> Self {
        let incident_errors = if spec.incident_latency.is_some() {
            DEGRADED_ERRORS
        } else {
            HEALTHY_ERRORS
        };
        Self {
            spec,
            traffic: Level::steady(rng, TRAFFIC),
            slowness: Level::steady(rng, SLOWNESS),
            error_share: Level::new(rng, HEALTHY_ERRORS, incident_errors),
            arrivals: Arrivals::new(rng),
            durations: Histogram::new(LATENCY_BUCKETS),
            errors: Counter::default(),
        }
    }

    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for level in [&mut self.traffic, &mut self.slowness, &mut self.error_share] {
            level.step(dt_secs, rng);
        }
        let rate = self.spec.requests_per_sec * self.traffic.value(scenario);
        let latency = match (scenario, self.spec.incident_latency) {
            (Scenario::Incident, Some(degraded)) => degraded,
            _ => self.spec.latency,
        };
        let slowness = self.slowness.value(scenario);
        for _ in 0..self.arrivals.due(rate, dt_secs) {
            self.durations.observe(latency.sample(rng, slowness));
        }
        self.errors
            .accumulate(rate * self.error_share.value(scenario), dt_secs);
    }
}

pub struct GraphQl {
    operations: Vec<Operation>,
}

impl GraphQl {
    pub fn new(rng: &mut SplitMix64) -> Self {
        Self {
            operations: OPERATIONS
                .iter()
                .map(|spec| Operation::new(spec, rng))
                .collect(),
        }
    }
}

impl Subsystem for GraphQl {
    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for operation in &mut self.operations {
            operation.step(dt_secs, scenario, rng);
        }
    }

    fn write_metrics(&self, _scenario: Scenario, out: &mut ExpositionWriter) {
        out.family(
            DURATION_FAMILY,
            MetricKind::Histogram,
            "Latency of GraphQL requests by operation.",
        );
        for operation in &self.operations {
            out.histogram(
                DURATION_FAMILY,
                &[("operation", operation.spec.name)],
                &operation.durations,
            );
        }
        out.family(
            ERRORS_FAMILY,
            MetricKind::Counter,
            "GraphQL requests that returned errors, by operation.",
        );
        for operation in &self.operations {
            out.sample(
                ERRORS_FAMILY,
                &[("operation", operation.spec.name)],
                operation.errors.value(),
            );
        }
    }
}
