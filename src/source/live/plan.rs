//! What each refresh cycle asks Prometheus for. What is on screen (the visible tab's
//! queries, the rule states when a panel shows them) is asked every refresh; what only
//! feeds the tab bar's status glyphs and the local rules is asked every few seconds
//! ([`BACKGROUND`]); the active alerts, which the status bar always shows, every refresh.
//! The app says what is on screen ([`Watch`]); until it does, everything is. It also names
//! the queries to ask at a pace of their own, shown or not (SLO windows, whose ratios move
//! slowly), and those not to ask at all.
//!
//! Nothing is asked for more often than it can change: queries not faster than Prometheus
//! scrapes its fastest target, alerts and rule states not faster than it evaluates its
//! rules ([`Plan::scraped_every`], [`Plan::evaluated_every`]).

use crate::config::layout::QueryId;
use crate::event::{Schedule, Watch};
use std::time::Duration;

/// How often what is not on screen is asked for at most (or every refresh, when that is
/// slower): the tab bar's glyphs and local alerts lag by no more than this.
pub const BACKGROUND: Duration = Duration::from_secs(5);

pub struct Plan {
    refresh: Duration,
    /// Cycles between two polls of what is on screen (1 unless scrapes are slower).
    visible_every: u64,
    /// Cycles between two polls of the alerts (1 unless evaluations are slower).
    alerts_every: u64,
    /// Cycles between two background polls, a multiple of `visible_every`.
    every: u64,
    /// Per query: polled every refresh.
    visible: Vec<bool>,
    /// Per query: polled once per this period at most, shown or not ([`Watch::paced`]),
    /// once it has answered with data (until then, like any other).
    pace: Vec<Option<Duration>>,
    /// Per query: its last answer had data.
    settled: Vec<bool>,
    /// Per query: not polled.
    idle: Vec<bool>,
    rules_visible: bool,
}

impl Plan {
    pub fn new(queries: usize, refresh: Duration) -> Self {
        let cycles = BACKGROUND.as_secs_f64() / refresh.as_secs_f64().max(0.001);
        Self {
            refresh,
            visible_every: 1,
            alerts_every: 1,
            every: (cycles.ceil() as u64).max(1),
            visible: vec![true; queries],
            pace: vec![None; queries],
            settled: vec![false; queries],
            idle: vec![false; queries],
            rules_visible: true,
        }
    }

    /// The periods the app judges ages by.
    pub fn schedule(&self) -> Schedule {
        let cycles = |n: u64| self.refresh * u32::try_from(n).unwrap_or(u32::MAX);
        Schedule {
            visible: cycles(self.visible_every),
            background: cycles(self.every),
        }
    }

    /// Prometheus scrapes its fastest target every `interval`: answers cannot change
    /// faster. Returns whether the schedule changed.
    pub fn scraped_every(&mut self, interval: Duration) -> bool {
        let before = self.schedule();
        self.visible_every = self.cycles(interval);
        // Background polls fall on visible ones, at least as far apart as before.
        let base = self.cycles(BACKGROUND).max(self.visible_every);
        self.every = base.div_ceil(self.visible_every) * self.visible_every;
        self.schedule() != before
    }

    /// Prometheus evaluates its rules every `interval` at the fastest: alerts and rule
    /// states cannot change faster.
    pub fn evaluated_every(&mut self, interval: Duration) {
        self.alerts_every = self.cycles(interval);
    }

    /// Refresh cycles that `interval` spans, at least one.
    fn cycles(&self, interval: Duration) -> u64 {
        let ratio = interval.as_secs_f64() / self.refresh.as_secs_f64().max(0.001);
        // A whisker under a whole number is that number (1 s / 1 s must be 1 cycle).
        ((ratio - 1e-9).ceil() as u64).max(1)
    }

    /// Whether cycle `cycle` falls on a period of `every` cycles (the first one always does).
    fn due(cycle: u64, every: u64) -> bool {
        cycle % every == 1 % every
    }

