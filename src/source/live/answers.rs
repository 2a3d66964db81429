//! What a finished job changes in the poller and says in the log: its job is no longer
//! in flight, the plan learns whether it had data and the rules' pace, failures and slow
//! queries are logged once; and what the app then hears, in the order it draws it. An
//! answer of the server asked before an HA switch is data only.

use super::Poller;
use super::job::{Job, Outcome};
use crate::config::layout::QueryId;
use crate::event::DataEvent;
use crate::prom::PromError;
use std::time::Duration;

/// Queries slower than this are logged.
const SLOW_QUERY: Duration = Duration::from_secs(1);

impl Poller {
    /// An answer of the server asked before a switch: its data is as good as any (the
    /// group's servers scrape the same targets), its failures are the old server's.
    pub(super) async fn on_earlier_server(&mut self, outcome: Outcome) -> Result<(), ()> {
        if let Outcome::Together(outcomes) = outcome {
            for outcome in outcomes {
                Box::pin(self.on_earlier_server(outcome)).await?;
            }
            return Ok(());
        }
        let replaced = outcome
            .job()
            .is_some_and(|job| self.superseded.remove(&job));
        if replaced || outcome.error().is_some() {
            return Ok(());
        }
        if let Outcome::Event {
            event,
            omitted,
            warnings,
            ..
        } = outcome
        {
            for event in with_notes(event, omitted, warnings) {
                self.send(event).await?;
            }
        }
        Ok(())
    }

    /// Bookkeeping and logging for a finished job; returns what the app must hear.
    pub(super) fn finish(&mut self, outcome: Outcome) -> Vec<DataEvent> {
        let (job, event, omitted, warnings) = match outcome {
            Outcome::Probe(_) => {
                self.in_flight.remove(&Job::Probe);
                return Vec::new();
            }
            // Its panel says why; the log and the status bar already did.
            Outcome::Held { job, at, said } => {
                self.in_flight.remove(&job);
                if self.superseded.remove(&job) {
                    return Vec::new();
                }
                if said.is_none() {
                    self.deferred.push((job, at));
                }
                return said.into_iter().collect();
            }
            // Taken apart before they get here (`on_finished`).
            Outcome::Together(_) | Outcome::Refused { .. } => return Vec::new(),
            Outcome::Event {
                job,
                event,
                omitted,
                warnings,
                ..
            } => (job, event, omitted, warnings),
        };
        if let Some(job) = job {
            self.in_flight.remove(&job);
            if self.superseded.remove(&job) {
                return Vec::new();
            }
        }
        self.note(&event);
        with_notes(event, omitted, warnings)
    }

    /// Logs what an answer says (failures, slow queries), tells the plan whether it had
    /// data, and learns the rules' pace.
    fn note(&mut self, event: &DataEvent) {
        match event {
            DataEvent::Instant {
                id,
                result,
                latency,
                ..
            } => {
                let with_data = result.as_ref().is_ok_and(|samples| !samples.is_empty());
                self.plan.answered(*id, with_data);
                self.log_result(*id, result.as_ref().err(), *latency);
            }
            DataEvent::Range {
                id,
                result,
                latency,
            } => self.log_result(*id, result.as_ref().err(), *latency),
            DataEvent::RangeAnswer {
                request,
                result,
                latency,
            } => match result {
                Err(e) if !e.is_connection() => {
                    log::error!("range query failed: {e}\n  PromQL: {}", request.expr);
                }
                _ if *latency > SLOW_QUERY => log::warn!(
                    "slow range query ({} ms, step {}s): {}",
                    latency.as_millis(),
                    request.step,
                    request.expr
                ),
                _ => {}
            },
            DataEvent::Alertmanager { result: Err(e), .. } => log::warn!("Alertmanager: {e}"),
            DataEvent::Rules {
                result: Ok(groups), ..
            } => {
                // Evaluation intervals come from the server: a nonsense one is ignored.
                let fastest = groups
                    .iter()
                    .filter_map(|g| Duration::try_from_secs_f64(g.interval).ok())
                    .filter(|interval| !interval.is_zero())
                    .min();
                if let Some(interval) = fastest {
                    self.plan.evaluated_every(interval);
                }
            }
            _ => {}
        }
    }

    fn log_result(&mut self, id: QueryId, error: Option<&PromError>, latency: Duration) {
        let expr = &self.config.queries[id].expr;
        match error {
            // Connection loss is reported once, by the connection state.
            Some(e) if e.is_connection() => {}
            Some(e) => {
                let message = e.to_string();
                if self.failing.get(&id) != Some(&message) {
                    log::error!("query failed: {message}\n  PromQL: {expr}");
                    self.failing.insert(id, message);
                }
            }
            None => {
                if self.failing.remove(&id).is_some() {
                    log::info!("query recovered: {expr}");
                }
                if latency > SLOW_QUERY {
                    log::warn!("slow query ({} ms): {expr}", latency.as_millis());
                } else {
                    log::trace!("{} ms: {expr}", latency.as_millis());
                }
            }
        }
    }
}

/// An instant answer with what goes first, drawn with it: how many series it left out
/// and the server's warnings.
fn with_notes(event: DataEvent, omitted: usize, warnings: Vec<String>) -> Vec<DataEvent> {
    let cut = match (&event, omitted) {
        (DataEvent::Instant { id, at, .. }, count) if count > 0 => Some(DataEvent::SeriesOmitted {
            id: *id,
            at: *at,
            count,
        }),
        _ => None,
    };
    let partial = match &event {
        DataEvent::Instant { id, at, .. } if !warnings.is_empty() => Some(DataEvent::Warnings {
            id: *id,
            at: *at,
            warnings,
        }),
        _ => None,
    };
    // The count and the warnings go first: the answer they belong to is drawn with them.
    cut.into_iter()
        .chain(partial)
        .chain(std::iter::once(event))
        .collect()
}
