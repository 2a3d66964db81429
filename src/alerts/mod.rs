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

pub mod board;
pub mod consistency;
pub mod duration;
pub mod error;
pub mod eval;
pub mod gofmt;
pub mod promql;
pub mod rules;
pub mod selectors;
pub mod slo_rules;
pub mod template;
pub mod timeline;

pub use consistency::{KpiWatch, Mismatch, mismatches};
pub use error::{RuleFileError, RuleFileProblem};
pub use eval::{Evaluator, ResolvedAlert};
pub use promql::{CmpOp, metric_names};
pub use rules::{AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup, load_all};
