//! Prometheus' HTTP API: its JSON types and a client for instant and range queries.

pub mod alertmanager;
pub(crate) mod alerts;
pub mod api;
pub(crate) mod auth;
pub(crate) mod batch;
pub(crate) mod client;
pub(crate) mod decode;
mod error;
mod options;
mod secrets;
pub mod silences;
pub mod status;
pub(crate) mod tls;
mod transport;

pub use alerts::{
    Alert, AlertSource, AlertState, RuleGroupStatus, RuleHealth, RuleKind, RuleStatus,
};
pub use api::{InstantAnswer, Sample, Series};
pub use auth::BasicAuth;
pub use batch::can_join;
pub use client::PromClient;
pub use error::PromError;
pub use options::{ClientOptions, ProxyPolicy};
pub use status::{
    BuildInfo, RuntimeInfo, SeriesList, ServerFacts, Target, TargetHealth, TsdbStatus, Window,
};
pub use tls::{INSECURE_NOTE, TlsOptions};
