//! Several backends side by side: one poller per backend, each on its own schedule and
//! with its own concurrency limit (a slow backend never holds back another's answers),
//! all feeding the one channel; the second backend's events onwards come wrapped in
//! [`DataEvent::Backend`] with its index. Every command goes to every poller.

use super::{PollerConfig, Replicas, spawn};
use crate::event::{DataEvent, SourceCommand};
use crate::prom::PromClient;
use tokio::sync::mpsc;

/// One backend's servers (one, or an HA group) and its Alertmanager.
pub struct BackendServers {
    pub servers: Replicas,
    pub alertmanager: Option<PromClient>,
}

/// Events a backend's poller may have ahead of the app before it waits: as many as the
/// one channel holds.
const QUEUED: usize = 1024;

/// Starts a poller per backend; returns where commands go (to every poller). They stop
/// when `events`' receiver is dropped.
pub fn spawn_each(
    backends: Vec<BackendServers>,
    config: &PollerConfig,
    events: mpsc::Sender<DataEvent>,
) -> mpsc::Sender<SourceCommand> {
    let mut pollers = Vec::new();
    for (index, backend) in backends.into_iter().enumerate() {
        let config = PollerConfig {
            alertmanager: backend.alertmanager,
            queries: config.queries.clone(),
            ..*config
        };
        let own = if index == 0 {
            events.clone()
        } else {
            wrapped(index, events.clone())
        };
        pollers.push(spawn(backend.servers, config, own));
    }
    if let [only] = pollers.as_slice() {
        return only.clone();
    }
    let (commands, mut received) = mpsc::channel::<SourceCommand>(64);
    tokio::spawn(async move {
        while let Some(command) = received.recv().await {
            for poller in &pollers {
                // A poller whose queue is full drops the command, as with one backend.
                let _ = poller.try_send(command.clone());
            }
        }
    });
    commands
}

/// A sender whose events reach `events` as backend `index`'s.
fn wrapped(index: usize, events: mpsc::Sender<DataEvent>) -> mpsc::Sender<DataEvent> {
    let (own, mut received) = mpsc::channel(QUEUED);
    tokio::spawn(async move {
        while let Some(event) = received.recv().await {
            let event = DataEvent::Backend {
                backend: index,
                event: Box::new(event),
            };
            if events.send(event).await.is_err() {
                break;
            }
        }
    });
    own
}
