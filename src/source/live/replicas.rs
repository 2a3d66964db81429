//! An HA group: the same Prometheus twice or more (a profile's `prometheus = [URL, URL]`),
//! asked one at a time so that no answer is ever counted twice. When the one asked stops
//! answering the poller moves on to the next at once; once every one has failed, it probes
//! them in turn with its usual backoff. While a standby answers, the first is checked now
//! and then, and taken back only after it has answered every check for a while: a server
//! that restarts in a loop must not make the dashboard flap.

use crate::event::Replica;
use crate::prom::PromClient;
use std::time::Duration;
use tokio::time::Instant;

/// The servers of a group, the first preferred.
#[derive(Clone, Debug)]
pub struct Replicas {
    first: PromClient,
    standbys: Vec<PromClient>,
}

impl Replicas {
    /// `first`, then the standbys in the order given.
    pub fn new(first: PromClient, standbys: Vec<PromClient>) -> Self {
        Self { first, standbys }
    }

    /// The server preferred.
    pub fn first(&self) -> &PromClient {
        &self.first
    }

    /// The first server that answers, in order, for a one-off question (`snapshot`);
    /// the first when none does, which then says why.
    pub async fn first_answering(self) -> PromClient {
        let first = self.first;
        if first.ping().await.is_ok() {
            return first;
        }
        for standby in self.standbys {
            if standby.ping().await.is_ok() {
                log::warn!(
                    "{} does not answer: asking {}",
                    first.display_url(),
                    standby.display_url()
                );
                return standby;
            }
        }
        first
    }
}

impl From<PromClient> for Replicas {
    fn from(client: PromClient) -> Self {
        Self::new(client, Vec::new())
    }
}

/// What happens when the server asked stops answering.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Move {
    /// Another server has not failed since one last answered: poll it now.
    Switch,
    /// Every one has failed: the next probe goes to the next one.
    Rotate,
    /// There is only the one.
    Stay,
}

/// Which server the poller asks, and when the first may have it back.
pub(super) struct Group {
    clients: Vec<PromClient>,
    active: usize,
    /// Servers that failed since one last answered.
    failed: usize,
    /// While a standby answers: since when the first has answered every check.
    first_answering_since: Option<Instant>,
    /// When the first is checked next, while a standby answers.
    next_check: Instant,
    check_every: Duration,
    back_after: Duration,
}

impl Group {
    pub(super) fn new(replicas: Replicas, refresh: Duration) -> Self {
        let mut clients = vec![replicas.first];
        clients.extend(replicas.standbys);
        Self {
            clients,
            active: 0,
            failed: 0,
            first_answering_since: None,
            next_check: Instant::now(),
            // Checks as often as a refresh, but not more than every 5 s: a check is one
            // cheap request. The first is taken back after ten refreshes of answers, at
            // least 10 s and at most 2 minutes.
            check_every: refresh.max(Duration::from_secs(5)),
            back_after: (refresh * 10).clamp(Duration::from_secs(10), Duration::from_secs(120)),
        }
    }

    pub(super) fn active(&self) -> &PromClient {
        &self.clients[self.active]
    }

    /// The status bar's "which one answers", for a group of two or more.
    pub(super) fn replica(&self) -> Option<Replica> {
        (self.clients.len() > 1).then(|| Replica {
            url: self.active().display_url().to_string(),
            index: self.active,
            count: self.clients.len(),
        })
    }

    /// Whether another server takes over when the one asked is lost (not all have failed).
    pub(super) fn has_standby(&self) -> bool {
        self.clients.len() > 1 && self.failed + 1 < self.clients.len()
    }

    /// The server asked answered.
    pub(super) fn answered(&mut self) {
        self.failed = 0;
    }

    /// The server asked does not answer: moves to the next one, if there is another.
    pub(super) fn failed(&mut self) -> Move {
        if self.clients.len() < 2 {
            return Move::Stay;
        }
        self.failed += 1;
        self.active = (self.active + 1) % self.clients.len();
        self.first_answering_since = None;
        self.next_check = Instant::now() + self.check_every;
        if self.failed < self.clients.len() {
            Move::Switch
        } else {
            Move::Rotate
        }
    }

    /// The first server, when a standby answers and it is time to check the first.
    pub(super) fn check_due(&mut self, now: Instant) -> Option<PromClient> {
        if self.active == 0 || self.failed > 0 || now < self.next_check {
            return None;
        }
        self.next_check = now + self.check_every;
        Some(self.clients[0].clone())
    }

    /// How a check of the first ended; true when it has answered long enough to be taken
    /// back (the poller then switches to it).
    pub(super) fn checked(&mut self, answered: bool, now: Instant) -> bool {
        if self.active == 0 {
            return false;
        }
        if !answered {
            self.first_answering_since = None;
            return false;
        }
        let since = *self.first_answering_since.get_or_insert(now);
        if now.duration_since(since) < self.back_after {
            return false;
        }
        self.active = 0;
        self.failed = 0;
        self.first_answering_since = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::ClientOptions;

    fn group(count: usize) -> Group {
        let clients: Vec<PromClient> = (0..count)
            .map(|i| {
                PromClient::new(
                    &format!("http://127.0.0.1:{}", 9090 + i),
                    ClientOptions::default(),
                )
                .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let mut clients = clients.into_iter();
        let first = clients.next().unwrap_or_else(|| panic!("one at least"));
        Group::new(
            Replicas::new(first, clients.collect()),
            Duration::from_secs(1),
        )
    }

    #[test]
    fn a_failure_moves_on_at_once_until_every_one_failed_then_rotates() {
        let mut group = group(2);
        assert_eq!(group.replica().map(|r| r.index), Some(0));
        assert_eq!(group.failed(), Move::Switch);
        assert_eq!(group.active().display_url(), "http://127.0.0.1:9091");
        assert_eq!(group.failed(), Move::Rotate);
        assert_eq!(group.active().display_url(), "http://127.0.0.1:9090");
        group.answered();
        assert_eq!(group.failed(), Move::Switch);
    }

    #[test]
    fn one_server_stays() {
        let mut group = group(1);
        assert_eq!(group.failed(), Move::Stay);
        assert_eq!(group.replica(), None);
    }

    #[test]
    fn the_first_comes_back_only_after_answering_every_check_for_a_while() {
        let mut group = group(2);
        assert_eq!(group.failed(), Move::Switch);
        let start = Instant::now();
        group.answered();
        assert!(
            group.check_due(start).is_none(),
            "not before the first check is due"
        );
        let later = start + Duration::from_secs(6);
        assert!(group.check_due(later).is_some());
        assert!(!group.checked(true, later));
        assert!(
            !group.checked(false, later + Duration::from_secs(5)),
            "a failed check starts over"
        );
        assert!(!group.checked(true, later + Duration::from_secs(10)));
        assert!(!group.checked(true, later + Duration::from_secs(19)));
        assert!(group.checked(true, later + Duration::from_secs(20)));
        assert_eq!(group.active().display_url(), "http://127.0.0.1:9090");
        assert!(group.check_due(later + Duration::from_secs(60)).is_none());
    }
}
