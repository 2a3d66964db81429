//! Schedules the layout's queries against Prometheus: every refresh each distinct query is
//! sent once, at most `concurrency` at a time; a query still running is not sent again, so
//! a slow one delays nothing else. History queries are backfilled with `query_range` at
//! start and after every gap. When Prometheus is unreachable, only a cheap probe is sent,
//! with exponential backoff, until it answers.

use crate::clock::unix_now;
use crate::config::duration::short;
use crate::config::layout::{QueryDef, QueryId};
use crate::event::{Connection, DataEvent, RangeRequest, SourceCommand};
use crate::prom::{PromClient, PromError};
use crate::store::POINTS_PER_SERIES;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

/// How many Prometheus requests may run at once, unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Longest wait between probes of an unreachable Prometheus.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Queries slower than this are logged.
const SLOW_QUERY: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct PollerConfig {
    pub queries: Vec<QueryDef>,
    pub refresh: Duration,
    pub concurrency: usize,
    /// A client for Alertmanager's API, when `--alertmanager` is given.
    pub alertmanager: Option<PromClient>,
}

/// Starts the poller; it stops when the event receiver is dropped.
pub fn spawn(
    client: PromClient,
    config: PollerConfig,
    events: mpsc::Sender<DataEvent>,
) -> mpsc::Sender<SourceCommand> {
    let (commands, command_rx) = mpsc::channel(64);
    let poller = Poller {
        semaphore: Arc::new(Semaphore::new(config.concurrency.max(1))),
        client,
        config,
        events,
        in_flight: HashSet::new(),
        failing: HashMap::new(),
    };
    tokio::spawn(poller.run(command_rx));
    commands
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Job {
    Instant(QueryId),
    Range(QueryId),
    Alerts,
    Rules,
    Alertmanager,
    Probe,
}

/// A finished task: the probe's answer, or the event for the app and the job it ends
/// (range queries the app asked for are not jobs: the app dedups those itself).
enum Outcome {
    Probe(Result<(), PromError>),
    Event { job: Option<Job>, event: DataEvent },
}

/// The error of an answer from Prometheus (Alertmanager's say nothing about Prometheus).
fn prometheus_error(event: &DataEvent) -> Option<&PromError> {
    match event {
        DataEvent::Instant { result: Err(e), .. }
        | DataEvent::Range { result: Err(e), .. }
        | DataEvent::RangeAnswer { result: Err(e), .. }
        | DataEvent::Alerts { result: Err(e), .. }
        | DataEvent::Rules { result: Err(e), .. } => Some(e),
        _ => None,
    }
}

/// The connection state and the backoff that goes with it.
struct Link {
    connection: Connection,
    backoff: Duration,
}

impl Link {
    fn is_down(&self) -> bool {
        matches!(self.connection, Connection::Unreachable { .. })
    }

    /// Updates the state from a finished job; returns the new state when it changed
    /// (a failed probe counts as a change: it carries the next retry delay).
    fn observe(&mut self, outcome: &Outcome, url: &str) -> Option<Connection> {
        let lost = match outcome {
            Outcome::Probe(Err(e)) => Some(e.to_string()),
            Outcome::Probe(Ok(())) => None,
            Outcome::Event { event, .. } => prometheus_error(event)
                .filter(|e| e.is_connection())
                .map(ToString::to_string),
        };
        match lost {
            // Queries already under way when the link went down fail too; they say nothing new.
            Some(_) if self.is_down() && !matches!(outcome, Outcome::Probe(_)) => None,
            Some(error) => {
                if !self.is_down() {
                    log::warn!("Prometheus {error}; retrying with backoff");
                }
                self.backoff = (self.backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
                self.connection = Connection::Unreachable {
                    error,
                    retry_in: self.backoff,
                };
                Some(self.connection.clone())
            }
            None if self.connection == Connection::Connected => None,
            None => {
                match self.connection {
                    Connection::Unreachable { .. } => log::info!("reconnected to {url}"),
                    _ => log::info!("connected to {url}"),
                }
                self.connection = Connection::Connected;
                self.backoff = Duration::ZERO;
                Some(Connection::Connected)
            }
        }
    }
}

struct Poller {
    client: PromClient,
    config: PollerConfig,
    events: mpsc::Sender<DataEvent>,
    semaphore: Arc<Semaphore>,
    in_flight: HashSet<Job>,
    /// The error each failing query last reported, so the log says it once, not every cycle.
    failing: HashMap<QueryId, String>,
}

impl Poller {
    async fn run(mut self, mut commands: mpsc::Receiver<SourceCommand>) {
        let mut tasks: JoinSet<Outcome> = JoinSet::new();
        let mut link = Link {
            connection: Connection::Connecting,
            backoff: Duration::ZERO,
        };
        let mut next_cycle = Instant::now();
        let mut needs_backfill = true;
        let mut paused = false;
        log::info!(
            "polling {} distinct queries every {} from {}",
            self.config.queries.len(),
            short(self.config.refresh),
            self.client.display_url()
        );

        loop {
            tokio::select! {
                () = sleep_until(next_cycle), if !paused => {
                    if link.is_down() {
                        self.start(&mut tasks, Job::Probe, 0.0);
                        next_cycle = Instant::now() + link.backoff;
                        continue;
                    }
                    let at = unix_now();
                    if std::mem::take(&mut needs_backfill) {
                        for id in self.history_queries() {
                            self.start(&mut tasks, Job::Range(id), at);
                        }
                    }
                    for id in 0..self.config.queries.len() {
                        self.start(&mut tasks, Job::Instant(id), at);
                    }
                    self.start(&mut tasks, Job::Alerts, at);
                    self.start(&mut tasks, Job::Rules, at);
                    if self.config.alertmanager.is_some() {
                        self.start(&mut tasks, Job::Alertmanager, at);
                    }
                    next_cycle = Instant::now() + self.config.refresh;
                }
                command = commands.recv() => match command {
                    Some(SourceCommand::RefreshNow) => next_cycle = Instant::now(),
                    Some(SourceCommand::SetPaused(p)) => {
                        // Resuming fills the paused stretch of history, like a reconnect.
                        needs_backfill |= paused && !p;
                        paused = p;
                        next_cycle = Instant::now();
                    }
                    Some(SourceCommand::Range(request)) => self.fetch(&mut tasks, request),
                    // Time travel is a replay's; live has only the present.
                    Some(SourceCommand::Seek(_) | SourceCommand::SetSpeed(_) | SourceCommand::Step(_)) => {}
                    None => break,
                },
                Some(joined) = tasks.join_next() => {
                    let Ok(outcome) = joined else { continue };
                    if let Some(change) = link.observe(&outcome, self.client.display_url()) {
                        match change {
                            Connection::Unreachable { retry_in, .. } => {
                                needs_backfill = true;
                                next_cycle = Instant::now() + retry_in;
                            }
                            _ => next_cycle = next_cycle.min(Instant::now()),
                        }
                        if self.send(DataEvent::Connection(change)).await.is_err() {
                            break;
                        }
                    }
                    if let Some(event) = self.finish(outcome) && self.send(event).await.is_err() {
                        break;
                    }
                }
            }
        }
    }

    fn history_queries(&self) -> Vec<QueryId> {
        self.config
            .queries
            .iter()
            .enumerate()
            .filter(|(_, q)| q.history.is_some())
            .map(|(id, _)| id)
            .collect()
    }

    async fn send(&self, event: DataEvent) -> Result<(), ()> {
        self.events.send(event).await.map_err(|_| ())
    }

    /// Spawns `job` unless the same job is still running.
    fn start(&mut self, tasks: &mut JoinSet<Outcome>, job: Job, at: f64) {
        if !self.in_flight.insert(job) {
            return;
        }
        let client = self.client.clone();
        let alertmanager = self.config.alertmanager.clone();
        let semaphore = self.semaphore.clone();
        let refresh = self.config.refresh;
        let expr = match job {
            Job::Instant(id) | Job::Range(id) => self.config.queries[id].expr.clone(),
            Job::Alerts | Job::Rules | Job::Alertmanager | Job::Probe => String::new(),
        };
        let window = match job {
            Job::Range(id) => self.config.queries[id].history.unwrap_or_default(),
            _ => Duration::ZERO,
        };
        tasks.spawn(async move {
            // Waiting for a permit is not part of a query's latency or timeout.
            let _permit = semaphore.acquire_owned().await.ok();
            let started = Instant::now();
            let event = match job {
                Job::Instant(id) => {
                    let result = client.instant(&expr, at).await;
                    DataEvent::Instant {
                        id,
                        at,
                        result,
                        latency: started.elapsed(),
                    }
                }
                Job::Range(id) => {
                    let window = window.as_secs_f64();
                    // As many points as the store keeps, never finer than the refresh.
                    let step = (window / POINTS_PER_SERIES as f64)
                        .max(refresh.as_secs_f64())
                        .max(0.001);
                    let result = client.range(&expr, at - window, at, step).await;
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
                    result: match &alertmanager {
                        Some(am) => am.alertmanager().await,
                        None => Err(PromError::Unreachable("no Alertmanager configured".into())),
                    },
                },
                Job::Probe => return Outcome::Probe(client.ping().await),
            };
            Outcome::Event {
                job: Some(job),
                event,
            }
        });
    }

    /// Runs a range query asked for by the app; the app dedups and caches them.
    fn fetch(&self, tasks: &mut JoinSet<Outcome>, request: RangeRequest) {
        let client = self.client.clone();
        let semaphore = self.semaphore.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await.ok();
            let started = Instant::now();
            let result = client
                .range(
                    &request.expr,
                    request.start as f64,
                    request.end as f64,
                    f64::from(request.step),
                )
                .await;
            Outcome::Event {
                job: None,
                event: DataEvent::RangeAnswer {
                    request,
                    result,
                    latency: started.elapsed(),
                },
            }
        });
    }

    /// Bookkeeping and logging for a finished job; returns what the app must hear.
    fn finish(&mut self, outcome: Outcome) -> Option<DataEvent> {
        let (job, event) = match outcome {
            Outcome::Probe(_) => {
                self.in_flight.remove(&Job::Probe);
                return None;
            }
            Outcome::Event { job, event } => (job, event),
        };
        if let Some(job) = job {
            self.in_flight.remove(&job);
        }
        match &event {
            DataEvent::Instant {
                id,
                result,
                latency,
                ..
            } => self.log_result(*id, result.as_ref().err(), *latency),
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
            _ => {}
        }
        Some(event)
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
