//! The app's questions about the server (targets, facts, series, label values, annotation
//! samples), each asked once when the app says so: the app decides when, and caches.

use super::job::Outcome;
use crate::clock::unix_now;
use crate::event::{DataEvent, METADATA_LOOKBACK, ServerData, ServerRequest};
use crate::prom::{PromClient, PromError, Window};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Runs `request` under the poller's concurrency limit; its answer goes to the app as a
/// [`DataEvent::Server`].
pub(super) fn ask(
    client: &PromClient,
    semaphore: &Arc<Semaphore>,
    tasks: &mut JoinSet<Outcome>,
    request: ServerRequest,
) {
    let client = client.clone();
    let semaphore = semaphore.clone();
    tasks.spawn(async move {
        let _permit = semaphore.acquire_owned().await.ok();
        let sent = tokio::time::Instant::now();
        Outcome::Event {
            job: None,
            event: server_event(&client, request).await,
            omitted: 0,
            warnings: Vec::new(),
            sent,
        }
    });
}

/// Asks Prometheus `request` now; the answer as the app takes it.
pub async fn server_event(client: &PromClient, request: ServerRequest) -> DataEvent {
    let at = unix_now();
    let result = answer(client, &request, at).await;
    if let Err(e) = &result {
        log::debug!("{request:?}: {e}");
    }
    DataEvent::Server {
        at,
        request,
        result,
    }
}

async fn answer(
    client: &PromClient,
    request: &ServerRequest,
    at: f64,
) -> Result<ServerData, PromError> {
    let lookback = Window {
        start: at - METADATA_LOOKBACK.as_secs_f64(),
        end: at,
    };
    Ok(match request {
        ServerRequest::Targets => ServerData::Targets(client.targets_with_samples(at).await?),
        ServerRequest::Facts => ServerData::Facts(Box::new(client.facts().await?)),
        ServerRequest::Series { selector } => {
            ServerData::Series(client.series(selector, lookback).await?)
        }
        ServerRequest::LabelValues { name, selector } => {
            ServerData::Values(client.label_values(name, Some(selector), lookback).await?)
        }
        ServerRequest::Annotation {
            expr, window, step, ..
        } => {
            let start = at - f64::from(*window);
            let step = f64::from((*step).max(1));
            ServerData::Marks(client.range(expr, start, at, step).await?)
        }
    })
}
