//! The connection to Prometheus as the poller judges it: connected, unreachable (probing
//! with exponential backoff), refusing the credentials (probing too: a wrong password must
//! not turn into hundreds of failed logins) or waiting (the server asked for quiet, or
//! most of a refresh failed), from how each request and each refresh cycle ended.

use super::job::{Job, Outcome};
use crate::event::Connection;
use crate::model::duration::Form;
use crate::prom::PromError;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// Longest wait between probes of an unreachable Prometheus, and between refreshes while
/// most requests fail.
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Longest wait a server's `Retry-After` gets: past it the dashboard asks again anyway,
/// so a misconfigured proxy cannot leave it blind for hours.
pub(super) const MAX_SERVER_WAIT: Duration = Duration::from_secs(600);

/// Cycles waiting for their verdict at most: past it the oldest goes unjudged (a request
/// hung for longer than 64 refreshes, or a task lost).
const MAX_UNJUDGED: usize = 64;

/// What the poller does at the next refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pace {
    /// Sends every query.
    Polling,
    /// Prometheus cannot be reached or answers nothing in time: only the probe is sent.
    Probing,
    /// The server asked for quiet, or most of a refresh failed: the refresh after the wait
    /// sends every query again.
    Waiting,
}

/// A request held back: [`Link::held`].
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Hold {
    Said(PromError),
    Quiet,
}

/// How the requests of one refresh cycle ended, as they finish.
#[derive(Default)]
struct Tally {
    pending: usize,
    finished: usize,
    /// Failures of the server rather than of a query ([`PromError::is_server_failure`]).
    failed: usize,
    timed_out: usize,
    /// Credentials refused (401, 403), and the first such answer.
    refused: usize,
    refusal: Option<PromError>,
}

/// The connection state, the pace that goes with it and its backoffs.
pub(super) struct Link {
    connection: Connection,
    pub(super) pace: Pace,
    /// Wait between probes while probing.
    pub(super) backoff: Duration,
    /// Wait after a cycle in which most requests failed; grows while they keep failing.
    pub(super) failing_backoff: Duration,
    /// Wait between tries of refused credentials; grows until a refresh gets in, so a
    /// probe let in while the queries are not cannot make it ask every second.
    refused_backoff: Duration,
    /// The server's refusal of the credentials while probing because of it.
    refusal: Option<PromError>,
    /// No refresh has got in since the start or the last refusal.
    unproven: bool,
    /// A refusal came in an unproven refresh: its requests not sent yet wait for its
    /// verdict.
    pausing: bool,
    /// The cycles not judged yet, by number (the order they began in).
    cycles: BTreeMap<u64, Tally>,
    /// When Prometheus last answered anything (an error of a query is an answer too).
    last_answer: Instant,
    /// When the poller last stopped polling because nothing answered: answers to requests
    /// sent before then are late (a composite question whose first part answered before
    /// the server stopped) and say nothing about now.
    blind_since: Option<Instant>,
    refresh: Duration,
    url: String,
    /// Another server of an HA group takes over when this one is lost: the log says that
    /// rather than a backoff.
    standby: bool,
}

impl Link {
    pub(super) fn new(refresh: Duration, url: &str, standby: bool) -> Self {
        Self {
            connection: Connection::Connecting,
            pace: Pace::Polling,
            backoff: Duration::ZERO,
            failing_backoff: Duration::ZERO,
            refused_backoff: Duration::ZERO,
            refusal: None,
            unproven: true,
            pausing: false,
            cycles: BTreeMap::new(),
            last_answer: Instant::now(),
            blind_since: None,
            refresh,
            url: url.to_string(),
            standby,
        }
    }

    /// Probes `url` from now on (the next server of an HA group, every one having failed:
    /// the backoff is for all of them now).
    pub(super) fn ask(&mut self, url: &str) {
        self.url = url.to_string();
        self.standby = false;
    }

    /// Counts the requests a new cycle sent.
    pub(super) fn begin_cycle(&mut self, cycle: u64, requests: usize) {
        // An unfinished cycle must not hold every later verdict back for good.
        if self.cycles.len() >= MAX_UNJUDGED {
            self.cycles.pop_first();
        }
        if requests > 0 {
            self.cycles.insert(
                cycle,
                Tally {
                    pending: requests,
                    ..Tally::default()
                },
            );
        }
    }

