//! The silence requests the app asks for ([`Effect::Silence`](crate::app::Effect)), sent to
//! Alertmanager off the event loop; each answer comes back as a [`SilenceOutcome`].

use crate::app::silence::{SilenceOutcome, SilenceRequest};
use crate::clock::unix_now;
use crate::prom::PromClient;
use crate::prom::silences::NewSilence;
use tokio::sync::mpsc;

/// Sends `request` to Alertmanager (`client`, from `--alertmanager`) in a task of its own.
pub fn spawn(
    client: Option<PromClient>,
    request: SilenceRequest,
    outcomes: mpsc::Sender<SilenceOutcome>,
) {
    tokio::spawn(async move {
        let outcome = match client {
            None => SilenceOutcome::Failed(
                "no Alertmanager to send it to: --alertmanager URL (or the profile's)".into(),
            ),
            Some(client) => send(&client, request).await,
        };
        // A gone loop has quit: nobody is left to tell.
        let _ = outcomes.send(outcome).await;
    });
}

async fn send(client: &PromClient, request: SilenceRequest) -> SilenceOutcome {
    match request {
        SilenceRequest::Create {
            matchers,
            duration,
            comment,
            ..
        } => {
            let now = unix_now();
            let silence = NewSilence {
                matchers,
                starts_at: now,
                ends_at: now + duration.as_secs_f64(),
                created_by: created_by(),
                comment,
            };
            match client.create_silence(&silence).await {
                Ok(id) => SilenceOutcome::Created { id },
                Err(e) => SilenceOutcome::Failed(e.to_string()),
            }
        }
        SilenceRequest::Expire { id, .. } => match client.expire_silence(&id).await {
            Ok(()) => SilenceOutcome::Expired { id },
            Err(e) => SilenceOutcome::Failed(e.to_string()),
        },
    }
}

/// `$USER@host`, as Alertmanager's UI shows who silenced what.
fn created_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "spheroseg-top".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}
