//! PostgreSQL: write/read connection pools, query latency, read/write routing and replica lag.

use super::Subsystem;
use crate::sim::Scenario;
use crate::sim::counter::{Arrivals, Counter};
use crate::sim::exposition::{ExpositionWriter, MetricKind};
use crate::sim::histogram::Histogram;
use crate::sim::rng::{LogNormal, SplitMix64};
use crate::sim::wander::{Band, Level};

const POOL_FAMILY: &str = "db_pool_connections";
const LAG_FAMILY: &str = "db_replication_lag_seconds";
const QUERY_FAMILY: &str = "db_query_duration_seconds";
const SPLIT_FAMILY: &str = "db_read_write_split_total";
const QUERY_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Connections per pool.
const POOL_SIZE: f64 = 20.0;
const HEALTHY_LAG: Band = Band::new(0.03, 0.4);
/// The replica that falls behind during the incident.
const LAGGING_REPLICA: &str = "replica-2";
const INCIDENT_LAG: Band = Band::new(6.5, 14.0);
const REPLICAS: [&str; 3] = ["replica-1", LAGGING_REPLICA, "replica-3"];
const SLOWNESS: Band = Band::new(0.9, 1.1);

struct PoolSpec {
    name: &'static str,
    /// Share of the pool busy, per scenario.
    utilisation: (Band, Band),
    /// Requests queued for a connection, per scenario.
    waiting: (Band, Band),
    queries_per_sec: Band,
    latency: LogNormal,
    incident_latency: LogNormal,
}

const POOLS: [PoolSpec; 2] = [
    PoolSpec {
        name: "write",
        utilisation: (Band::new(0.32, 0.53), Band::new(0.86, 0.94)),
        waiting: (Band::new(0.0, 0.0), Band::new(2.0, 9.0)),
        queries_per_sec: Band::new(72.0, 88.0),
        latency: LogNormal::new(0.012, 0.8),
        incident_latency: LogNormal::new(0.016, 0.85),
    },
    PoolSpec {
        name: "read",
        utilisation: (Band::new(0.25, 0.5), Band::new(0.65, 0.85)),
        waiting: (Band::new(0.0, 0.0), Band::new(0.0, 2.4)),
        queries_per_sec: Band::new(280.0, 320.0),
        latency: LogNormal::new(0.008, 0.9),
        // Heavy image-metadata scans during the incident.
        incident_latency: LogNormal::new(0.07, 0.85),
    },
];

struct Pool {
    spec: &'static PoolSpec,
    utilisation: Level,
    waiting: Level,
    query_rate: Level,
    slowness: Level,
    arrivals: Arrivals,
    durations: Histogram,
    routed: Counter,
}

impl Pool {
    fn new(spec: &'static PoolSpec, rng: &mut SplitMix64) -> Self {
        Self {
            spec,
            utilisation: Level::new(rng, spec.utilisation.0, spec.utilisation.1),
            waiting: Level::new(rng, spec.waiting.0, spec.waiting.1),
            query_rate: Level::steady(rng, spec.queries_per_sec),
            slowness: Level::steady(rng, SLOWNESS),
            arrivals: Arrivals::new(rng),
            durations: Histogram::new(QUERY_BUCKETS),
            routed: Counter::default(),
        }
    }

    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for level in [
            &mut self.utilisation,
            &mut self.waiting,
            &mut self.query_rate,
            &mut self.slowness,
        ] {
            level.step(dt_secs, rng);
        }
        let latency = match scenario {
            Scenario::Normal => self.spec.latency,
            Scenario::Incident => self.spec.incident_latency,
        };
        let slowness = self.slowness.value(scenario);
        let queries = self.arrivals.due(self.query_rate.value(scenario), dt_secs);
        for _ in 0..queries {
            self.durations.observe(latency.sample(rng, slowness));
        }
        self.routed.add(queries as f64);
    }
}

pub struct Database {
    pools: Vec<Pool>,
    replica_lags: Vec<(&'static str, Level)>,
}

impl Database {
    pub fn new(rng: &mut SplitMix64) -> Self {
        let replica_lags = REPLICAS
            .iter()
            .map(|&replica| {
                let incident = if replica == LAGGING_REPLICA {
                    INCIDENT_LAG
                } else {
                    HEALTHY_LAG
                };
                (replica, Level::new(rng, HEALTHY_LAG, incident))
            })
            .collect();
        Self {
            pools: POOLS.iter().map(|spec| Pool::new(spec, rng)).collect(),
            replica_lags,
        }
    }
}

impl Subsystem for Database {
    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for pool in &mut self.pools {
            pool.step(dt_secs, scenario, rng);
        }
        for (_, lag) in &mut self.replica_lags {
            lag.step(dt_secs, rng);
        }
    }

    fn write_metrics(&self, scenario: Scenario, out: &mut ExpositionWriter) {
        out.family(
            POOL_FAMILY,
            MetricKind::Gauge,
            "Database pool connections by pool and state (20 per pool).",
        );
        for pool in &self.pools {
            let active = (POOL_SIZE * pool.utilisation.value(scenario)).round();
            let waiting = pool.waiting.value(scenario).round();
            for (state, value) in [
                ("active", active),
                ("idle", POOL_SIZE - active),
                ("waiting", waiting),
            ] {
                out.sample(
                    POOL_FAMILY,
                    &[("pool", pool.spec.name), ("state", state)],
                    value,
                );
            }
        }

        out.family(
            LAG_FAMILY,
            MetricKind::Gauge,
            "Replication lag of each read replica behind the primary.",
        );
        for (replica, lag) in &self.replica_lags {
            out.sample(LAG_FAMILY, &[("replica", replica)], lag.value(scenario));
        }

        out.family(
            QUERY_FAMILY,
            MetricKind::Histogram,
            "Database query latency by pool.",
        );
        for pool in &self.pools {
            out.histogram(QUERY_FAMILY, &[("pool", pool.spec.name)], &pool.durations);
        }

        out.family(
            SPLIT_FAMILY,
            MetricKind::Counter,
            "Queries routed to the read replicas or the write primary.",
        );
        for pool in &self.pools {
            out.sample(
                SPLIT_FAMILY,
                &[("pool", pool.spec.name)],
                pool.routed.value(),
            );
        }
    }
}
