//! Schedules the layout's queries against Prometheus: every refresh each distinct query on
//! screen is sent once, the others every few seconds ([`plan`]), at most `concurrency` at
//! a time; a query still running is not sent again, so
//! a slow one delays nothing else. History queries are backfilled with `query_range` at
//! start and after every gap. When Prometheus is unreachable, or answers nothing in time,
//! only a cheap probe is sent, with exponential backoff, until it answers. A server that
//! asks for quiet (`Retry-After`) gets it; when most requests of a refresh fail, the next
//! refresh waits, longer each time, with jitter. Of an HA group it asks one server at a
//! time and moves on when that one stops answering ([`replicas`]).

use crate::clock::unix_now;
use crate::config::layout::{QueryDef, QueryId};
use crate::event::{Connection, DataEvent, RangeRequest, SourceCommand};
use crate::model::duration::Form;
use crate::prom::PromClient;
use batch::Batcher;
use job::{Job, Outcome};
use link::{Hold, Link, Pace};
use plan::Plan;
use replicas::{Group, Move};
use request::{Request, Together, held_event};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

mod answers;
pub mod backends;
mod batch;
mod job;
mod replicas;
mod request;
mod server;
pub(crate) mod variables;
pub use replicas::Replicas;
pub use server::server_event;

/// The next instant on the beat of `period` at least half a period after `now`. Every
/// periodic timer of the process (each backend's refresh, the screen's clock) counts its
/// beats from one origin, so those of one period fall due together and share their
/// wake-ups: tokio's timer wheel wakes the thread twice for a timer more than 64 ms away
/// (first to move it to a finer slot), so a refresh and a clock tick out of step cost four
/// wake-ups a second instead of two.
pub fn beat_after(period: Duration, now: Instant) -> Instant {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let origin = Instant::from_std(*ORIGIN.get_or_init(std::time::Instant::now));
    let period_ns = period.as_nanos().max(1);
    let beats = now.saturating_duration_since(origin).as_nanos() / period_ns + 1;
    let mut at =
        origin + Duration::from_nanos(u64::try_from(beats * period_ns).unwrap_or(u64::MAX));
    if at.saturating_duration_since(now) < period / 2 {
        at += period;
    }
    at
}

/// How many Prometheus requests may run at once, unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

#[derive(Clone, Debug)]
pub struct PollerConfig {
    pub queries: Vec<QueryDef>,
    pub refresh: Duration,
    pub concurrency: usize,
    /// A client for Alertmanager's API, when `--alertmanager` is given.
    pub alertmanager: Option<PromClient>,
}

