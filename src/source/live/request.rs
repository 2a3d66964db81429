//! One job's request as its task runs it: it waits for a permit, stays back while the
//! poller holds back, asks, and ends with what came back.

use super::job::{Job, Outcome};
use super::link::Hold;
use crate::clock::unix_now;
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
        let held = match self.job {
            Job::Probe | Job::Alertmanager => None,
            _ => self.hold.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }?;
        let said = match held {
            Hold::Said(error) => Some(held_event(self.job, self.at, error)),
            Hold::Quiet => None,
        };
        Some(Outcome::Held {
            job: self.job,
            at: self.at,
            said,
        })
    }
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
