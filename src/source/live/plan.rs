//! What each refresh cycle asks Prometheus for. What is on screen (the visible tab's
//! queries, the rule states when a panel shows them) is asked every refresh; what only
//! feeds the tab bar's status glyphs and the local rules is asked every few seconds
//! ([`BACKGROUND`]); the active alerts, which the status bar always shows, every refresh.
//! The app says what is on screen ([`Watch`]); until it does, everything is.

use crate::config::layout::QueryId;
use crate::event::{Schedule, Watch};
use std::time::Duration;

/// How often what is not on screen is asked for at most (or every refresh, when that is
/// slower): the tab bar's glyphs and local alerts lag by no more than this.
pub const BACKGROUND: Duration = Duration::from_secs(5);

pub struct Plan {
    refresh: Duration,
    /// Cycles between two background polls.
    every: u64,
    /// Per query: polled every refresh.
    visible: Vec<bool>,
    rules_visible: bool,
}

impl Plan {
    pub fn new(queries: usize, refresh: Duration) -> Self {
        let cycles = BACKGROUND.as_secs_f64() / refresh.as_secs_f64().max(0.001);
        Self {
            refresh,
            every: (cycles.ceil() as u64).max(1),
            visible: vec![true; queries],
            rules_visible: true,
        }
    }

    /// The periods the app judges ages by.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            visible: self.refresh,
            background: self.refresh * u32::try_from(self.every).unwrap_or(u32::MAX),
        }
    }

    /// Whether cycle `cycle` asks for everything (the first one always does).
    fn background_due(&self, cycle: u64) -> bool {
        cycle % self.every == 1 % self.every
    }

    /// The queries cycle `cycle` asks for.
    pub fn instants(&self, cycle: u64) -> impl Iterator<Item = QueryId> + '_ {
        let all = self.background_due(cycle);
        (0..self.visible.len()).filter(move |&id| all || self.visible[id])
    }

    /// Whether cycle `cycle` asks for the rule states.
    pub fn rules(&self, cycle: u64) -> bool {
        self.rules_visible || self.background_due(cycle)
    }

    /// The screen now shows `watch`; returns the queries that just came into sight, to be
    /// asked for at once (they were last asked up to a background period ago).
    pub fn watch(&mut self, watch: &Watch) -> Vec<QueryId> {
        let mut visible = vec![false; self.visible.len()];
        for &id in &watch.queries {
            if let Some(v) = visible.get_mut(id) {
                *v = true;
            }
        }
        let fresh = (0..visible.len())
            .filter(|&id| visible[id] && !self.visible[id])
            .collect();
        self.visible = visible;
        self.rules_visible = watch.rules;
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_in_sight_every_refresh_the_rest_every_five_seconds() {
        let mut plan = Plan::new(4, Duration::from_secs(1));
        assert_eq!(
            plan.schedule(),
            Schedule {
                visible: Duration::from_secs(1),
                background: Duration::from_secs(5)
            }
        );
        // Until the app says what is on screen, everything is.
        assert_eq!(plan.instants(2).count(), 4);
        assert!(plan.rules(2));
        let fresh = plan.watch(&Watch {
            queries: vec![1, 3],
            rules: false,
        });
        assert!(fresh.is_empty(), "already polled every refresh");
        let asked: Vec<Vec<QueryId>> = (1..=10).map(|c| plan.instants(c).collect()).collect();
        assert_eq!(
            asked[0],
            vec![0, 1, 2, 3],
            "the first cycle asks for everything"
        );
        assert_eq!(asked[1], vec![1, 3]);
        assert_eq!(asked[5], vec![0, 1, 2, 3], "five cycles later, again");
        let total: usize = asked.iter().map(Vec::len).sum();
        assert_eq!(total, 2 * 10 + 2 * 2);
        assert_eq!((1..=10).filter(|&c| plan.rules(c)).count(), 2);
        // A tab switch brings queries into sight: asked at once.
        let fresh = plan.watch(&Watch {
            queries: vec![0],
            rules: true,
        });
        assert_eq!(fresh, vec![0]);
        assert!(plan.rules(2));
    }

    #[test]
    fn slow_refreshes_poll_everything_every_refresh() {
        let mut plan = Plan::new(3, Duration::from_secs(10));
        plan.watch(&Watch::default());
        assert_eq!(plan.schedule().background, Duration::from_secs(10));
        assert!((1..5).all(|c| plan.instants(c).count() == 3 && plan.rules(c)));
    }
}
