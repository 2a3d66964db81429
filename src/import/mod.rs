//! Dashboards and SLOs of other tools turned into layouts, with a report of what could not
//! be kept.

pub mod grafana;
pub mod slo;
