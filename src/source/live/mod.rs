//! Schedules the layout's queries against Prometheus: every refresh each distinct query on
//! screen is sent once, the others every few seconds ([`plan`]), at most `concurrency` at
//! a time; a query still running is not sent again, so
//! a slow one delays nothing else. History queries are backfilled with `query_range` at
//! start and after every gap. When Prometheus is unreachable, or answers nothing in time,
//! only a cheap probe is sent, with exponential backoff, until it answers. A server that
//! asks for quiet (`Retry-After`) gets it; when most requests of a refresh fail, the next
//! refresh waits, longer each time, with jitter.

use crate::clock::unix_now;
use crate::config::layout::{QueryDef, QueryId};
use crate::event::{Connection, DataEvent, RangeRequest, SourceCommand};
use crate::model::duration::Form;
use crate::prom::{PromClient, PromError};
use crate::store::POINTS_PER_SERIES;
use job::{Job, Outcome};
use link::{Hold, Link, Pace};
use plan::Plan;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

mod job;
mod server;
pub(crate) mod variables;
pub use server::server_event;

/// How many Prometheus requests may run at once, unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
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
        plan: Plan::new(config.queries.len(), config.refresh),
        semaphore: Arc::new(Semaphore::new(config.concurrency.max(1))),
        client,
        config,
        events,
        in_flight: HashMap::new(),
        failing: HashMap::new(),
        cycle: 0,
        superseded: HashSet::new(),
        backfill: HashSet::new(),
        probe_query: false,
        hold: Arc::default(),
        deferred: Vec::new(),
    };
    tokio::spawn(poller.run(command_rx));
    commands
}

struct Poller {
    client: PromClient,
    /// What each cycle asks for.
    plan: Plan,
    config: PollerConfig,
    events: mpsc::Sender<DataEvent>,
    semaphore: Arc<Semaphore>,
    /// Jobs under way, with the cycle that started each (the probe belongs to none).
    in_flight: HashMap<Job, Option<u64>>,
    /// The error each failing query last reported, so the log says it once, not every cycle.
    failing: HashMap<QueryId, String>,
    /// The latest refresh cycle's number.
    cycle: u64,
    /// Jobs under way for an expression a new variable selection replaced: their answers
    /// are of the old choice and are dropped.
    superseded: HashSet<Job>,
    /// Queries whose history starts over (a new variable selection): backfilled next cycle.
    backfill: HashSet<QueryId>,
    /// The probe is the layout's first query rather than the build info.
    probe_query: bool,
    /// Why the poller holds back, while it does ([`Link::held`]): jobs still waiting for
    /// a permit then are not sent (refused credentials must not be tried by every query
    /// of the refresh that found them refused, nor a hung server be asked by each).
    hold: Arc<std::sync::Mutex<Option<Hold>>>,
    /// Jobs held back with nothing to say yet (a refresh waiting for its verdict): told
    /// why once there is a reason, else asked again by the next refresh.
    deferred: Vec<(Job, f64)>,
}

