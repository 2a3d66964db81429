//! Real-time updates over WebSocket: connections, message and batch throughput, compression savings.

use super::Subsystem;
use crate::sim::Scenario;
use crate::sim::counter::Counter;
use crate::sim::exposition::{ExpositionWriter, MetricKind};
use crate::sim::rng::SplitMix64;
use crate::sim::wander::{Band, Level};

pub struct WebSocket {
    connections: Level,
    batching_share: Level,
    message_rate: Level,
    batch_rate: Level,
    compression_savings_rate: Level,
    messages: Counter,
    batches: Counter,
    compression_savings: Counter,
}

impl WebSocket {
    pub fn new(rng: &mut SplitMix64) -> Self {
        Self {
            // Clients reconnecting in a loop inflate the count during the incident.
            connections: Level::new(rng, Band::new(380.0, 620.0), Band::new(680.0, 880.0)),
            batching_share: Level::steady(rng, Band::new(0.77, 0.83)),
            message_rate: Level::new(rng, Band::new(720.0, 880.0), Band::new(850.0, 1000.0)),
            batch_rate: Level::steady(rng, Band::new(105.0, 135.0)),
            compression_savings_rate: Level::steady(rng, Band::new(160_000.0, 240_000.0)),
            messages: Counter::default(),
            batches: Counter::default(),
            compression_savings: Counter::default(),
        }
    }
}

impl Subsystem for WebSocket {
    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for level in [
            &mut self.connections,
            &mut self.batching_share,
            &mut self.message_rate,
            &mut self.batch_rate,
            &mut self.compression_savings_rate,
        ] {
            level.step(dt_secs, rng);
        }
        self.messages
            .accumulate(self.message_rate.value(scenario), dt_secs);
        self.batches
            .accumulate(self.batch_rate.value(scenario), dt_secs);
        self.compression_savings
            .accumulate(self.compression_savings_rate.value(scenario), dt_secs);
    }

    fn write_metrics(&self, scenario: Scenario, out: &mut ExpositionWriter) {
        let total = self.connections.value(scenario).round();
        let batching = (total * self.batching_share.value(scenario)).round();
        out.family(
            "websocket_active_connections",
            MetricKind::Gauge,
            "Open WebSocket connections, split by whether the client supports message batching.",
        );
        out.sample(
            "websocket_active_connections",
            &[("supports_batching", "true")],
            batching,
        );
        out.sample(
            "websocket_active_connections",
            &[("supports_batching", "false")],
            total - batching,
        );

        let counters = [
            (
                "websocket_messages_total",
                "WebSocket messages sent to clients.",
                &self.messages,
            ),
            (
                "websocket_batches_sent_total",
                "Batched WebSocket frames sent to clients.",
                &self.batches,
            ),
            (
                "websocket_compression_savings_bytes",
                "Bytes saved by WebSocket message compression.",
                &self.compression_savings,
            ),
        ];
        for (name, help, counter) in counters {
            out.family(name, MetricKind::Counter, help);
            out.sample(name, &[], counter.value());
        }
    }
}
