//! Prometheus' HTTP API: its JSON types and a client for instant and range queries.

pub mod alertmanager;
pub mod alerts;
pub mod api;
pub mod client;
pub mod decode;
mod transport;

pub use alerts::{
    Alert, AlertSource, AlertState, RuleGroupStatus, RuleHealth, RuleKind, RuleStatus,
};
pub use api::{InstantAnswer, PromError, Sample, Series};
pub use client::{ClientError, ClientOptions, PromClient, ProxyPolicy};