impl Poller {
    async fn run(mut self, mut commands: mpsc::Receiver<SourceCommand>) {
        let mut tasks: JoinSet<Outcome> = JoinSet::new();
        let mut link = Link::new(self.config.refresh, self.client.display_url());
        let mut next_cycle = Instant::now();
        let mut needs_backfill = true;
        let mut paused = false;
        log::info!(
            "polling {} distinct queries every {} from {}",
            self.config.queries.len(),
            Form::Setting.duration(self.config.refresh),
            self.client.display_url()
        );
        if self
            .send(DataEvent::Schedule(self.plan.schedule()))
            .await
            .is_err()
        {
            return;
        }
        // Asked once: answers cannot change faster than Prometheus scrapes.
        let mut scrape = std::pin::pin!(fastest_scrape(self.client.clone()));
        let mut scrape_known = false;

        loop {
            self.hold_while(&link);
            tokio::select! {
                () = sleep_until(next_cycle), if !paused => {
                    match link.pace {
                        Pace::Probing => {
                            self.probe_query = link.refusing();
                            self.start(&mut tasks, Job::Probe, 0.0, None);
                            next_cycle = Instant::now() + link.backoff;
                            continue;
                        }
                        // The wait is over: this cycle tells how the server is now.
                        Pace::Waiting => {
                            link.pace = Pace::Polling;
                            self.hold_while(&link);
                        }
                        Pace::Polling => {
                            if let Some(change) = link.check_silence(self.client.timeout()) {
                                needs_backfill = true;
                                next_cycle = Instant::now() + link.backoff;
                                if self.send(DataEvent::Connection(change)).await.is_err() {
                                    break;
                                }
                                continue;
                            }
                        }
                    }
                    let backfill = std::mem::take(&mut needs_backfill);
                    let (cycle, sent) = self.start_cycle(&mut tasks, backfill);
                    link.begin_cycle(cycle, sent);
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
                    Some(SourceCommand::VariableOptions { name, query }) => {
                        self.fetch_options(&mut tasks, name, query);
                    }
                    Some(SourceCommand::Expand { queries, selections }) => {
                        next_cycle = Instant::now();
                        if self.expand(queries, selections).await.is_err() {
                            break;
                        }
                    }
                    // Nothing goes out while the poller holds back; the app asks again.
                    Some(SourceCommand::Server(request)) => match link.held() {
                        Some(Hold::Said(error)) => {
                            let held = DataEvent::Server { at: unix_now(), request, result: Err(error) };
                            if self.send(held).await.is_err() {
                                break;
                            }
                        }
                        Some(Hold::Quiet) => {}
                        None => server::ask(&self.client, &self.semaphore, &mut tasks, request),
                    },
                    Some(SourceCommand::Watch(watch)) => {
                        // Queries that came into sight were asked a while ago: now.
                        for id in self.plan.watch(&watch) {
                            self.start(&mut tasks, Job::Instant(id), unix_now(), None);
                        }
                    }
                    // Time travel is a replay's; live has only the present.
                    Some(SourceCommand::Seek(_) | SourceCommand::SetSpeed(_) | SourceCommand::Step(_)) => {}
                    None => break,
                },
                interval = &mut scrape, if !scrape_known => {
                    scrape_known = true;
                    if let Some(interval) = interval
                        && self.plan.scraped_every(interval)
                        && self.send(DataEvent::Schedule(self.plan.schedule())).await.is_err()
                    {
                        break;
                    }
                }
                Some(joined) = tasks.join_next() => {
                    let Ok(outcome) = joined else { continue };
                    let cycle = outcome.job().and_then(|job| self.in_flight.get(&job).copied().flatten());
                    if let Some(change) = link.observe(&outcome, cycle) {
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
                    let mut events = self.finish(outcome);
                    events.extend(self.settle(&link));
                    for event in events {
                        if self.send(event).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Starts a refresh cycle: every query not still running (and the history queries'
    /// backfill when `backfill`); returns the cycle's number and how many requests it sent.
    fn start_cycle(&mut self, tasks: &mut JoinSet<Outcome>, backfill: bool) -> (u64, usize) {
        self.cycle += 1;
        let cycle = Some(self.cycle);
        let at = unix_now();
        let mut jobs = Vec::new();
        if backfill {
            jobs.extend(self.history_queries().into_iter().map(Job::Range));
        }
        self.restart_histories(tasks, at);
        jobs.extend(self.plan.instants(self.cycle).map(Job::Instant));
        if self.plan.alerts(self.cycle) {
            jobs.push(Job::Alerts);
        }
        if self.plan.rules(self.cycle) {
            jobs.push(Job::Rules);
        }
        let sent = jobs
            .into_iter()
            .filter(|job| self.start(tasks, *job, at, cycle))
            .count();
        // Alertmanager's answers say nothing about Prometheus: outside the cycle's count.
        if self.config.alertmanager.is_some() {
            self.start(tasks, Job::Alertmanager, at, None);
        }
        (self.cycle, sent)
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

    /// The deferred jobs once the link has decided: told why it holds back (refused
    /// credentials), or left to the next refresh.
    fn settle(&mut self, link: &Link) -> Vec<DataEvent> {
        if link.pausing() {
            return Vec::new();
        }
        let deferred = std::mem::take(&mut self.deferred);
        match link.held() {
            Some(Hold::Said(error)) => deferred
                .into_iter()
                .map(|(job, at)| held_event(job, at, error.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn hold_while(&self, link: &Link) {
        *self.hold.lock().unwrap_or_else(|e| e.into_inner()) = link.held();
    }

    async fn send(&self, event: DataEvent) -> Result<(), ()> {
        self.events.send(event).await.map_err(|_| ())
    }

    /// Spawns `job` for `cycle` unless the same job is still running; true when spawned.
    fn start(
        &mut self,
        tasks: &mut JoinSet<Outcome>,
        job: Job,
        at: f64,
        cycle: Option<u64>,
    ) -> bool {
        if self.in_flight.contains_key(&job) {
            return false;
        }
        self.in_flight.insert(job, cycle);
        let client = self.client.clone();
        let alertmanager = self.config.alertmanager.clone();
        let semaphore = self.semaphore.clone();
        let refresh = self.config.refresh;
        let expr = match job {
            Job::Instant(id) | Job::Range(id) => self.config.queries[id].expr.clone(),
            Job::Probe if self.probe_query => self
                .config
                .queries
                .first()
                .map(|q| q.expr.clone())
                .unwrap_or_default(),
            Job::Alerts | Job::Rules | Job::Alertmanager | Job::Probe => String::new(),
        };
        let window = match job {
            Job::Range(id) => self.config.queries[id].history.unwrap_or_default(),
            _ => Duration::ZERO,
        };
        let hold = self.hold.clone();
        tasks.spawn(async move {
            // Waiting for a permit is not part of a query's latency or timeout.
            let _permit = semaphore.acquire_owned().await.ok();
            // The probe is how holding back ends; Alertmanager is another server.
            let held = match job {
                Job::Probe | Job::Alertmanager => None,
                _ => hold.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            };
            if let Some(hold) = held {
                let said = match hold {
                    Hold::Said(error) => Some(held_event(job, at, error)),
                    Hold::Quiet => None,
                };
                return Outcome::Held { job, at, said };
            }
            let started = Instant::now();
            let mut omitted = 0;
            let mut warnings = Vec::new();
            let event = match job {
                Job::Instant(id) => {
                    let result = client.instant(&expr, at).await.map(|answer| {
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
                Job::Probe if expr.is_empty() => return Outcome::Probe(client.ping().await),
                Job::Probe => {
                    let answer = client.instant(&expr, unix_now()).await;
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
        });
        true
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
                omitted: 0,
                warnings: Vec::new(),
                sent: started,
            }
        });
    }

    /// Bookkeeping and logging for a finished job; returns what the app must hear.
    fn finish(&mut self, outcome: Outcome) -> Vec<DataEvent> {
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
        let cut = match (&event, omitted) {
            (DataEvent::Instant { id, at, .. }, count) if count > 0 => {
                Some(DataEvent::SeriesOmitted {
                    id: *id,
                    at: *at,
                    count,
                })
            }
            _ => None,
        };
        let partial = match &event {
            DataEvent::Instant { id, at, .. } if !warnings.is_empty() => {
                Some(DataEvent::Warnings {
                    id: *id,
                    at: *at,
                    warnings,
                })
            }
            _ => None,
        };
        // The count and the warnings go first: the answer they belong to is drawn with them.
        cut.into_iter()
            .chain(partial)
            .chain(std::iter::once(event))
            .collect()
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

/// The answer a held `job` gets: the reason the poller holds back.
fn held_event(job: Job, at: f64, error: PromError) -> DataEvent {
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

mod link;
mod plan;
/// The shortest scrape interval of Prometheus' targets, if it says.
async fn fastest_scrape(client: PromClient) -> Option<Duration> {
    let targets = client.targets().await.ok()?;
    targets.iter().filter_map(|t| t.scrape_interval).min()
}

#[cfg(test)]
mod tests;
