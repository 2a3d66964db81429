//! REST API traffic: request rate, status mix and latency per route (`http_request_duration_seconds`).

use super::Subsystem;
use crate::sim::Scenario;
use crate::sim::counter::Arrivals;
use crate::sim::exposition::{ExpositionWriter, MetricKind};
use crate::sim::histogram::Histogram;
use crate::sim::rng::{LogNormal, SplitMix64};
use crate::sim::wander::{Band, Level};

const FAMILY: &str = "http_request_duration_seconds";
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0,
];

/// Multiplier on each route's request rate.
const TRAFFIC: Band = Band::new(0.92, 1.08);
/// Multiplier on each route's median latency.
const SLOWNESS: Band = Band::new(0.9, 1.1);
/// Share of requests answered with a 5xx on a healthy route.
const HEALTHY_SERVER_ERRORS: Band = Band::new(0.0024, 0.0038);
/// Share of 5xx on the routes the incident degrades.
const DEGRADED_SERVER_ERRORS: Band = Band::new(0.155, 0.17);
/// Part of the 5xx answered as 500; the rest are 503s from load shedding.
const INTERNAL_ERROR_PART: f64 = 0.55;
/// Load shedding answers 503 before doing any work, so those responses are fast.
const SHED_LATENCY: LogNormal = LogNormal::new(0.004, 0.5);
/// Validation failures return early.
const CLIENT_ERROR_SPEEDUP: f64 = 0.6;
/// Failed requests often went through retries or timeouts first.
const INTERNAL_ERROR_SLOWDOWN: f64 = 1.3;

