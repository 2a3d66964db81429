//! What the poller's tasks are (`Job`) and what they end with (`Outcome`). Their own file:
//! the poller and its helpers (`link`, `server`, `variables`) all speak them.

use crate::config::layout::QueryId;
use crate::event::DataEvent;
use crate::prom::PromError;
use tokio::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Job {
    Instant(QueryId),
    Range(QueryId),
    Alerts,
    Rules,
    Alertmanager,
    Probe,
}

/// A finished task: the probe's answer, or the event for the app and the job it ends
/// (range queries the app asked for are not jobs: the app dedups those itself), how
/// many series a burst answer left out and the server's warnings with it, and when its
/// first request left.
pub(super) enum Outcome {
    Probe(Result<(), PromError>),
    /// A job (of a refresh at `at`) that found the poller holding back once its turn
    /// came: not sent, and answered with why if there is one to say yet (no news for the
    /// connection state).
    Held {
        job: Job,
        at: f64,
        said: Option<DataEvent>,
    },
    Event {
        job: Option<Job>,
        event: DataEvent,
        omitted: usize,
        warnings: Vec<String>,
        sent: Instant,
    },
    /// Instant queries asked together: each one's outcome, as if asked alone.
    Together(Vec<Outcome>),
    /// Instant queries of a refresh at `at` asked together, refused for something one of
    /// them is (bad PromQL, a limit, an answer that cannot be split): to be asked alone.
    Refused {
        ids: Vec<QueryId>,
        at: f64,
    },
}

impl Outcome {
    pub(super) fn job(&self) -> Option<Job> {
        match self {
            Outcome::Probe(_) => Some(Job::Probe),
            Outcome::Held { job, .. } => Some(*job),
            Outcome::Event { job, .. } => *job,
            Outcome::Together(_) | Outcome::Refused { .. } => None,
        }
    }

    /// When its request left (a probe leaves while probing: it is always news).
    pub(super) fn sent(&self) -> Option<Instant> {
        match self {
            Outcome::Probe(_)
            | Outcome::Held { .. }
            | Outcome::Together(_)
            | Outcome::Refused { .. } => None,
            Outcome::Event { sent, .. } => Some(*sent),
        }
    }

    /// The Prometheus error it ended with, if any.
    pub(super) fn error(&self) -> Option<&PromError> {
        match self {
            Outcome::Probe(result) => result.as_ref().err(),
            Outcome::Held { .. } | Outcome::Together(_) | Outcome::Refused { .. } => None,
            Outcome::Event { event, .. } => prometheus_error(event),
        }
    }
}

/// The error of an answer from Prometheus (Alertmanager's say nothing about Prometheus).
/// The app's questions about the server and variables' options are asked of Prometheus
/// too: their timeouts are no answer.
fn prometheus_error(event: &DataEvent) -> Option<&PromError> {
    match event {
        DataEvent::Instant { result: Err(e), .. }
        | DataEvent::Range { result: Err(e), .. }
        | DataEvent::RangeAnswer { result: Err(e), .. }
        | DataEvent::Alerts { result: Err(e), .. }
        | DataEvent::Rules { result: Err(e), .. }
        | DataEvent::Server { result: Err(e), .. }
        | DataEvent::VariableOptions { result: Err(e), .. } => Some(e),
        _ => None,
    }
}