    /// The queries cycle `cycle` asks for.
    pub fn instants(&self, cycle: u64) -> impl Iterator<Item = QueryId> + '_ {
        let any = Self::due(cycle, self.visible_every);
        let all = Self::due(cycle, self.every);
        (0..self.visible.len()).filter(move |&id| {
            any && !self.idle[id]
                && match self.pace[id] {
                    Some(period) if self.settled[id] => {
                        Self::due(cycle, self.paced_every(period, self.visible[id]))
                    }
                    _ => all || self.visible[id],
                }
        })
    }

    /// Query `id` answered, with data or not (empty, failed): a paced query keeps its pace
    /// only while it has something to show, so an SLO window empty at start (a fresh
    /// Prometheus) is not left blank for a minute.
    pub fn answered(&mut self, id: QueryId, with_data: bool) {
        if let Some(settled) = self.settled.get_mut(id) {
            *settled = with_data;
        }
    }

    /// Cycles between two polls of a query paced at `period`: on the polls of what is on
    /// screen, or off screen on the background ones, never more often than those.
    fn paced_every(&self, period: Duration, visible: bool) -> u64 {
        let base = if visible {
            self.visible_every
        } else {
            self.every
        };
        self.cycles(period).div_ceil(base) * base
    }

    /// Whether cycle `cycle` asks for the active alerts.
    pub fn alerts(&self, cycle: u64) -> bool {
        Self::due(cycle, self.alerts_every)
    }

    /// Whether cycle `cycle` asks for the rule states.
    pub fn rules(&self, cycle: u64) -> bool {
        let every = if self.rules_visible { 1 } else { self.every };
        Self::due(cycle, every.max(self.alerts_every))
    }

    /// The screen now shows `watch`; returns the queries that just came into sight, to be
    /// asked for at once (they were last asked up to a background period ago).
    pub fn watch(&mut self, watch: &Watch) -> Vec<QueryId> {
        let flags = |ids: &[QueryId]| {
            let mut out = vec![false; self.visible.len()];
            for &id in ids {
                if let Some(v) = out.get_mut(id) {
                    *v = true;
                }
            }
            out
        };
        let (visible, idle) = (flags(&watch.queries), flags(&watch.idle));
        let mut pace = vec![None; self.visible.len()];
        for &(id, period) in &watch.paced {
            if let Some(p) = pace.get_mut(id) {
                *p = Some(period);
            }
        }
        // Paced ones wait for their turn; one no longer idle is asked at once.
        let fresh = (0..visible.len())
            .filter(|&id| {
                visible[id]
                    && pace[id].is_none()
                    && !idle[id]
                    && (!self.visible[id] || self.idle[id])
            })
            .collect();
        self.visible = visible;
        self.pace = pace;
        self.idle = idle;
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
            ..Watch::default()
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
            ..Watch::default()
        });
        assert_eq!(fresh, vec![0]);
        assert!(plan.rules(2));
    }

    #[test]
    fn nothing_is_asked_faster_than_it_can_change() {
        let mut plan = Plan::new(2, Duration::from_secs(1));
        plan.watch(&Watch {
            queries: vec![0],
            rules: true,
            ..Watch::default()
        });
        assert!(
            !plan.scraped_every(Duration::from_secs(1)),
            "1 s scrapes: as before"
        );
        assert!(plan.scraped_every(Duration::from_secs(15)));
        assert_eq!(
            plan.schedule(),
            Schedule {
                visible: Duration::from_secs(15),
                background: Duration::from_secs(15)
            }
        );
        let asked = |plan: &Plan, c| plan.instants(c).count();
        assert_eq!(
            (1..=30).map(|c| asked(&plan, c)).sum::<usize>(),
            4,
            "cycles 1 and 16"
        );
        plan.evaluated_every(Duration::from_secs(10));
        assert_eq!((1..=30).filter(|&c| plan.alerts(c)).count(), 3);
        assert_eq!((1..=30).filter(|&c| plan.rules(c)).count(), 3);
        // Scrapes every 2 s: background polls every 6 s, on visible ones.
        plan.scraped_every(Duration::from_secs(2));
        assert_eq!(plan.schedule().background, Duration::from_secs(6));
    }

    #[test]
    fn paced_queries_at_their_pace_idle_ones_never() {
        let mut plan = Plan::new(6, Duration::from_secs(1));
        let minute = Duration::from_secs(60);
        plan.watch(&Watch {
            queries: vec![0, 1, 4],
            rules: false,
            paced: vec![
                (1, minute),
                (2, minute),
                (4, Duration::from_secs(5)),
                (5, Duration::from_secs(2)),
            ],
            idle: vec![3],
        });
        for id in 0..6 {
            plan.answered(id, true);
        }
        let asked = |plan: &Plan, id| {
            (1..=120)
                .filter(|&c| plan.instants(c).any(|q| q == id))
                .count()
        };
        assert_eq!(asked(&plan, 0), 120, "on screen: every refresh");
        assert_eq!(
            asked(&plan, 1),
            2,
            "a minute, shown or not: cycles 1 and 61"
        );
        assert_eq!(asked(&plan, 2), 2);
        assert_eq!(asked(&plan, 3), 0, "idle: never");
        assert_eq!(asked(&plan, 4), 24, "every 5 s on screen");
        let off_screen = "off screen, never more often than the background";
        assert_eq!(asked(&plan, 5), 24, "{off_screen}");
        // An answer without data: asked like any other until one has some.
        plan.answered(4, false);
        assert_eq!(asked(&plan, 4), 120, "on screen, empty: every refresh");
        plan.answered(2, false);
        assert_eq!(
            asked(&plan, 2),
            24,
            "off screen, empty: every background poll"
        );
        // The rule went away: the idle query is asked at once, a paced one waits its turn.
        let fresh = plan.watch(&Watch {
            queries: vec![0, 1, 3],
            rules: false,
            paced: vec![(1, minute)],
            idle: vec![],
        });
        assert_eq!(fresh, vec![3]);
    }

    #[test]
    fn slow_refreshes_poll_everything_every_refresh() {
        let mut plan = Plan::new(3, Duration::from_secs(10));
        plan.watch(&Watch::default());
        assert_eq!(plan.schedule().background, Duration::from_secs(10));
        assert!((1..5).all(|c| plan.instants(c).count() == 3 && plan.rules(c)));
    }
}
