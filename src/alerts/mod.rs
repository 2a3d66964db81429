//! Alerting: Prometheus rule files, their local evaluation with Prometheus' semantics, the
//! shared alert and rule-state types (also what `/api/v1/alerts` and `/api/v1/rules`
//! parse into), and a check that KPI thresholds agree with the rules.
//!
//! - [`rules`]: rule files → typed rules, errors with file, line and column;
//! - [`eval`]: the pure alert state machine fed with instant query results;
//! - [`template`] and [`gofmt`]: annotations expanded like Prometheus' Go templates;
//! - [`model`]: `Alert`, `RuleStatus`, … shared by local and server alerts;
//! - [`consistency`] and [`promql`]: KPI/rule threshold mismatches, metric names.

pub mod board;
pub mod consistency;
pub mod duration;
pub mod error;
pub mod eval;
pub mod gofmt;
pub mod promql;
pub mod rules;
pub mod template;
pub mod timeline;

pub use consistency::{KpiWatch, Mismatch, mismatches};
pub use error::{RuleFileError, RuleFileProblem};
pub use eval::{Evaluator, ResolvedAlert};
pub use promql::{CmpOp, metric_names};
pub use rules::{AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup, load_all};
