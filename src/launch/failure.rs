//! How a run fails: bad input (exit 2) or anything else (exit 1). Its own file: the
//! subcommands raise these, and `launch/mod.rs` (which calls them) reports them.

use crate::alerts::RuleFileError;
use crate::app::restore::RestoreError;
use crate::config::ConfigError;
use crate::config::profile::ProfileError;
use crate::session::FormatError;

/// Bad input found while starting (a flag's file, a URL, where to record): the run stops
/// before the terminal is touched, with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// A failed run: what to print and the exit code (2 for bad input, 1 otherwise).
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        let code = if error.downcast_ref::<ConfigError>().is_some()
            || error.downcast_ref::<RuleFileError>().is_some()
            || error.downcast_ref::<FormatError>().is_some()
            || error.downcast_ref::<RestoreError>().is_some()
            || error.downcast_ref::<crate::report::ReportError>().is_some()
            || error.downcast_ref::<InvalidInput>().is_some()
            || error.downcast_ref::<ProfileError>().is_some()
        {
            2
        } else {
            1
        };
        Self { code, error }
    }
}
