//! The event loop: keys, data and clock ticks become messages for [`App::update`]; the
//! screen is drawn only when the state changed. The data comes from a [`Source`]: the live
//! poller (whose events may be recorded) or a replay; both answer the same commands.

use super::backends::Backend;
use super::connect;
use super::frames::{Cause, Frames};
use super::recording::Recorded;
use super::terminal::{self, SignalEvent, Signals, TerminalGuard};
use super::{Config, InvalidInput};
use crate::app::keymap::Keymap;
use crate::app::mouse::Clicks;
use crate::app::silence::{SilenceOutcome, SilenceRequest};
use crate::app::{Action, App, Effect, Msg, SourceInfo};
use crate::cli::Options;
use crate::clock::unix_now;
use crate::config::colour_depth::ColourDepth;
use crate::event::{DataEvent, SourceCommand};
use crate::prom::{INSECURE_NOTE, PromClient};
use crate::session::{Recording, annotate};
use crate::source::live::backends::{self, BackendServers};
use crate::source::live::{PollerConfig, beat_after};
use crate::source::replay::{self, ReplayOptions};
use crate::ui;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// Where the dashboard's data comes from. Built once per run, so the live variant's size
/// costs nothing worth boxing.
#[allow(clippy::large_enum_variant)]
pub enum Source {
    Live {
        /// Each backend's Prometheus (or HA group) and Alertmanager, the first one first.
        backends: Vec<BackendServers>,
        concurrency: usize,
        /// The session's recorder; recording already when `--record` was given.
        recorded: Recorded,
    },
    Replay {
        recording: Arc<Recording>,
        speed: f64,
    },
}

/// Opens the dashboard on `backends` and runs it until the user quits.
pub async fn live(
    options: &Options,
    backends: &[Backend],
    config: Config,
    refresh: Duration,
    note: Option<String>,
) -> anyhow::Result<()> {
    // First: reading the secret files may warn (a password file others can read), and the
    // log pane keeps that for when stderr is hidden behind the dashboard.
    init_logging();
    let connect::Connected {
        servers,
        label,
        insecure,
        notes,
    } = connect::each(backends)?;
    let source = SourceInfo {
        label,
        refresh,
        note,
    };
    // A --var the layout cannot take stops the run before the terminal is touched.
    let chosen = crate::app::variables::choices(&config.layout, &options.vars)
        .map_err(|e| InvalidInput(e.to_string()))?;
    let names = super::backends::names(backends);
    let mut app = App::new(config.layout, config.theme, source)
        .with_rules(&config.rules)
        .with_variables(chosen, options.scrape_interval)
        .with_backends(names)
        .with_bell(options.bell)
        .with_silences(options.allow_silences)
        .with_export_dir(options.export_dir.clone())
        .with_mouse(!options.no_mouse)
        .with_keymap(config.keymap)
        // Unverified TLS is said for as long as it lasts.
        .with_source_warning(insecure.then(|| INSECURE_NOTE.to_string()));
    // Said once: briefly on the status bar until the first key, in full in the log pane.
    for note in &notes {
        log::warn!("{}", note.full);
        app.update(Msg::Notice(note.brief.to_string()));
    }
    let mut recorded = Recorded::new(options.record_dir.clone(), config.rule_texts);
    if let Some(path) = &options.record {
        // Asked for a recording: no dashboard without it, and no old file lost to it.
        let file = super::output::create(path, options.force, &[])
            .map_err(|e| InvalidInput(format!("--record: {e}")))?;
        recorded.start(&app, file, path).map_err(|e| {
            InvalidInput(format!(
                "--record: cannot record to {}: {e}",
                path.display()
            ))
        })?;
    }
    run(
        app,
        Source::Live {
            backends: servers,
            concurrency: options.concurrency,
            recorded,
        },
    )
    .await
}

/// Log records kept for the log pane (`L`), which shows the newest that fit.
const LOG_RECORDS_KEPT: usize = 100;

/// Routes the app's own log (query errors, timings, reconnects) to the log pane: Info and
/// up from everything, Debug (each query's timing) from the poller and the demo.
fn init_logging() {
    crate::logbook::install(
        LOG_RECORDS_KEPT,
        &["spheroseg_top::source::live", "spheroseg_top::demo"],
    );
}

