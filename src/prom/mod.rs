//! Prometheus' HTTP API: its JSON types and a client for instant and range queries.

pub mod api;
pub mod client;

pub use api::{PromError, Sample, Series};
pub use client::{ClientOptions, PromClient};
