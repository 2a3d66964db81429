//! The app wired to a real poller, its commands sent and its events fed back, as the
//! dashboard runs it.

use super::client;
use spheroseg_top::app::{Action, App, Msg};
use spheroseg_top::event::{DataEvent, SourceCommand};
use spheroseg_top::source::live::{self as poller, PollerConfig};
use std::time::Duration;
use tokio::sync::mpsc;

/// The app wired to the real poller: its commands go to the poller, the poller's events
/// come back, until `done` holds.
pub struct Wired {
    pub app: App,
    commands: mpsc::Sender<SourceCommand>,
    events: mpsc::Receiver<DataEvent>,
    /// Every `Expand` the app sent, in order.
    pub expands: Vec<Vec<usize>>,
}

impl Wired {
    pub fn start(app: App, url: &str) -> Wired {
        let (tx, events) = mpsc::channel(1024);
        let commands = poller::spawn(
            client(url),
            PollerConfig {
                queries: app.polled_queries(),
                refresh: Duration::from_secs(1),
                concurrency: 4,
                alertmanager: None,
            },
            tx,
        );
        Wired {
            app,
            commands,
            events,
            expands: Vec::new(),
        }
    }

    pub async fn flush(&mut self) {
        for command in self.app.take_commands() {
            if let SourceCommand::Expand { queries, .. } = &command {
                self.expands
                    .push(queries.iter().map(|(id, _)| *id).collect());
            }
            self.commands.send(command).await.unwrap();
        }
    }

    pub async fn run_until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            self.flush().await;
            if done(&self.app) {
                return;
            }
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .unwrap();
            if let DataEvent::Instant { at, .. } = &event {
                self.app.update(Msg::Tick(*at));
            }
            self.app.update(Msg::Data(event));
        }
    }

    pub fn act(&mut self, action: Action) {
        self.app.update(Msg::Action(action));
    }
}
