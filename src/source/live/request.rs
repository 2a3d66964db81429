//! One job's request as its task runs it: it waits for a permit, stays back while the
//! poller holds back, asks, and ends with what came back.

use super::job::{Job, Outcome};
use super::link::Hold;
use crate::clock::unix_now;
use crate::config::layout::QueryId;
use crate::event::DataEvent;
use crate::prom::{PromClient, PromError};
use crate::store::POINTS_PER_SERIES;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Everything a job's task needs, taken from the poller when it starts.
pub(super) struct Request {
    pub job: Job,
    /// When the refresh that started it began.
    pub at: f64,
    /// The PromQL of a query job or of a query probe; empty for the others.
    pub expr: String,
    /// A range job's history window.
    pub window: Duration,
    pub refresh: Duration,
    pub client: PromClient,
    pub alertmanager: Option<PromClient>,
    /// Why the poller holds back, while it does.
    pub hold: Arc<Mutex<Option<Hold>>>,
}

impl Request {
    pub(super) async fn run(self, semaphore: Arc<Semaphore>) -> Outcome {
        // Waiting for a permit is not part of a query's latency or timeout.
        let _permit = semaphore.acquire_owned().await.ok();
        if let Some(held) = self.held() {
            return held;
        }
        let (job, at, client) = (self.job, self.at, &self.client);
        let started = Instant::now();
        let mut omitted = 0;
        let mut warnings = Vec::new();
        let event = match job {
            Job::Instant(id) => {
                let result = client.instant(&self.expr, at).await.map(|answer| {
                    omitted = answer.omitted;
                    warnings = answer.warnings;
                    answer.samples
                });
                DataEvent::Instant {
                    id,
                    at,
                    result,
                    latency: started.elapsed(),
                }
            }
            Job::Range(id) => {
                let window = self.window.as_secs_f64();
                // As many points as the store keeps, never finer than the refresh.
                let step = (window / POINTS_PER_SERIES as f64)
                    .max(self.refresh.as_secs_f64())
                    .max(0.001);
                let result = client.range(&self.expr, at - window, at, step).await;
                DataEvent::Range {
                    id,
                    result,
                    latency: started.elapsed(),
                }
            }
            Job::Alerts => DataEvent::Alerts {
                at,
                result: client.alerts().await,
            },
            Job::Rules => DataEvent::Rules {
                at,
                result: client.rules().await,
            },
            Job::Alertmanager => DataEvent::Alertmanager {
                at,
                result: match &self.alertmanager {
                    Some(am) => am.alertmanager().await,
                    None => Err(PromError::Unreachable("no Alertmanager configured".into())),
                },
            },
            Job::Probe if self.expr.is_empty() => return Outcome::Probe(client.ping().await),
            Job::Probe => {
                let answer = client.instant(&self.expr, unix_now()).await;
                return Outcome::Probe(answer.map(|_| ()));
            }
        };
        Outcome::Event {
            job: Some(job),
            event,
            omitted,
            warnings,
            sent: started,
        }
    }

    /// The job not sent because the poller holds back, told why if there is a reason yet.
    fn held(&self) -> Option<Outcome> {
        // The probe is how holding back ends; Alertmanager is another server.
        match self.job {
            Job::Probe | Job::Alertmanager => None,
            _ => held(&self.hold, self.job, self.at),
        }
    }
}

/// How long a batch may take before its queries are asked alone: its queries were fast
/// (a batch is expected within a quarter of this), so one of them has turned slow or hung,
/// and it must not keep the others' answers waiting for a whole timeout.
const PATIENCE: Duration = Duration::from_secs(1);

/// Instant queries of one refresh asked in one request ([`crate::prom::batch`]).
pub(super) struct Together {
    pub ids: Vec<QueryId>,
    pub exprs: Vec<String>,
    pub at: f64,
    pub client: PromClient,
    pub hold: Arc<Mutex<Option<Hold>>>,
}

impl Together {
    /// Each query's outcome, as if asked alone; or refused, to be asked alone, when what
    /// failed may be one query's doing rather than the server's.
    pub(super) async fn run(self, semaphore: Arc<Semaphore>) -> Outcome {
        let _permit = semaphore.acquire_owned().await.ok();
        let held: Vec<Outcome> = (self.ids.iter())
            .filter_map(|id| held(&self.hold, Job::Instant(*id), self.at))
            .collect();
        if !held.is_empty() {
            return Outcome::Together(held);
        }
        let started = Instant::now();
        let asked = self.client.instant_batch(&self.exprs, self.at);
        let Ok(answers) = tokio::time::timeout(PATIENCE, asked).await else {
            log::debug!("{} queries asked together were slow", self.ids.len());
            return Outcome::Refused {
                ids: self.ids,
                at: self.at,
            };
        };
        let latency = started.elapsed();
        let results: Vec<Result<_, PromError>> = match answers {
            Ok(answers) => answers.into_iter().map(Ok).collect(),
            Err(e) if is_everyones(&e) => vec![Err(e); self.ids.len()],
            Err(e) => {
                log::debug!("{} queries asked alone: {e}", self.ids.len());
                return Outcome::Refused {
                    ids: self.ids,
                    at: self.at,
                };
            }
        };
        let outcomes = self
            .ids
            .iter()
            .zip(results)
            .map(|(id, result)| Outcome::Event {
                job: Some(Job::Instant(*id)),
                event: DataEvent::Instant {
                    id: *id,
                    at: self.at,
                    result,
                    latency,
                },
                omitted: 0,
                warnings: Vec::new(),
                sent: started,
            });
        Outcome::Together(outcomes.collect())
    }
}

/// True when a batch's failure is the server's, the same for each of its queries: no
/// connection, refused credentials, or a request to slow down (which asking each query
/// alone would defy). A timeout, a server error or a refused query may be one query's
/// doing.
fn is_everyones(error: &PromError) -> bool {
    error.is_connection()
        || error.is_refusal()
        || matches!(
            error,
            PromError::Throttled { .. } | PromError::Http { status: 429, .. }
        )
}

/// `job` (of the refresh at `at`) not sent because the poller holds back, told why if
/// there is a reason yet; `None` when it does not hold back.
fn held(hold: &Mutex<Option<Hold>>, job: Job, at: f64) -> Option<Outcome> {
    let held = hold.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
    let said = match held {
        Hold::Said(error) => Some(held_event(job, at, error)),
        Hold::Quiet => None,
    };
    Some(Outcome::Held { job, at, said })
}

/// The answer a held `job` gets: the reason the poller holds back.
pub(super) fn held_event(job: Job, at: f64, error: PromError) -> DataEvent {
    match job {
        Job::Instant(id) => DataEvent::Instant {
            id,
            at,
            result: Err(error),
            latency: Duration::ZERO,
        },
        Job::Range(id) => DataEvent::Range {
            id,
            result: Err(error),
            latency: Duration::ZERO,
        },
        Job::Rules => DataEvent::Rules {
            at,
            result: Err(error),
        },
        Job::Alerts | Job::Alertmanager | Job::Probe => DataEvent::Alerts {
            at,
            result: Err(error),
        },
    }
}