struct RouteSpec {
    method: &'static str,
    route: &'static str,
    requests_per_sec: f64,
    success_status: &'static str,
    /// The client error the route produces (400 bad input, 404 missing resource) and its share.
    client_error: Option<(&'static str, f64)>,
    latency: LogNormal,
    /// Set only on routes the incident degrades (image and segmentation handling).
    incident_latency: Option<LogNormal>,
}

/// About 50 req/s in total, dominated by reads.
const ROUTES: [RouteSpec; 8] = [
    RouteSpec {
        method: "GET",
        route: "/api/projects",
        requests_per_sec: 12.0,
        success_status: "200",
        client_error: Some(("404", 0.01)),
        latency: LogNormal::new(0.03, 0.6),
        incident_latency: None,
    },
    RouteSpec {
        method: "POST",
        route: "/api/projects",
        requests_per_sec: 1.5,
        success_status: "201",
        client_error: Some(("400", 0.02)),
        latency: LogNormal::new(0.06, 0.5),
        incident_latency: None,
    },
    RouteSpec {
        method: "GET",
        route: "/api/images",
        requests_per_sec: 15.0,
        success_status: "200",
        client_error: Some(("404", 0.01)),
        latency: LogNormal::new(0.035, 0.7),
        incident_latency: Some(LogNormal::new(0.45, 0.6)),
    },
    RouteSpec {
        method: "POST",
        route: "/api/images",
        requests_per_sec: 3.0,
        success_status: "201",
        client_error: Some(("400", 0.015)),
        latency: LogNormal::new(0.1, 0.6),
        incident_latency: Some(LogNormal::new(0.7, 0.55)),
    },
    RouteSpec {
        method: "POST",
        route: "/api/segmentation",
        requests_per_sec: 2.0,
        success_status: "201",
        client_error: Some(("400", 0.015)),
        latency: LogNormal::new(0.09, 0.5),
        incident_latency: Some(LogNormal::new(0.8, 0.5)),
    },
    RouteSpec {
        method: "GET",
        route: "/api/segmentation",
        requests_per_sec: 6.0,
        success_status: "200",
        client_error: Some(("404", 0.01)),
        latency: LogNormal::new(0.035, 0.6),
        incident_latency: Some(LogNormal::new(0.4, 0.6)),
    },
    RouteSpec {
        method: "POST",
        route: "/api/auth/login",
        requests_per_sec: 2.5,
        success_status: "200",
        client_error: Some(("400", 0.04)),
        // Password hashing dominates, so login latency is high but tight.
        latency: LogNormal::new(0.08, 0.3),
        incident_latency: None,
    },
    RouteSpec {
        method: "GET",
        route: "/api/users/me",
        requests_per_sec: 8.0,
        success_status: "200",
        client_error: None,
        latency: LogNormal::new(0.012, 0.5),
        incident_latency: None,
    },
];

#[derive(Clone, Copy)]
enum Outcome {
    Success,
    ClientError,
    InternalError,
    Unavailable,
}

/// One `{method, route, status}` series.
struct StatusSeries {
    status: &'static str,
    outcome: Outcome,
    arrivals: Arrivals,
    durations: Histogram,
}

impl StatusSeries {
    fn new(status: &'static str, outcome: Outcome, rng: &mut SplitMix64) -> Self {
        Self {
            status,
            outcome,
            arrivals: Arrivals::new(rng),
            durations: Histogram::new(LATENCY_BUCKETS),
        }
    }
}

struct Route {
    spec: &'static RouteSpec,
    traffic: Level,
    slowness: Level,
    server_errors: Level,
    series: Vec<StatusSeries>,
}

impl Route {
    fn new(spec: &'static RouteSpec, rng: &mut SplitMix64) -> Self {
        let incident_errors = if spec.incident_latency.is_some() {
            DEGRADED_SERVER_ERRORS
        } else {
            HEALTHY_SERVER_ERRORS
        };
        let mut series = vec![StatusSeries::new(
            spec.success_status,
            Outcome::Success,
            rng,
        )];
        if let Some((status, _)) = spec.client_error {
            series.push(StatusSeries::new(status, Outcome::ClientError, rng));
        }
        series.push(StatusSeries::new("500", Outcome::InternalError, rng));
        series.push(StatusSeries::new("503", Outcome::Unavailable, rng));
        Self {
            spec,
            traffic: Level::steady(rng, TRAFFIC),
            slowness: Level::steady(rng, SLOWNESS),
            server_errors: Level::new(rng, HEALTHY_SERVER_ERRORS, incident_errors),
            series,
        }
    }

    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for level in [
            &mut self.traffic,
            &mut self.slowness,
            &mut self.server_errors,
        ] {
            level.step(dt_secs, rng);
        }
        let spec = self.spec;
        let rate = spec.requests_per_sec * self.traffic.value(scenario);
        let slowness = self.slowness.value(scenario);
        let server_error_share = self.server_errors.value(scenario);
        let client_error_share = spec.client_error.map_or(0.0, |(_, share)| share);
        let latency = match (scenario, spec.incident_latency) {
            (Scenario::Incident, Some(degraded)) => degraded,
            _ => spec.latency,
        };
        for series in &mut self.series {
            let share = match series.outcome {
                Outcome::Success => 1.0 - client_error_share - server_error_share,
                Outcome::ClientError => client_error_share,
                Outcome::InternalError => server_error_share * INTERNAL_ERROR_PART,
                Outcome::Unavailable => server_error_share * (1.0 - INTERNAL_ERROR_PART),
            };
            for _ in 0..series.arrivals.due(rate * share, dt_secs) {
                let duration = match series.outcome {
                    Outcome::Success => latency.sample(rng, slowness),
                    Outcome::ClientError => latency.sample(rng, slowness * CLIENT_ERROR_SPEEDUP),
                    Outcome::InternalError => {
                        latency.sample(rng, slowness * INTERNAL_ERROR_SLOWDOWN)
                    }
                    Outcome::Unavailable => SHED_LATENCY.sample(rng, 1.0),
                };
                series.durations.observe(duration);
            }
        }
    }
}

pub struct Api {
    routes: Vec<Route>,
}

impl Api {
    pub fn new(rng: &mut SplitMix64) -> Self {
        Self {
            routes: ROUTES.iter().map(|spec| Route::new(spec, rng)).collect(),
        }
    }
}

impl Subsystem for Api {
    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for route in &mut self.routes {
            route.step(dt_secs, scenario, rng);
        }
    }

    fn write_metrics(&self, _scenario: Scenario, out: &mut ExpositionWriter) {
        out.family(
            FAMILY,
            MetricKind::Histogram,
            "Latency of SpherosegV4 REST API requests by method, route and status.",
        );
        for route in &self.routes {
            for series in &route.series {
                let labels = [
                    ("method", route.spec.method),
                    ("route", route.spec.route),
                    ("status", series.status),
                ];
                out.histogram(FAMILY, &labels, &series.durations);
            }
        }
    }
}
