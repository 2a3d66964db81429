//! When the app asks Prometheus about itself: targets and facts while a panel shows them
//! (or a panel is empty and needs them explained), the metadata an empty panel needs
//! (answers expire), and the `[[annotation]]` samples while the layout declares any. Live
//! only: a replay has the answers recorded.

use super::{App, Overlay};
use crate::config::layout::{ChartQuery, ChartSpec, DEFAULT_WINDOW, PanelKind, QueryId};
use crate::event::{DataEvent, ServerData, ServerRequest, SourceCommand};
use crate::model::{Thresholds, Unit};
use crate::prom::status::Target;
use crate::store::server::Answer;
use crate::view::why_empty;
use std::collections::HashMap;

/// How often the targets are asked while a targets panel is off screen (for its tab's
/// status) or an empty panel needs them; on screen, every refresh.
const TARGETS_EVERY: f64 = 10.0;
/// How often version, runtime, configuration and cardinality are asked while shown.
const FACTS_EVERY: f64 = 60.0;
/// How often annotation samples are asked.
const ANNOTATIONS_EVERY: f64 = 15.0;
/// How long a metadata answer explains an empty panel before it is asked again.
const EXPLAIN_EXPIRY: f64 = 60.0;
/// Points an annotation query returns at most per series.
const ANNOTATION_POINTS: f64 = 720.0;

/// When each server request was last sent (app clock), so one in flight is not re-sent.
#[derive(Clone, Debug, Default)]
pub struct ServerAsks(HashMap<ServerRequest, f64>);

impl App {
    /// Queues the server requests due now.
    /// `idle`: the queries the poller no longer asks (SLO windows read from the other form).
    pub(super) fn request_server_data(&mut self, idle: &[QueryId]) {
        if self.replay.is_some() || self.now <= 0.0 {
            return;
        }
        let kinds: Vec<PanelKind> = self
            .layout
            .tabs
            .iter()
            .flat_map(|t| t.rows.iter().flat_map(|r| r.panels.iter().map(|p| p.kind)))
            .collect();
        // A query the poller no longer asks is empty by design: nobody is shown why.
        let empty: Vec<String> = self
            .store
            .queries()
            .iter()
            .enumerate()
            .filter(|(id, q)| why_empty::is_empty(q) && !idle.contains(id))
            .map(|(_, q)| q.expr.clone())
            .collect();
        let mut due = Vec::new();
        let targets_shown = self.layout.tabs.get(self.tab).is_some_and(|tab| {
            tab.rows
                .iter()
                .any(|r| r.panels.iter().any(|p| p.kind == PanelKind::Targets))
        });
        if targets_shown {
            // Health and scrape ages on screen as fresh as the rest of the tab.
            let every = self.source.refresh.as_secs_f64().max(1.0);
            due.push((ServerRequest::Targets, every));
        } else if kinds.contains(&PanelKind::Targets) {
            due.push((ServerRequest::Targets, TARGETS_EVERY));
        }
        if kinds.iter().any(|k| k.is_server()) || self.overlay == Some(Overlay::Help) {
            due.push((ServerRequest::Facts, FACTS_EVERY));
        }
        let fresh_after = self.now - EXPLAIN_EXPIRY;
        for expr in &empty {
            for request in why_empty::requests(expr, &self.store.server, fresh_after) {
                due.push((request, EXPLAIN_EXPIRY));
            }
        }
        let (window, step) = self.annotation_window();
        for (index, annotation) in self.layout.annotations.iter().enumerate() {
            let request = ServerRequest::Annotation {
                index,
                expr: annotation.expr.clone(),
                window,
                step,
            };
            due.push((request, ANNOTATIONS_EVERY));
        }
        for (request, every) in due {
            let last = self.server_asks.0.get(&request).copied();
            if last.is_none_or(|at| self.now - at >= every) {
                self.server_asks.0.insert(request.clone(), self.now);
                self.outbox.push(SourceCommand::Server(request));
            }
        }
    }

