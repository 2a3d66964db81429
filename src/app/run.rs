//! The event loop: keys, data and clock ticks become messages for [`App::update`]; the
//! screen is drawn only when the state changed.

use super::{Action, App, Msg, keymap};
use crate::clock::unix_now;
use crate::poller::{self, PollerConfig};
use crate::prom::PromClient;
use crate::terminal::{Signals, TerminalGuard};
use crate::ui;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;

/// How many Prometheus requests may run at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Runs the dashboard until the user quits or a signal arrives.
pub async fn run(mut app: App, client: PromClient, concurrency: usize) -> anyhow::Result<()> {
    let mut signals = Signals::new()?;
    let (data_tx, mut data_rx) = mpsc::channel(1024);
    let poller = poller::spawn(
        client,
        PollerConfig {
            queries: app.layout.queries.clone(),
            refresh: app.source.refresh,
            concurrency,
        },
        data_tx,
    );
    let mut guard = TerminalGuard::new().map_err(|e| anyhow::anyhow!("cannot open the terminal ({e}); spheroseg-top needs an interactive terminal (use `check` to validate a layout without one)"))?;
    let size = guard.terminal.size()?;
    app.update(Msg::Action(Action::Resize(size.width, size.height)));
    let mut keys = EventStream::new();
    // Ages in the status bar and panels move once a second; nothing faster is needed.
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    while !app.should_quit {
        if app.dirty {
            guard.terminal.draw(|frame| ui::render(frame, &app))?;
            app.dirty = false;
        }
        if std::mem::take(&mut app.ring_bell) {
            use std::io::Write;
            let mut out = std::io::stdout();
            // BEL between frames: the terminal beeps (or flashes) without a redraw.
            let _ = out.write_all(b"\x07").and_then(|()| out.flush());
        }
        let msg = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) => keymap::action_for(key).map(Msg::Action),
                Some(Ok(Event::Resize(columns, lines))) => Some(Msg::Action(Action::Resize(columns, lines))),
                Some(Ok(_)) => None,
                Some(Err(err)) => return Err(anyhow::Error::new(err).context("reading the terminal")),
                None => Some(Msg::Action(Action::Quit)),
            },
            Some(data) = data_rx.recv() => Some(Msg::Data(data)),
            _ = ticker.tick() => Some(Msg::Tick(unix_now())),
            () = signals.recv() => Some(Msg::Action(Action::Quit)),
        };
        if let Some(msg) = msg {
            app.update(msg);
        }
        // Answers of one refresh arrive together: take them all before drawing once.
        while let Ok(data) = data_rx.try_recv() {
            app.update(Msg::Data(data));
        }
        for command in app.take_commands() {
            // A full queue drops the command; a lost range request is asked again later
            // (see RangeCache), and a gone poller has nothing left to steer.
            if poller.try_send(command).is_err() {
                log::debug!("data source busy: command dropped");
            }
        }
    }
    Ok(())
}