    /// Updates the state from a finished job of `cycle` (if it belonged to one); returns
    /// the new state when it changed (a failed probe counts as a change: it carries the
    /// next retry delay).
    pub(super) fn observe(&mut self, outcome: &Outcome, cycle: Option<u64>) -> Option<Connection> {
        // Alertmanager's answers say nothing about Prometheus, nor do jobs held back
        // (but their refresh no longer waits for them).
        if outcome.job() == Some(Job::Alertmanager) {
            return None;
        }
        if let Outcome::Held { .. } = outcome {
            return cycle.and_then(|cycle| self.count(cycle, None, false));
        }
        let error = outcome.error();
        let change = match (outcome, error) {
            (
                _,
                Some(PromError::Throttled {
                    status,
                    retry_after,
                }),
            ) if self.pace != Pace::Waiting => Some(self.wait_as_asked(*status, *retry_after)),
            (Outcome::Probe(_), Some(e)) if e.is_refusal() => Some(self.refuse(e)),
            (Outcome::Probe(_), Some(e)) => Some(self.probe(lost(e, &self.url))),
            // The server answers, but not with data: alive, never "connected". Whether it
            // refuses the credentials or only some queries is the refresh's verdict; until
            // a refresh has got in, the rest of this one waits for it (each request would
            // be one more failed login).
            (_, Some(e)) if e.is_refusal() => {
                self.last_answer = Instant::now();
                self.pausing |= cycle.is_some() && self.unproven && self.pace == Pace::Polling;
                None
            }
            // Queries already under way when the link went down fail too; they say nothing new.
            (_, Some(e)) if e.is_connection() => {
                (self.pace != Pace::Probing).then(|| self.probe(lost(e, &self.url)))
            }
            // A request waited its whole timeout and nothing else answered meanwhile: the
            // server is not answering, whatever the rest of the refresh brings. Not while
            // the poller holds its own requests back (`pausing`): that silence is its own.
            (_, Some(e @ PromError::Timeout(after)))
                if self.pace == Pace::Polling
                    && !self.pausing
                    && self.last_answer.elapsed() >= *after =>
            {
                Some(self.probe(lost(e, &self.url)))
            }
            (_, Some(e)) if e.is_server_failure() => None,
            _ => self.answered(outcome.sent()),
        };
        let verdict = cycle.and_then(|cycle| self.count(cycle, error, true));
        verdict.or(change)
    }

    /// Counts a finished request of `cycle` (`sent`: not held back); returns the cycle's
    /// verdict when it was the last one.
    fn count(&mut self, cycle: u64, error: Option<&PromError>, sent: bool) -> Option<Connection> {
        let tally = self.cycles.get_mut(&cycle)?;
        tally.pending -= 1;
        tally.finished += usize::from(sent);
        tally.failed += usize::from(error.is_some_and(PromError::is_server_failure));
        tally.timed_out += usize::from(matches!(error, Some(PromError::Timeout(_))));
        if let Some(refusal) = error.filter(|e| e.is_refusal()) {
            tally.refused += 1;
            tally.refusal.get_or_insert_with(|| refusal.clone());
        }
        if tally.pending > 0 {
            return None;
        }
        self.judge_in_order()
    }

    /// Judges the finished cycles in the order they began: a short cycle that began later
    /// (sending only what was not still in flight) must not overrule an earlier one still
    /// under way, say by resetting the backoff its verdict is about to grow. A verdict to
    /// stop polling drops the cycles after it ([`Link::enter`]).
    fn judge_in_order(&mut self) -> Option<Connection> {
        let mut change = None;
        while let Some(entry) = self.cycles.first_entry()
            && entry.get().pending == 0
        {
            let tally = entry.remove();
            change = self.judge(&tally).or(change);
        }
        change
    }

    /// An answer arrived: connected, unless the poller is waiting out a backoff or the
    /// server's request for quiet (a late answer does not cut that short), or it answers
    /// a request sent before the server stopped answering.
    fn answered(&mut self, sent: Option<Instant>) -> Option<Connection> {
        if sent
            .zip(self.blind_since)
            .is_some_and(|(sent, blind)| sent < blind)
        {
            return None;
        }
        self.last_answer = Instant::now();
        if self.connection == Connection::Connected || self.pace == Pace::Waiting {
            return None;
        }
        self.refusal = None;
        match self.connection {
            Connection::Unreachable { .. } => log::info!("reconnected to {}", self.url),
            _ => log::info!("connected to {}", self.url),
        }
        self.pace = Pace::Polling;
        self.backoff = Duration::ZERO;
        Some(self.enter(Connection::Connected))
    }

    /// Connected means answered recently: once nothing has answered for longer than the
    /// slowest query may take plus two refreshes, the server is hung (a stopped process,
    /// a stuck proxy) and is probed like an unreachable one.
    pub(super) fn check_silence(&mut self, timeout: Duration) -> Option<Connection> {
        let silent = self.last_answer.elapsed();
        if self.connection != Connection::Connected || silent <= timeout + self.refresh * 2 {
            return None;
        }
        let error = format!(
            "not answering: {} (nothing for {})",
            self.url,
            Form::Setting.duration(Duration::from_secs(silent.as_secs()))
        );
        Some(self.probe(error))
    }

