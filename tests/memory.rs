//! Memory stays flat once the history is full: the whole app (store, alert board and
//! timeline, range cache) fed a refresh cycle of the default layout every simulated
//! second — every query answering with several series, 60 alerts and the rules — and
//! drawn, for another history window past the point where it filled. A counting
//! allocator measures the heap exactly, so the bound can be tight and the clock fast
//! (hours of uptime in seconds, no sleeping).

#![allow(clippy::unwrap_used)]

mod common;

use spheroseg_top::app::{Action, Msg};
use spheroseg_top::config::Layout;
use spheroseg_top::event::DataEvent;
use spheroseg_top::prom::{
    Alert, AlertSource, AlertState, RuleGroupStatus, RuleHealth, RuleKind, RuleStatus, Sample,
};
use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

/// Bytes allocated and not yet freed, by everything in this test binary.
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as the caller promised for `ptr`, `layout` and `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const START: f64 = 1_700_000_000.0;
const SERIES_PER_QUERY: usize = 4;
const ALERTS: usize = 60;

/// A value that moves every second, differently per query and series.
fn value(id: usize, series: usize, t: f64) -> f64 {
    ((t / 7.0) + (id * 13 + series) as f64).sin() * 50.0 + 100.0
}

/// One refresh cycle at `t`: every query, then alerts and rules.
fn cycle(queries: usize, t: f64) -> Vec<DataEvent> {
    let mut events: Vec<DataEvent> = (0..queries)
        .map(|id| DataEvent::Instant {
            id,
            at: t,
            result: Ok((0..SERIES_PER_QUERY)
                .map(|s| Sample {
                    labels: common::labels(&[("instance", &format!("api-{s}")), ("job", "api")]),
                    time: t,
                    value: value(id, s, t),
                })
                .collect()),
            latency: Duration::from_millis(3),
        })
        .collect();
    let alerts: Vec<Alert> = (0..ALERTS)
        .map(|i| Alert {
            name: format!("Alert{}", i % 12),
            labels: common::labels(&[
                ("alertname", &format!("Alert{}", i % 12)),
                ("instance", &format!("api-{i}")),
                ("severity", if i % 3 == 0 { "critical" } else { "warning" }),
            ]),
            annotations: [("summary".to_string(), format!("api-{i} is slow"))].into(),
            state: if i % 2 == 0 {
                AlertState::Firing
            } else {
                AlertState::Pending
            },
            active_at: START,
            value: value(i, 0, t),
            source: AlertSource::Server,
        })
        .collect();
    let rules = vec![RuleGroupStatus {
        name: "spheroseg".into(),
        file: "spheroseg.yml".into(),
        interval: 1.0,
        rules: (0..12)
            .map(|r| RuleStatus {
                name: format!("Alert{r}"),
                kind: RuleKind::Alerting,
                query: format!("rate(x{r}[5m]) > 1"),
                duration: 300.0,
                labels: Default::default(),
                annotations: Default::default(),
                health: RuleHealth::Ok,
                last_error: None,
                last_evaluation: Some(t),
                evaluation_time: 0.001,
                state: Some(AlertState::Firing),
                alerts: alerts
                    .iter()
                    .filter(|a| a.name == format!("Alert{r}"))
                    .cloned()
                    .collect(),
            })
            .collect(),
        last_evaluation: Some(t),
        evaluation_time: 0.01,
    }];
    events.push(DataEvent::Alerts {
        at: t,
        result: Ok(alerts),
    });
    events.push(DataEvent::Rules {
        at: t,
        result: Ok(rules),
    });
    events.push(DataEvent::Clock(t + 0.5));
    events
}

#[test]
fn memory_is_flat_once_the_history_is_full() {
    let mut layout = Layout::load("spheroseg").unwrap();
    // Two minutes of history fill as the default 15 do, in an eighth of the cycles.
    for query in &mut layout.queries {
        query.history = query.history.map(|h| h.min(Duration::from_secs(120)));
    }
    let window = layout
        .queries
        .iter()
        .filter_map(|q| q.history)
        .max()
        .unwrap()
        .as_secs();
    let queries = layout.queries.len();
    let mut app = common::app(layout, "http://127.0.0.1:9090");
    app.update(Msg::Action(Action::Resize(200, 60)));
    let heap_at = |app: &mut spheroseg_top::app::App, second: u64| {
        for event in cycle(queries, START + second as f64) {
            app.update(Msg::Data(event));
        }
        // Drawn now and then, on every tab in turn.
        if second.is_multiple_of(10) {
            app.update(Msg::Action(Action::NextTab));
            common::render(app, 200, 60);
        }
        LIVE.load(Ordering::Relaxed)
    };
    // Fill the history (and a margin for the last thinning), then measure over the window
    // again.
    let full_from = window + 60;
    let mut full = 0;
    for second in 0..full_from {
        full = heap_at(&mut app, second);
    }
    let mut highest = full;
    for second in full_from..full_from + window {
        highest = highest.max(heap_at(&mut app, second));
    }
    let end = LIVE.load(Ordering::Relaxed);
    eprintln!(
        "heap: {} KiB once the history is full, {} KiB at most after, {} KiB at the end ({window} s window)",
        full / 1024,
        highest / 1024,
        end / 1024
    );
    // A cycle's answers are transient; 64 KiB covers them and allocator-size noise, far
    // below what a leak of one point per series per cycle would add (MiBs).
    assert!(
        end <= full + 64 * 1024,
        "heap grew from {full} to {end} bytes once the history was full"
    );
}