/// Replays an opened recording at `speed`: its own layout, theme and rules.
pub async fn replay(
    options: &Options,
    recording: Recording,
    speed: f64,
    keymap: Keymap,
) -> anyhow::Result<()> {
    let mut app = crate::app::restore::app(recording.header())?
        .with_keymap(keymap)
        .with_bell(options.bell)
        .with_export_dir(options.export_dir.clone())
        .with_mouse(!options.no_mouse)
        .with_markers(recording.markers().to_vec());
    // A theme asked for on the command line wins over the recorded one (e.g. mono).
    if let Some(theme) = &options.theme {
        app = app.with_theme(crate::config::Theme::load(theme)?);
    }
    init_logging();
    // Damage is said where it cannot be missed: before the screen opens (what opening
    // found) and after it closes (everything reading found).
    let path = recording.path().display().to_string();
    for warning in recording.warnings() {
        eprintln!("warning: {path}: {warning}");
    }
    let recording = Arc::new(recording);
    let seen = recording.warnings().len();
    let result = run(
        app,
        Source::Replay {
            recording: recording.clone(),
            speed,
        },
    )
    .await;
    for warning in recording.warnings().iter().skip(seen) {
        eprintln!("warning: {path}: {warning}");
    }
    result
}

/// Runs the dashboard until the user quits or a signal arrives.
pub async fn run(mut app: App, source: Source) -> anyhow::Result<()> {
    if let Some(why) = terminal::unusable() {
        return Err(InvalidInput(format!(
            "{why}; the dashboard needs an interactive terminal (`check` validates a layout and `export` reports on a recording without one)"
        ))
        .into());
    }
    let signals = Signals::new()?;
    // A theme's RGB colours as this terminal can show them (NO_COLOR chose `mono` already).
    let theme = app.theme().for_depth(ColourDepth::from_environment());
    app = app.with_theme(theme);
    let (data_tx, data) = mpsc::channel(1024);
    // Silences go to Alertmanager from the loop, not the poller: they are not data.
    let (silence_tx, silences) = mpsc::channel(8);
    let mut session = Session::start(app, source, data_tx, silence_tx);
    let mut guard = TerminalGuard::new().map_err(|e| anyhow::anyhow!("cannot open the terminal ({e}); spheroseg-top needs an interactive terminal (use `check` to validate a layout without one)"))?;
    if session.app.mouse_enabled() {
        guard.capture_mouse()?;
    }
    session.resize(&guard)?;
    let mut inputs = Inputs::new(data, silences, signals, session.recorded.is_some());
    let mut frames = Frames::new(session.app.source().refresh);
    while !session.app.should_quit() {
        session.draw(&mut guard, &mut frames)?;
        let msg = inputs.next(&session.app, &frames).await?;
        let mut cause = match &msg {
            Some(Msg::Data(DataEvent::Clock(_))) => Cause::Tick,
            Some(Msg::Data(_)) => Cause::Data,
            _ => Cause::Input,
        };
        if let Some(msg) = msg {
            session.deliver(msg);
        }
        // Answers of one refresh arrive together: take them all before drawing once.
        while let Ok(data) = inputs.data.try_recv() {
            if cause == Cause::Tick {
                cause = Cause::Data;
            }
            session.deliver(Msg::Data(data));
        }
        if session.app.take_redraw() {
            frames.changed(cause, Instant::now());
        }
        session.settle(&mut guard)?;
    }
    if let Some(recorded) = session.recorded.as_mut() {
        recorded.stop();
    }
    Ok(())
}

/// What the loop listens to: the terminal, the source's data, Alertmanager's answers, the
/// clock and signals.
struct Inputs {
    keys: EventStream,
    data: mpsc::Receiver<DataEvent>,
    silences: mpsc::Receiver<SilenceOutcome>,
    signals: Signals,
    /// Ages in the status bar and panels move once a second; nothing faster is needed.
    ticker: tokio::time::Interval,
    /// A replay's clock is the recorded one: it does not tick here.
    live: bool,
    clicks: Clicks,
    started: Instant,
}