    /// Prometheus cannot be reached, or does not answer: probe, with growing backoff.
    fn probe(&mut self, error: String) -> Connection {
        if self.standby && self.pace != Pace::Probing {
            log::warn!("Prometheus {error}");
        } else if self.pace != Pace::Probing || self.refusal.is_some() {
            log::warn!("Prometheus {error}; retrying with backoff");
        }
        if self.pace != Pace::Probing {
            self.blind_since = Some(Instant::now());
        }
        self.pace = Pace::Probing;
        self.refusal = None;
        self.backoff = (self.backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
        self.enter(Connection::Unreachable {
            error,
            retry_in: self.backoff,
        })
    }

    /// The server refused the credentials (or wants some): they are tried again, by one
    /// query, after a wait that doubles up to [`MAX_BACKOFF`], until they get in.
    fn refuse(&mut self, refusal: &PromError) -> Connection {
        let error = match refusal {
            PromError::Http { status, message } => format!("{message} (HTTP {status})"),
            other => other.to_string(),
        };
        if self.refusal.is_none() {
            log::warn!("{}: {error}; asking again with backoff", self.url);
        }
        if self.pace != Pace::Probing {
            self.blind_since = Some(Instant::now());
        }
        self.pace = Pace::Probing;
        self.refusal = Some(refusal.clone());
        self.unproven = true;
        self.refused_backoff =
            (self.refused_backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
        self.backoff = self.refused_backoff;
        self.enter(Connection::Unreachable {
            error,
            retry_in: self.backoff,
        })
    }

    /// Whether a refresh's requests wait for its verdict.
    pub(super) fn pausing(&self) -> bool {
        self.pausing
    }

    /// While the credentials are refused, the probe is a query: the endpoint the dashboard
    /// needs (a proxy may guard the status endpoints alone, or only the queries).
    pub(super) fn refusing(&self) -> bool {
        self.refusal.is_some()
    }

    /// The server said how long to leave it alone ([`MAX_SERVER_WAIT`] at most).
    fn wait_as_asked(&mut self, status: u16, asked: Duration) -> Connection {
        let wait = asked.min(MAX_SERVER_WAIT).max(self.refresh);
        let mut error = format!(
            "server asked to wait {} (HTTP {status})",
            Form::Setting.duration(asked)
        );
        if asked > MAX_SERVER_WAIT {
            error.push_str(&format!(
                "; {} at most",
                Form::Setting.duration(MAX_SERVER_WAIT)
            ));
        }
        log::warn!("{}: {error}", self.url);
        self.wait(error, wait)
    }

    /// A cycle's verdict once its last request finished.
    fn judge(&mut self, tally: &Tally) -> Option<Connection> {
        // Every request held back: nothing was asked, nothing to judge.
        if tally.finished == 0 {
            return None;
        }
        self.pausing = false;
        if self.pace != Pace::Polling {
            return None;
        }
        if tally.refused * 2 > tally.finished
            && let Some(refusal) = &tally.refusal
        {
            return Some(self.refuse(refusal));
        }
        self.refused_backoff = Duration::ZERO;
        self.unproven = false;
        if tally.timed_out == tally.finished {
            let error = format!("not answering: {} (every request timed out)", self.url);
            return Some(self.probe(error));
        }
        if tally.failed * 2 <= tally.finished {
            self.failing_backoff = Duration::ZERO;
            return None;
        }
        let least = self.refresh * 2;
        self.failing_backoff = (self.failing_backoff * 2)
            .max(least)
            .min(MAX_BACKOFF.max(least));
        // Jitter, so that many dashboards behind one proxy do not come back in step.
        let wait = self.failing_backoff.mul_f64(1.0 + fastrand::f64() / 4.0);
        let error = format!(
            "backing off: {} of {} queries failing",
            tally.failed, tally.finished
        );
        log::warn!("{}: {error}", self.url);
        Some(self.wait(error, wait))
    }

    fn wait(&mut self, error: String, wait: Duration) -> Connection {
        self.pace = Pace::Waiting;
        self.refusal = None;
        self.enter(Connection::Unreachable {
            error,
            retry_in: wait,
        })
    }

    /// What becomes of a request that would leave while the poller is not polling: not
    /// sent, and answered with why (probing a server that does not answer or refuses the
    /// credentials), or left unanswered (waiting: its last answer goes stale while the
    /// status bar says why).
    pub(super) fn held(&self) -> Option<Hold> {
        match (&self.connection, self.pace) {
            (_, Pace::Polling) if self.pausing => Some(Hold::Quiet),
            (_, Pace::Polling) => None,
            (_, Pace::Waiting) => Some(Hold::Quiet),
            _ if self.refusal.is_some() => self.refusal.clone().map(Hold::Said),
            (Connection::Unreachable { error, .. }, _) => {
                Some(Hold::Said(PromError::Unreachable(error.clone())))
            }
            _ => None,
        }
    }

    /// Enters `connection`; once the poller stops polling, cycles under way no longer
    /// count towards a verdict.
    fn enter(&mut self, connection: Connection) -> Connection {
        if self.pace != Pace::Polling {
            self.cycles.clear();
            self.pausing = false;
        }
        self.connection = connection.clone();
        connection
    }
}

/// Why Prometheus is out of reach, in the words of the connection state.
fn lost(error: &PromError, url: &str) -> String {
    match error {
        PromError::Timeout(after) => {
            format!(
                "not answering: {url} (timed out after {})",
                Form::Setting.duration(*after)
            )
        }
        e => e.to_string(),
    }
}
