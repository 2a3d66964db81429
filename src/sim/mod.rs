//! `spheroseg-sim`: a simulated SpherosegV4 metrics exporter.
//!
//! Serves every metric the dashboard queries, with values that move like a real deployment's,
//! in a `normal` or an `incident` scenario that can be switched at runtime.

mod counter;
mod exposition;
mod histogram;
mod http;
mod live;
mod model;
mod rng;
mod routes;
mod server;
#[cfg(test)]
mod testing;
mod wander;

use std::fmt;
use std::str::FromStr;

pub use server::{SimHandle, spawn};

/// What the simulated deployment is going through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Healthy traffic: everything within its usual range.
    Normal,
    /// Image and segmentation handling degrade: slow API, 5xx spike, replica-2 lag, ML backlog.
    Incident,
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim();
        if name.eq_ignore_ascii_case("normal") {
            Ok(Self::Normal)
        } else if name.eq_ignore_ascii_case("incident") {
            Ok(Self::Incident)
        } else {
            Err(format!(
                "unknown scenario {name:?}: expected \"normal\" or \"incident\""
            ))
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Normal => "normal",
            Self::Incident => "incident",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_round_trips_through_text() {
        for scenario in [Scenario::Normal, Scenario::Incident] {
            assert_eq!(scenario.to_string().parse::<Scenario>(), Ok(scenario));
        }
        assert_eq!(" incident\n".parse::<Scenario>(), Ok(Scenario::Incident));
        assert!(
            "panic"
                .parse::<Scenario>()
                .unwrap_err()
                .contains("expected")
        );
    }
}