/// Starts the poller, asking `servers` (one, or an HA group); it stops when the event
/// receiver is dropped.
pub fn spawn(
    servers: impl Into<Replicas>,
    config: PollerConfig,
    events: mpsc::Sender<DataEvent>,
) -> mpsc::Sender<SourceCommand> {
    let (commands, command_rx) = mpsc::channel(64);
    let group = Group::new(servers.into(), config.refresh);
    let client = group.active().clone();
    let poller = Poller {
        group,
        plan: Plan::new(config.queries.len(), config.refresh),
        batcher: Batcher::new(config.queries.len()),
        switches: 0,
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
    /// The server asked: the group's active one.
    client: PromClient,
    group: Group,
    /// What each cycle asks for.
    plan: Plan,
    /// Which instant queries go out together.
    batcher: Batcher,
    /// How many times the poller has switched servers.
    switches: u64,
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

/// What the poller's loop keeps from one turn to the next.
struct Turn {
    tasks: JoinSet<Outcome>,
    link: Link,
    /// When the next refresh (or probe) is due.
    next_cycle: Instant,
    /// The history queries are backfilled next refresh (at start, after a gap).
    needs_backfill: bool,
    paused: bool,
    /// Checks of an HA group's first server while a standby answers.
    checks: JoinSet<bool>,
    /// Requests still under way to the server asked before the last switch: what they
    /// end with says nothing about the one asked now.
    earlier: JoinSet<Outcome>,
}

impl Poller {
    async fn run(mut self, mut commands: mpsc::Receiver<SourceCommand>) {
        let mut turn = Turn {
            tasks: JoinSet::new(),
            link: Link::new(
                self.config.refresh,
                self.client.display_url(),
                self.group.has_standby(),
            ),
            next_cycle: Instant::now(),
            needs_backfill: true,
            paused: false,
            checks: JoinSet::new(),
            earlier: JoinSet::new(),
        };
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
        if let Some(replica) = self.group.replica()
            && self.send(DataEvent::Replica(replica)).await.is_err()
        {
            return;
        }
        // Asked once: answers cannot change faster than Prometheus scrapes.
        let mut scrape = std::pin::pin!(fastest_scrape(self.client.clone()));
        let mut scrape_known = false;

        loop {
            self.hold_while(&turn.link);
            // Err: the app is gone (or asked nothing more); the poller stops.
            let heard: Result<(), ()> = tokio::select! {
                () = sleep_until(turn.next_cycle), if !turn.paused => self.on_timer(&mut turn).await,
                command = commands.recv() => match command {
                    Some(command) => self.on_command(&mut turn, command).await,
                    None => Err(()),
                },
                interval = &mut scrape, if !scrape_known => {
                    scrape_known = true;
                    match interval {
                        Some(interval) if self.plan.scraped_every(interval) => {
                            self.send(DataEvent::Schedule(self.plan.schedule())).await
                        }
                        _ => Ok(()),
                    }
                }
                Some(joined) = turn.tasks.join_next() => match joined {
                    Ok(outcome) => self.on_finished(&mut turn, outcome).await,
                    Err(_) => Ok(()),
                },
                Some(joined) = turn.earlier.join_next() => match joined {
                    Ok(outcome) => self.on_earlier_server(outcome).await,
                    Err(_) => Ok(()),
                },
                Some(Ok(answered)) = turn.checks.join_next() => {
                    if self.group.checked(answered, Instant::now()) {
                        self.switch(&mut turn, "answers again").await
                    } else {
                        Ok(())
                    }
                }
            };
            if heard.is_err() {
                break;
            }
        }
    }

    /// The refresh is due: while unreachable only the probe goes out; a server fallen
    /// silent is said instead of a refresh; else a refresh cycle starts.
    async fn on_timer(&mut self, turn: &mut Turn) -> Result<(), ()> {
        if let Some(first) = self.group.check_due(Instant::now()) {
            turn.checks.spawn(async move { first.ping().await.is_ok() });
        }
        match turn.link.pace {
            Pace::Probing => {
                self.probe_query = turn.link.refusing();
                self.start(&mut turn.tasks, Job::Probe, 0.0, None);
                turn.next_cycle = Instant::now() + turn.link.backoff;
                return Ok(());
            }
            // The wait is over: this cycle tells how the server is now.
            Pace::Waiting => {
                turn.link.pace = Pace::Polling;
                self.hold_while(&turn.link);
            }
            Pace::Polling => {
                if let Some(change) = turn.link.check_silence(self.client.timeout()) {
                    return self.on_change(turn, change).await;
                }
            }
        }
        let backfill = std::mem::take(&mut turn.needs_backfill);
        let (cycle, sent) = self.start_cycle(&mut turn.tasks, backfill);
        turn.link.begin_cycle(cycle, sent);
        turn.next_cycle = beat_after(self.config.refresh, Instant::now());
        Ok(())
    }

    /// What the app asks of the source.
    async fn on_command(&mut self, turn: &mut Turn, command: SourceCommand) -> Result<(), ()> {
        match command {
            SourceCommand::RefreshNow => turn.next_cycle = Instant::now(),
            SourceCommand::SetPaused(p) => {
                // Resuming fills the paused stretch of history, like a reconnect.
                turn.needs_backfill |= turn.paused && !p;
                turn.paused = p;
                turn.next_cycle = Instant::now();
            }
            SourceCommand::Range(request) => self.fetch(&mut turn.tasks, request),
            SourceCommand::VariableOptions { name, query } => {
                self.fetch_options(&mut turn.tasks, name, query);
            }
            SourceCommand::Expand {
                queries,
                selections,
            } => {
                turn.next_cycle = Instant::now();
                return self.expand(queries, selections).await;
            }
            // Nothing goes out while the poller holds back; the app asks again.
            SourceCommand::Server(request) => match turn.link.held() {
                Some(Hold::Said(error)) => {
                    let held = DataEvent::Server {
                        at: unix_now(),
                        request,
                        result: Err(error),
                    };
                    return self.send(held).await;
                }
                Some(Hold::Quiet) => {}
                None => server::ask(&self.client, &self.semaphore, &mut turn.tasks, request),
            },
            SourceCommand::Watch(watch) => {
                // Queries that came into sight were asked a while ago: now.
                let ids = self.plan.watch(&watch);
                self.start_instants(&mut turn.tasks, ids, unix_now(), None);
            }
            // Time travel is a replay's; live has only the present.
            SourceCommand::Seek(_) | SourceCommand::SetSpeed(_) | SourceCommand::Step(_) => {}
        }
        Ok(())
    }

    /// A task ended: each job it ran ends, and a refused batch's queries are asked alone.
    async fn on_finished(&mut self, turn: &mut Turn, outcome: Outcome) -> Result<(), ()> {
        match outcome {
            Outcome::Together(outcomes) => {
                let together = outcomes.len();
                let asked = self.switches;
                for outcome in outcomes {
                    self.batcher.learn(&outcome, together);
                    // One of them made the poller switch servers: the rest are the
                    // earlier server's, and must not judge the one asked now.
                    if self.switches == asked {
                        self.on_outcome(turn, outcome).await?;
                    } else {
                        self.on_earlier_server(outcome).await?;
                    }
                }
            }
            Outcome::Refused { ids, at } => {
                self.batcher.refused(&ids, Instant::now());
                for id in ids {
                    let job = Job::Instant(id);
                    let cycle = self.in_flight.remove(&job).flatten();
                    // A new expression replaced it: the next refresh asks that.
                    if !self.superseded.remove(&job) {
                        self.start(&mut turn.tasks, job, at, cycle);
                    }
                }
            }
            outcome => {
                self.batcher.learn(&outcome, 1);
                self.on_outcome(turn, outcome).await?;
            }
        }
        Ok(())
    }

    /// A job ended: what it says about the connection, then its answers for the app.
    async fn on_outcome(&mut self, turn: &mut Turn, outcome: Outcome) -> Result<(), ()> {
        let cycle = outcome
            .job()
            .and_then(|job| self.in_flight.get(&job).copied().flatten());
        if let Some(change) = turn.link.observe(&outcome, cycle) {
            self.on_change(turn, change).await?;
        }
        let mut events = self.finish(outcome);
        events.extend(self.settle(&turn.link));
        for event in events {
            self.send(event).await?;
        }
        Ok(())
    }

    /// The connection changed: a server that does not answer hands over to the next of
    /// its group, if there is one; the refresh comes sooner or waits as the state says.
    async fn on_change(&mut self, turn: &mut Turn, change: Connection) -> Result<(), ()> {
        let lost = matches!(change, Connection::Unreachable { .. })
            && turn.link.pace == Pace::Probing
            && !turn.link.refusing();
        if change == Connection::Connected {
            self.group.answered();
        }
        if lost {
            match self.group.failed() {
                Move::Switch => return self.switch(turn, "does not answer").await,
                // Every one has failed: the next probe asks the next one.
                Move::Rotate => {
                    self.client = self.group.active().clone();
                    turn.link.ask(self.client.display_url());
                    self.send_replica().await?;
                }
                Move::Stay => {}
            }
        }
        match change {
            Connection::Unreachable { retry_in, .. } => {
                turn.needs_backfill = true;
                turn.next_cycle = Instant::now() + retry_in;
            }
            _ => turn.next_cycle = turn.next_cycle.min(Instant::now()),
        }
        self.send(DataEvent::Connection(change)).await
    }

    /// Asks the group's active server from now on: a new link, a refresh at once, the
    /// history filled again from it. Requests still under way to the one before neither
    /// hold their jobs back nor take the new one's permits.
    async fn switch(&mut self, turn: &mut Turn, why: &str) -> Result<(), ()> {
        let before = std::mem::replace(&mut self.client, self.group.active().clone());
        self.switches += 1;
        log::warn!(
            "{} {why}: asking {} now",
            before.display_url(),
            self.client.display_url()
        );
        turn.link = Link::new(
            self.config.refresh,
            self.client.display_url(),
            self.group.has_standby(),
        );
        // Requests queued for the one before would still go to it: they finish apart.
        turn.earlier.abort_all();
        turn.earlier = std::mem::take(&mut turn.tasks);
        // …with their own permits: a hung server's requests must not hold the next one's.
        self.semaphore = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        turn.needs_backfill = true;
        turn.next_cycle = Instant::now();
        self.in_flight.clear();
        self.deferred.clear();
        self.hold_while(&turn.link);
        self.send_replica().await?;
        self.send(DataEvent::Connection(Connection::Connecting))
            .await
    }

    async fn send_replica(&self) -> Result<(), ()> {
        match self.group.replica() {
            Some(replica) => self.send(DataEvent::Replica(replica)).await,
            None => Ok(()),
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
        let instants = self.plan.instants(self.cycle).collect();
        if self.plan.alerts(self.cycle) {
            jobs.push(Job::Alerts);
        }
        if self.plan.rules(self.cycle) {
            jobs.push(Job::Rules);
        }
        let mut sent = self.start_instants(tasks, instants, at, cycle);
        sent += jobs
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
        tasks.spawn(self.request(job, at).run(self.semaphore.clone()));
        true
    }

    /// Spawns the instant queries `ids` not still running, together where they may be
    /// ([`batch`]); returns how many.
    fn start_instants(
        &mut self,
        tasks: &mut JoinSet<Outcome>,
        ids: Vec<QueryId>,
        at: f64,
        cycle: Option<u64>,
    ) -> usize {
        let idle: Vec<QueryId> = (ids.into_iter())
            .filter(|id| !self.in_flight.contains_key(&Job::Instant(*id)))
            .collect();
        let count = idle.len();
        let (batches, alone) = self
            .batcher
            .group(idle, &self.config.queries, Instant::now());
        for id in alone {
            self.start(tasks, Job::Instant(id), at, cycle);
        }
        for ids in batches {
            for id in &ids {
                self.in_flight.insert(Job::Instant(*id), cycle);
            }
            let together = Together {
                exprs: ids
                    .iter()
                    .map(|id| self.config.queries[*id].expr.clone())
                    .collect(),
                ids,
                at,
                client: self.client.clone(),
                hold: self.hold.clone(),
            };
            tasks.spawn(together.run(self.semaphore.clone()));
        }
        count
    }

    /// What `job`'s task asks, of the refresh at `at`.
    fn request(&self, job: Job, at: f64) -> Request {
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
        Request {
            job,
            at,
            expr,
            window,
            refresh: self.config.refresh,
            client: self.client.clone(),
            alertmanager: self.config.alertmanager.clone(),
            hold: self.hold.clone(),
        }
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
