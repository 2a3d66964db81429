//! CDN in front of the frontend and image assets: cache hits, misses, latency and bandwidth saved.

use super::Subsystem;
use crate::sim::Scenario;
use crate::sim::counter::{Arrivals, Counter};
use crate::sim::exposition::{ExpositionWriter, MetricKind};
use crate::sim::histogram::Histogram;
use crate::sim::rng::{LogNormal, SplitMix64};
use crate::sim::wander::{Band, Level};

const HITS_FAMILY: &str = "cdn_cache_hits_total";
const MISSES_FAMILY: &str = "cdn_cache_misses_total";
const SAVED_FAMILY: &str = "cdn_bandwidth_saved_bytes";
const RESPONSE_FAMILY: &str = "cdn_response_time_seconds";
const RESPONSE_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Edge hits are served from memory; misses go back to the origin.
const HIT_LATENCY: LogNormal = LogNormal::new(0.006, 0.5);
const MISS_LATENCY: LogNormal = LogNormal::new(0.09, 0.5);
const HIT_RATIO: Band = Band::new(0.905, 0.945);
const SAVED_BYTES_PER_SEC: Band = Band::new(3.2e6, 5.8e6);
/// `(asset_type, requests per second)`.
const ASSETS: [(&str, Band); 3] = [
    ("image", Band::new(40.0, 50.0)),
    ("script", Band::new(10.0, 14.0)),
    ("style", Band::new(7.0, 9.0)),
];

struct AssetTraffic {
    asset_type: &'static str,
    request_rate: Level,
    hit_ratio: Level,
    hit_arrivals: Arrivals,
    miss_arrivals: Arrivals,
    hits: Counter,
    misses: Counter,
}

pub struct Cdn {
    assets: Vec<AssetTraffic>,
    saved_rate: Level,
    saved: Counter,
    hit_latency: Histogram,
    miss_latency: Histogram,
}

impl Cdn {
    pub fn new(rng: &mut SplitMix64) -> Self {
        let assets = ASSETS
            .iter()
            .map(|&(asset_type, rate)| AssetTraffic {
                asset_type,
                request_rate: Level::steady(rng, rate),
                hit_ratio: Level::steady(rng, HIT_RATIO),
                hit_arrivals: Arrivals::new(rng),
                miss_arrivals: Arrivals::new(rng),
                hits: Counter::default(),
                misses: Counter::default(),
            })
            .collect();
        Self {
            assets,
            saved_rate: Level::steady(rng, SAVED_BYTES_PER_SEC),
            saved: Counter::default(),
            hit_latency: Histogram::new(RESPONSE_BUCKETS),
            miss_latency: Histogram::new(RESPONSE_BUCKETS),
        }
    }
}

impl Subsystem for Cdn {
    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for asset in &mut self.assets {
            asset.request_rate.step(dt_secs, rng);
            asset.hit_ratio.step(dt_secs, rng);
            let rate = asset.request_rate.value(scenario);
            let hit_ratio = asset.hit_ratio.value(scenario);
            let hits = asset.hit_arrivals.due(rate * hit_ratio, dt_secs);
            let misses = asset.miss_arrivals.due(rate * (1.0 - hit_ratio), dt_secs);
            asset.hits.add(hits as f64);
            asset.misses.add(misses as f64);
            for _ in 0..hits {
                self.hit_latency.observe(HIT_LATENCY.sample(rng, 1.0));
            }
            for _ in 0..misses {
                self.miss_latency.observe(MISS_LATENCY.sample(rng, 1.0));
            }
        }
        self.saved_rate.step(dt_secs, rng);
        self.saved
            .accumulate(self.saved_rate.value(scenario), dt_secs);
    }

    fn write_metrics(&self, _scenario: Scenario, out: &mut ExpositionWriter) {
        out.family(
            HITS_FAMILY,
            MetricKind::Counter,
            "CDN requests served from the edge cache, by asset type.",
        );
        for asset in &self.assets {
            out.sample(
                HITS_FAMILY,
                &[("asset_type", asset.asset_type)],
                asset.hits.value(),
            );
        }
        out.family(
            MISSES_FAMILY,
            MetricKind::Counter,
            "CDN requests forwarded to the origin, by asset type.",
        );
        for asset in &self.assets {
            out.sample(
                MISSES_FAMILY,
                &[("asset_type", asset.asset_type)],
                asset.misses.value(),
            );
        }
        out.family(
            SAVED_FAMILY,
            MetricKind::Counter,
            "Origin bandwidth saved by CDN cache hits.",
        );
        out.sample(SAVED_FAMILY, &[], self.saved.value());
        out.family(
            RESPONSE_FAMILY,
            MetricKind::Histogram,
            "CDN response time by cache status.",
        );
        out.histogram(
            RESPONSE_FAMILY,
            &[("cache_status", "hit")],
            &self.hit_latency,
        );
        out.histogram(
            RESPONSE_FAMILY,
            &[("cache_status", "miss")],
            &self.miss_latency,
        );
    }
}
