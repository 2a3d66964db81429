//! What Prometheus said about itself and its series: the latest targets and facts, the
//! metadata answers asked to explain empty panels (with when they were asked, so the app
//! can let them expire), and each `[[annotation]]`'s samples.

use crate::event::{ServerData, ServerRequest};
use crate::model::Labels;
use crate::prom::status::{SeriesList, ServerFacts, Target, TargetHealth};
use crate::prom::{PromError, Series};
use std::collections::HashMap;

/// An answer and when it was asked (Unix seconds).
#[derive(Clone, Debug, PartialEq)]
pub struct Answer<T> {
    pub at: f64,
    pub result: Result<T, PromError>,
}

#[derive(Clone, Debug, Default)]
pub struct ServerState {
    /// The layout's `[[annotation]]` entries, whose samples `marks` holds.
    pub annotations: Vec<crate::config::layout::Annotation>,
    pub targets: Option<Answer<Vec<Target>>>,
    pub facts: Option<Answer<Box<ServerFacts>>>,
    /// By selector.
    pub series: HashMap<String, Answer<SeriesList>>,
    /// By (label name, selector).
    pub values: HashMap<(String, String), Answer<Vec<String>>>,
    /// By index into `annotations`.
    pub marks: HashMap<usize, Answer<Vec<Series>>>,
    /// When each target (by its labels) was first seen down in the current outage.
    pub down_since: HashMap<Labels, f64>,
}

impl ServerState {
    pub fn ingest(
        &mut self,
        at: f64,
        request: ServerRequest,
        result: Result<ServerData, PromError>,
    ) {
        // An answer of the wrong kind is a source's bug; it is dropped rather than stored.
        macro_rules! take {
            ($variant:ident) => {
                match result {
                    Ok(ServerData::$variant(data)) => Ok(data),
                    Ok(_) => return,
                    Err(e) => Err(e),
                }
            };
        }
        match request {
            ServerRequest::Targets => {
                let result = take!(Targets);
                if let Ok(targets) = &result {
                    self.track_outages(at, targets);
                }
                self.targets = Some(Answer { at, result });
            }
            ServerRequest::Facts => {
                self.facts = Some(Answer {
                    at,
                    result: take!(Facts),
                })
            }
            ServerRequest::Series { selector } => {
                self.series.insert(
                    selector,
                    Answer {
                        at,
                        result: take!(Series),
                    },
                );
            }
            ServerRequest::LabelValues { name, selector } => {
                self.values.insert(
                    (name, selector),
                    Answer {
                        at,
                        result: take!(Values),
                    },
                );
            }
            ServerRequest::Annotation { index, .. } => {
                self.marks.insert(
                    index,
                    Answer {
                        at,
                        result: take!(Marks),
                    },
                );
            }
        }
    }

    fn track_outages(&mut self, at: f64, targets: &[Target]) {
        self.down_since.retain(|labels, _| {
            targets
                .iter()
                .any(|t| &t.labels == labels && t.health == TargetHealth::Down)
        });
        for target in targets.iter().filter(|t| t.health == TargetHealth::Down) {
            self.down_since.entry(target.labels.clone()).or_insert(at);
        }
    }

    /// The targets of the latest successful answer (none before one).
    pub fn targets(&self) -> &[Target] {
        match &self.targets {
            Some(Answer {
                result: Ok(targets),
                ..
            }) => targets,
            _ => &[],
        }
    }

    pub fn facts(&self) -> Option<&ServerFacts> {
        self.facts
            .as_ref()
            .and_then(|a| a.result.as_ref().ok())
            .map(AsRef::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::TargetHealth;

    fn target(instance: &str, health: TargetHealth) -> Target {
        Target {
            pool: "node".into(),
            labels: [("instance".to_string(), instance.to_string())]
                .into_iter()
                .collect(),
            scrape_url: String::new(),
            health,
            last_error: None,
            last_scrape: None,
            last_scrape_duration: 0.0,
            scrape_interval: None,
            scrape_timeout: None,
            samples: None,
        }
    }

    #[test]
    fn outages_start_when_first_seen_down_and_end_when_up() {
        let mut state = ServerState::default();
        let answer = |t| Ok(ServerData::Targets(vec![target("a", t)]));
        state.ingest(10.0, ServerRequest::Targets, answer(TargetHealth::Down));
        state.ingest(20.0, ServerRequest::Targets, answer(TargetHealth::Down));
        assert_eq!(
            state.down_since.values().copied().collect::<Vec<_>>(),
            vec![10.0]
        );
        state.ingest(30.0, ServerRequest::Targets, answer(TargetHealth::Up));
        assert!(state.down_since.is_empty());
        assert_eq!(state.targets().len(), 1);
        // A mismatched answer is dropped.
        state.ingest(40.0, ServerRequest::Facts, answer(TargetHealth::Up));
        assert!(state.facts.is_none());
    }
}
