//! Template variables in the poller: a variable's options, asked of Prometheus (a label's
//! values among the series a selector matches, or the series of an instant query, written
//! as Grafana writes them), and queries re-expanded for a new selection.

use super::Poller;
use super::job::{Job, Outcome};
use crate::clock::unix_now;
use crate::config::layout::QueryId;
use crate::event::{DataEvent, METADATA_LOOKBACK};
use crate::prom::status::Window;
use crate::prom::{PromClient, Sample};
use crate::variables::{OptionsQuery, Selection};
use tokio::task::JoinSet;

impl Poller {
    /// Runs `query` for variable `name` off the poller's loop; not part of a refresh cycle.
    pub(super) fn fetch_options(
        &self,
        tasks: &mut JoinSet<Outcome>,
        name: String,
        query: OptionsQuery,
    ) {
        let client = self.client.clone();
        let semaphore = self.semaphore.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await.ok();
            let sent = tokio::time::Instant::now();
            Outcome::Event {
                job: None,
                event: options_event(&client, name, &query).await,
                omitted: 0,
                warnings: Vec::new(),
                sent,
            }
        });
    }

    /// Polls `queries` as newly expanded: answers under way are of the old expression, and
    /// the history of each starts over. Echoes the selection for a recording.
    pub(super) async fn expand(
        &mut self,
        queries: Vec<(QueryId, String)>,
        selections: Vec<(String, Selection)>,
    ) -> Result<(), ()> {
        for (id, expr) in queries {
            let Some(def) = self.config.queries.get_mut(id) else {
                continue;
            };
            def.expr = expr;
            self.failing.remove(&id);
            self.batcher.forget(id);
            for job in [Job::Instant(id), Job::Range(id)] {
                if self.in_flight.contains_key(&job) {
                    self.superseded.insert(job);
                }
            }
            self.backfill.insert(id);
        }
        self.send(DataEvent::Variables(selections)).await
    }

    /// Backfills the queries whose history started over, unless still running.
    pub(super) fn restart_histories(&mut self, tasks: &mut JoinSet<Outcome>, at: f64) {
        let restarted: Vec<QueryId> = self.backfill.iter().copied().collect();
        for id in restarted {
            let keeps_history = self.config.queries[id].history.is_some();
            if !keeps_history || self.start(tasks, Job::Range(id), at, None) {
                self.backfill.remove(&id);
            }
        }
    }
}

/// Asks Prometheus for variable `name`'s options now (its query already expanded with
/// the earlier variables' choice): a label's values among the series a selector matches,
/// or the series of an instant query; the answer as the app takes it.
pub async fn options_event(client: &PromClient, name: String, query: &OptionsQuery) -> DataEvent {
    let result = match query {
        OptionsQuery::LabelValues { selector, label } => {
            // Grafana asks over the dashboard's range; the metadata requests' look-back
            // is the dashboard's longest view here.
            let now = unix_now();
            let window = Window {
                start: now - METADATA_LOOKBACK.as_secs_f64(),
                end: now,
            };
            client
                .label_values(label, selector.as_deref(), window)
                .await
        }
        OptionsQuery::QueryResult { expr } => client
            .instant(expr, unix_now())
            .await
            .map(|answer| answer.samples.iter().map(series_text).collect()),
    };
    if let Err(e) = &result {
        log::warn!("options of ${name}: {e}");
    }
    DataEvent::VariableOptions { name, result }
}

/// Grafana's `query_result` text of a series: `name{label="value",…} value timestamp_ms`.
fn series_text(sample: &Sample) -> String {
    let name = sample.labels.get("__name__").map_or("", String::as_str);
    let labels: Vec<String> = sample
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!(
        "{name}{{{}}} {} {}",
        labels.join(","),
        sample.value,
        (sample.time * 1000.0).round() as i64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_reads_as_in_grafana() {
        let labels = crate::model::labels::from_pairs(&[
            ("__name__", "up"),
            ("job", "node"),
            ("instance", "a:9100"),
        ]);
        let sample = Sample {
            labels,
            time: 1700000000.5,
            value: 1.0,
        };
        assert_eq!(
            series_text(&sample),
            r#"up{instance="a:9100",job="node"} 1 1700000000500"#
        );
    }
}