impl Inputs {
    fn new(
        data: mpsc::Receiver<DataEvent>,
        silences: mpsc::Receiver<SilenceOutcome>,
        signals: Signals,
        live: bool,
    ) -> Self {
        // On the pollers' beat: the clock ticks in the wake-ups of their refreshes.
        let second = Duration::from_secs(1);
        let mut ticker = tokio::time::interval_at(beat_after(second, Instant::now()), second);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        Self {
            keys: EventStream::new(),
            data,
            silences,
            signals,
            ticker,
            live,
            clicks: Clicks::default(),
            started: Instant::now(),
        }
    }

    /// Waits for the next thing to happen; `None` when it means nothing to the app (or a
    /// frame held back is due).
    async fn next(&mut self, app: &App, frames: &Frames) -> anyhow::Result<Option<Msg>> {
        Ok(tokio::select! {
            event = self.keys.next() => match event {
                Some(Ok(Event::Key(key))) => app.keymap().action_for(key, app.input_mode()).map(Msg::Action),
                Some(Ok(Event::Resize(columns, lines))) => Some(Msg::Action(Action::Resize(columns, lines))),
                Some(Ok(Event::Mouse(event))) => super::mouse::message(app, &mut self.clicks, event, self.started.elapsed()),
                Some(Ok(_)) => None,
                Some(Err(err)) => return Err(anyhow::Error::new(err).context("reading the terminal")),
                None => Some(Msg::Action(Action::Quit)),
            },
            Some(data) = self.data.recv() => Some(Msg::Data(data)),
            Some(outcome) = self.silences.recv() => Some(Msg::Silence(outcome)),
            _ = self.ticker.tick(), if self.live => Some(Msg::Data(DataEvent::Clock(unix_now()))),
            signal = self.signals.recv() => match signal {
                SignalEvent::Quit => Some(Msg::Action(Action::Quit)),
                SignalEvent::Suspend => Some(Msg::Action(Action::Suspend)),
                SignalEvent::Ignore => None,
            },
            () = sleep_until(frames.due().unwrap_or_else(Instant::now)), if frames.due().is_some() => None,
        })
    }
}

/// The app and what it steers: the source, the recorder, Alertmanager.
struct Session {
    app: App,
    commands: mpsc::Sender<SourceCommand>,
    /// Live only: the session's recorder.
    recorded: Option<Recorded>,
    /// Replay only: the file being replayed (markers go into it).
    replayed: Option<Arc<Recording>>,
    /// Each backend's Alertmanager, where its silences go.
    silencers: Vec<Option<PromClient>>,
    silence_tx: mpsc::Sender<SilenceOutcome>,
}

impl Session {
    /// Spawns the source's task, which sends its events into `data_tx`.
    fn start(
        mut app: App,
        source: Source,
        data_tx: mpsc::Sender<DataEvent>,
        silence_tx: mpsc::Sender<SilenceOutcome>,
    ) -> Self {
        let queries = app.polled_queries();
        let (commands, recorded, replayed, silencers) = match source {
            Source::Live {
                backends,
                concurrency,
                recorded,
            } => {
                let config = PollerConfig {
                    queries,
                    refresh: app.source().refresh,
                    concurrency,
                    alertmanager: None,
                };
                // Each silence goes to its backend's Alertmanager.
                let silencers = backends.iter().map(|b| b.alertmanager.clone()).collect();
                let pollers = backends::spawn_each(backends, &config, data_tx);
                (pollers, Some(recorded), None, silencers)
            }
            Source::Replay { recording, speed } => {
                let options = ReplayOptions {
                    speed,
                    start_at: None,
                    paused: false,
                    queries,
                };
                let player = replay::spawn(recording.clone(), options, data_tx);
                (player, None, Some(recording), Vec::new())
            }
        };
        app.update(Msg::Recording(recorded.as_ref().and_then(Recorded::status)));
        Self {
            app,
            commands,
            recorded,
            replayed,
            silencers,
            silence_tx,
        }
    }

    fn resize(&mut self, guard: &TerminalGuard) -> anyhow::Result<()> {
        let size = guard.terminal.size()?;
        self.app
            .update(Msg::Action(Action::Resize(size.width, size.height)));
        Ok(())
    }