    /// What a backend's server answered (`store` is its store), as the events that brought
    /// it: a recording started mid-session begins with them.
    pub(super) fn server_events(&self, store: &crate::store::Store) -> Vec<DataEvent> {
        fn event<T: Clone>(
            request: ServerRequest,
            answer: &Answer<T>,
            data: impl Fn(T) -> ServerData,
        ) -> DataEvent {
            DataEvent::Server {
                at: answer.at,
                request,
                result: answer.result.clone().map(data),
            }
        }
        let server = &store.server;
        let mut events = Vec::new();
        if let Some(answer) = &server.targets {
            events.push(event(ServerRequest::Targets, answer, ServerData::Targets));
        }
        if let Some(answer) = &server.facts {
            events.push(event(ServerRequest::Facts, answer, ServerData::Facts));
        }
        for (selector, answer) in &server.series {
            let request = ServerRequest::Series {
                selector: selector.clone(),
            };
            events.push(event(request, answer, ServerData::Series));
        }
        for ((name, selector), answer) in &server.values {
            let request = ServerRequest::LabelValues {
                name: name.clone(),
                selector: selector.clone(),
            };
            events.push(event(request, answer, ServerData::Values));
        }
        let (window, step) = self.annotation_window();
        for (index, answer) in &server.marks {
            let Some(annotation) = self.layout.annotations.get(*index) else {
                continue;
            };
            let request = ServerRequest::Annotation {
                index: *index,
                expr: annotation.expr.clone(),
                window,
                step,
            };
            events.push(event(request, answer, ServerData::Marks));
        }
        events
    }

    /// The window annotations cover: the longest panel history, or the drill view's span
    /// when one is open; and a step that keeps the points bounded.
    fn annotation_window(&self) -> (u32, u32) {
        let panels = self
            .layout
            .queries
            .iter()
            .filter_map(|q| q.history)
            .max()
            .unwrap_or(DEFAULT_WINDOW)
            .as_secs_f64();
        let window = if self.drill.is_empty() {
            panels
        } else {
            panels.max(self.time.span())
        };
        let step = (window / ANNOTATION_POINTS).max(self.source.refresh.as_secs_f64());
        (window.ceil() as u32, step.ceil().max(1.0) as u32)
    }
}

