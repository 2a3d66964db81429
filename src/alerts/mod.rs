//! Alerting: Prometheus rule files, their local evaluation with Prometheus' semantics, what
//! is paging now and how alerts lived over time, and a check that KPI thresholds agree
//! with the rules. (The alert and rule-state types are Prometheus' own: [`crate::prom`].)
//!
//! - [`rules`]: rule files → typed rules, errors with file, line and column;
//! - [`eval`]: the pure alert state machine fed with instant query results;
//! - [`board`]: what is paging now, the server's alerts and the local rules' together;
//! - [`timeline`]: every alert instance's life, read by live, replay and report;
//! - [`template`] and [`gofmt`]: annotations expanded like Prometheus' Go templates;
//! - [`consistency`] and [`promql`]: KPI/rule threshold mismatches, metric names.

pub(crate) mod board;
pub(crate) mod consistency;
pub(crate) mod duration;
pub(crate) mod error;
pub(crate) mod eval;
pub mod gofmt;
pub(crate) mod promql;
pub(crate) mod rules;
pub(crate) mod selectors;
pub(crate) mod slo_rules;
pub(crate) mod template;
pub(crate) mod timeline;

pub use consistency::{KpiWatch, Mismatch, mismatches};
pub use error::RuleFileError;
pub use eval::Evaluator;
pub use promql::metric_names;
pub use rules::{AlertingRule, RecordingRule, Rule, RuleFile, load_all};