    /// Draws when a frame is due, and rings the bell when the app asks.
    fn draw(&mut self, guard: &mut TerminalGuard, frames: &mut Frames) -> anyhow::Result<()> {
        if self.app.take_redraw() {
            frames.changed(Cause::Input, Instant::now());
        }
        if frames.should_draw(Instant::now()) {
            let (width, height) = self.app.size();
            let size = ratatui::layout::Size::new(width, height);
            guard.draw(size, |frame| ui::render(frame, &self.app))?;
            frames.drawn(Instant::now());
        }
        if self.app.take_bell() {
            use std::io::Write;
            let mut out = std::io::stdout();
            // BEL between frames: the terminal beeps (or flashes) without a redraw.
            let _ = out.write_all(b"\x07").and_then(|()| out.flush());
        }
        Ok(())
    }

    /// Gives the app one message; data is recorded first, so the file holds what the app
    /// saw, and a clock tick moves the recording's size on the status bar.
    fn deliver(&mut self, msg: Msg) {
        if let (Msg::Data(event), Some(recorded)) = (&msg, self.recorded.as_mut())
            && let Err(failure) = recorded.record(event)
        {
            self.app.update(Msg::RecordingFailed(failure));
        }
        let tick = matches!(msg, Msg::Data(DataEvent::Clock(_)));
        self.app.update(msg);
        if tick && let Some(recorded) = &self.recorded {
            self.app.update(Msg::Recording(recorded.status()));
        }
    }

    /// Carries out what the updates asked for: effects here, commands to the source.
    fn settle(&mut self, guard: &mut TerminalGuard) -> anyhow::Result<()> {
        for effect in self.app.take_effects() {
            match effect {
                Effect::Suspend => {
                    guard.suspend()?;
                    self.resize(guard)?;
                }
                Effect::Silence(request) => {
                    let backend = match &request {
                        SilenceRequest::Create { backend, .. }
                        | SilenceRequest::Expire { backend, .. } => *backend,
                    };
                    let silencer = self.silencers.get(backend).cloned().flatten();
                    super::silence::spawn(silencer, request, self.silence_tx.clone());
                }
                effect => perform(
                    effect,
                    &mut self.app,
                    self.recorded.as_mut(),
                    self.replayed.as_deref(),
                ),
            }
        }
        for command in self.app.take_commands() {
            send(&self.commands, command);
        }
        Ok(())
    }
}

fn send(commands: &mpsc::Sender<SourceCommand>, command: SourceCommand) {
    // A full queue drops the command; a lost range request is asked again later
    // (see RangeCache), and a gone source has nothing left to steer.
    if commands.try_send(command).is_err() {
        log::debug!("data source busy: command dropped");
    }
}

fn perform(
    effect: Effect,
    app: &mut App,
    recorded: Option<&mut Recorded>,
    replayed: Option<&Recording>,
) {
    match (effect, recorded) {
        (Effect::Screenshot, _) => super::screenshot::save(app),
        (Effect::ToggleRecording, Some(recorded)) => {
            if let Err(failure) = recorded.toggle(app) {
                app.update(Msg::RecordingFailed(failure));
            }
            app.update(Msg::Recording(recorded.status()));
        }
        (Effect::Mark { at, note }, Some(recorded)) => match recorded.mark(at, &note) {
            Some(Ok(())) => {}
            Some(Err(e)) => app.update(Msg::RecordingFailed(format!("marker not saved: {e}"))),
            None => app.update(Msg::Notice(
                "marker kept for this session only: R records".into(),
            )),
        },
        (Effect::Mark { at, note }, None) => {
            let Some(recording) = replayed else { return };
            match annotate::append_marker(recording.path(), at, &note) {
                Ok(()) => log::info!("marker saved in {}", recording.path().display()),
                Err(e) => app.update(Msg::Notice(format!("marker not saved: {e}"))),
            }
        }
        (Effect::ToggleRecording | Effect::Suspend | Effect::Silence(_), None)
        | (Effect::Suspend | Effect::Silence(_), Some(_)) => {}
    }
}