/// A target's health over time: `up` and how long its scrapes take, selected by the
/// target's job and instance (Prometheus' own series for every target).
pub(super) fn target_chart(target: &Target) -> ChartSpec {
    let selector = format!(
        "{{job=\"{}\",instance=\"{}\"}}",
        escape(target.job()),
        escape(target.instance())
    );
    ChartSpec {
        title: format!("{} {}", target.job(), target.instance()),
        queries: vec![
            ChartQuery {
                expr: format!("up{selector}"),
                legend: Some("up".into()),
            },
            ChartQuery {
                expr: format!("scrape_duration_seconds{selector}"),
                legend: Some("scrape duration (s)".into()),
            },
        ],
        unit: Unit::default(),
        decimals: Some(3),
        thresholds: Thresholds::default(),
        breakdown: None,
    }
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, Msg};
    use crate::event::{DataEvent, ServerData};
    use crate::prom::TargetHealth;
    use std::time::Duration;

    const NOW: f64 = 1_700_000_000.0;

    fn app() -> App {
        let mut app = crate::app::tests::bundled_app(5);
        app.update(Msg::Tick(NOW));
        app
    }

    fn server_requests(app: &mut App) -> Vec<ServerRequest> {
        app.take_commands()
            .into_iter()
            .filter_map(|c| match c {
                SourceCommand::Server(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn targets_facts_and_annotations_are_asked_on_their_own_schedules() {
        let mut app = app();
        let first = server_requests(&mut app);
        assert!(first.contains(&ServerRequest::Targets), "{first:?}");
        assert!(first.contains(&ServerRequest::Facts));
        assert!(first.iter().any(|r| matches!(
            r,
            ServerRequest::Annotation { index: 0, expr, window: 900, step: 5 }
                if expr == "changes(process_start_time_seconds[1m]) > 0"
        )));
        app.update(Msg::Tick(NOW + 1.0));
        assert_eq!(server_requests(&mut app), vec![], "nothing is due yet");
        app.update(Msg::Tick(NOW + 11.0));
        assert_eq!(server_requests(&mut app), vec![ServerRequest::Targets]);
        app.update(Msg::Tick(NOW + 16.0));
        assert!(matches!(
            server_requests(&mut app)[..],
            [ServerRequest::Annotation { .. }]
        ));
    }

    #[test]
    fn targets_on_screen_are_asked_every_refresh() {
        let mut app = app();
        let prometheus = app
            .layout()
            .tabs
            .iter()
            .position(|t| t.title == "Prometheus")
            .unwrap();
        app.take_commands();
        app.update(Msg::Action(Action::SelectTab(prometheus)));
        app.update(Msg::Tick(NOW + 5.0));
        assert!(server_requests(&mut app).contains(&ServerRequest::Targets));
        app.update(Msg::Tick(NOW + 7.0));
        assert!(!server_requests(&mut app).contains(&ServerRequest::Targets));
        app.update(Msg::Tick(NOW + 10.0));
        assert!(server_requests(&mut app).contains(&ServerRequest::Targets));
    }

    #[test]
    fn an_empty_answer_asks_why_once() {
        let mut app = app();
        app.take_commands();
        let id = app
            .layout()
            .queries
            .iter()
            .position(|q| q.expr == "ml_instance_cpu_usage_ratio")
            .unwrap();
        let empty = || {
            Msg::Data(DataEvent::Instant {
                id,
                at: NOW,
                result: Ok(Vec::new()),
                latency: Duration::ZERO,
            })
        };
        app.update(empty());
        assert_eq!(
            server_requests(&mut app),
            vec![ServerRequest::Series {
                selector: "ml_instance_cpu_usage_ratio".into()
            }]
        );
        app.update(empty());
        assert_eq!(server_requests(&mut app), vec![], "asked already");
    }

    #[test]
    fn an_slo_window_read_from_its_other_form_is_never_explained() {
        let mut app = app();
        app.take_commands();
        // No recording rules loaded: each window is read raw, its rule's query idles.
        let recorded = app.layout().slos[0].queries.recorded[0];
        app.update(Msg::Data(DataEvent::Instant {
            id: recorded,
            at: NOW,
            result: Ok(Vec::new()),
            latency: Duration::ZERO,
        }));
        assert_eq!(server_requests(&mut app), vec![]);
    }

    #[test]
    fn enter_on_a_target_charts_its_up_and_scrape_duration() {
        let mut app = app();
        let tab = app
            .layout()
            .tabs
            .iter()
            .position(|t| t.title == "Prometheus")
            .unwrap();
        let target = Target {
            pool: "node".into(),
            labels: crate::model::labels::from_pairs(&[
                ("job", "node"),
                ("instance", "127.0.0.1:9100"),
            ]),
            scrape_url: String::new(),
            health: TargetHealth::Down,
            last_error: None,
            last_scrape: None,
            last_scrape_duration: 0.0,
            scrape_interval: None,
            scrape_timeout: None,
            samples: None,
        };
        app.update(Msg::Data(DataEvent::Server {
            at: NOW,
            request: ServerRequest::Targets,
            result: Ok(ServerData::Targets(vec![target])),
        }));
        app.update(Msg::Action(Action::SelectTab(tab)));
        app.update(Msg::Action(Action::Open));
        let specs = app.drill().last().unwrap().specs();
        let exprs: Vec<&str> = specs[0].queries.iter().map(|q| q.expr.as_str()).collect();
        assert_eq!(
            exprs,
            vec![
                r#"up{job="node",instance="127.0.0.1:9100"}"#,
                r#"scrape_duration_seconds{job="node",instance="127.0.0.1:9100"}"#
            ]
        );
    }
}
