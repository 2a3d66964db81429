//! The application state and the one place it changes: [`App::update`].

pub(crate) mod action;
mod alerts;
#[cfg(test)]
mod alerts_tests;
mod backends;
pub(crate) mod drill;
pub mod focus;
mod ingest;
pub mod keymap;
pub mod mouse;
mod navigate;
mod prompt;
pub(crate) mod replay;
pub mod restore;
mod server;
pub(crate) mod silence;
#[cfg(test)]
mod tests;
pub(crate) mod time;
pub(crate) mod variables;
mod watch;

pub use action::{Action, Msg};
pub use backends::Backend;
pub use prompt::{Prompt, PromptPurpose};

use crate::alerts::RuleFile;
use crate::alerts::board::{AlertBoard, kpi_watches};
use crate::alerts::timeline::AlertTimeline;
use crate::config::{Layout, Theme};
use crate::event::{Connection, DataEvent, Replica, Schedule, SourceCommand, Watch};
use crate::session::Marker;
use crate::store::Store;
use crate::store::range_cache::RangeCache;
use drill::DrillLevel;
use focus::Focus;
use replay::ReplayState;
use std::time::Duration;
use time::TimeRange;

/// Where the data comes from, as the status bar names it (never with credentials).
#[derive(Clone, Debug)]
pub struct SourceInfo {
    pub label: String,
    pub refresh: Duration,
    /// A note for the status bar, e.g. how to trigger the demo's incident.
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// A line of text being typed.
    Prompt(Prompt),
    /// The silence form, or the question before expiring one.
    Silence(silence::SilenceOverlay),
    /// The template variables' picker (`v`).
    Variables(variables::Picker),
}

/// How keys are read: as commands, or as text for the open prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputMode {
    Normal,
    Text,
}

/// What the event loop must do outside the data source (files, the terminal).
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    ToggleRecording,
    /// Hand the terminal back and stop until continued.
    Suspend,
    /// Save the screen as it is drawn now (`e`).
    Screenshot,
    Mark {
        at: f64,
        note: String,
    },
    /// Create or expire a silence in Alertmanager; the outcome comes back as
    /// [`Msg::Silence`].
    Silence(silence::SilenceRequest),
}

/// Where the session is being recorded, for the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingStatus {
    pub path: String,
    pub bytes: u64,
}

pub struct App {
    layout: Layout,
    theme: Theme,
    store: Store,
    source: SourceInfo,
    connection: Connection,
    /// The server of an HA group that answers, when there is a group.
    replica: Option<Replica>,
    /// The backends' names when several show side by side (else empty); `store`,
    /// `connection` and `replica` are the first one's.
    backend_names: Vec<String>,
    /// The backends after the first.
    others: Vec<backends::Other>,
    /// Each backend's alerts, rules and Alertmanager, when several show side by side:
    /// merged into the first store's alert board.
    alert_sources: Vec<backends::AlertSources>,
    tab: usize,
    /// The focused panel of every tab, kept while switching tabs.
    focus: Vec<Focus>,
    /// Full-screen views opened with Enter, innermost last.
    drill: Vec<DrillLevel>,
    /// The range drill views chart.
    time: TimeRange,
    /// The inspect cursor's time, when shown.
    cursor: Option<f64>,
    ranges: RangeCache,
    /// Terminal size (columns, lines): drill charts ask for as many points as they can show.
    size: (u16, u16),
    /// A one-off hint for the status bar (e.g. why Enter did nothing); the next key clears it.
    notice: Option<String>,
    paused: bool,
    overlay: Option<Overlay>,
    show_log: bool,
    should_quit: bool,
    /// The clock the dashboard reads ages against (Unix seconds). It only moves through
    /// [`Msg::Tick`] and data, so rendering never reads a clock and tests can fix time.
    now: f64,
    /// Set when the screen no longer shows the state; the event loop draws then.
    dirty: bool,
    paused_at: Option<f64>,
    /// Ring the terminal bell once per newly firing critical alert (`--bell`).
    bell: bool,
    /// Set when the bell must ring; the event loop rings it and clears this.
    ring_bell: bool,
    /// Every alert instance seen: the bell rings when a critical one starts firing.
    alert_timeline: AlertTimeline,
    /// Set when the dashboard replays a recording.
    replay: Option<ReplayState>,
    /// Notes on the timeline, live or replayed.
    markers: Vec<Marker>,
    /// Set while the session is recorded (live only).
    recording: Option<RecordingStatus>,
    /// Why the recording stopped or could not start, until Esc acknowledges it.
    recording_failure: Option<String>,
    /// What is unsafe about the connection, said for as long as it lasts (unverified TLS).
    source_warning: Option<String>,
    /// Where `e` saves screenshots (`--export-dir`).
    export_dir: std::path::PathBuf,
    /// Whether the mouse is captured (clicks, wheel); `--no-mouse` leaves it to the terminal.
    mouse: bool,
    /// What the keys do: the defaults, or the config file's `[keys]` over them.
    keymap: keymap::Keymap,
    /// Commands for the data source, taken by the event loop after each batch of updates.
    outbox: Vec<SourceCommand>,
    /// Whether an update came since the requests were last planned ([`App::take_commands`]).
    plan_due: bool,
    /// Work for the event loop itself, taken after each update.
    effects: Vec<Effect>,
    /// The alert list's filter and open groups.
    alerts_view: crate::view::alert_groups::AlertsView,
    /// `s` and `S` may reach Alertmanager (`--allow-silences`).
    allow_silences: bool,
    /// Template variables: the selection, the options, the layout as written.
    variables: variables::VariableState,
    /// When each question about the server was last sent.
    server_asks: server::ServerAsks,
    /// What the data source was last told the screen shows.
    watching: Option<Watch>,
    /// How often the data source polls, once it said so.
    schedule: Option<Schedule>,
}

impl App {
    pub fn new(layout: Layout, theme: Theme, source: SourceInfo) -> Self {
        let mut store = Store::new(&layout.queries);
        store.alerts =
            AlertBoard::with_local(Vec::new(), Vec::new(), Vec::new(), kpi_watches(&layout));
        store.server.annotations = layout.annotations.clone();
        let focus = vec![Focus::default(); layout.tabs.len()];
        let variables = variables::VariableState::new(&layout);
        let mut app = Self {
            layout,
            theme,
            store,
            source,
            connection: Connection::Connecting,
            replica: None,
            backend_names: Vec::new(),
            others: Vec::new(),
            alert_sources: Vec::new(),
            tab: 0,
            focus,
            drill: Vec::new(),
            time: TimeRange::default(),
            cursor: None,
            ranges: RangeCache::default(),
            size: (80, 24),
            notice: None,
            paused: false,
            overlay: None,
            show_log: false,
            should_quit: false,
            now: 0.0,
            dirty: true,
            paused_at: None,
            bell: false,
            ring_bell: false,
            alert_timeline: AlertTimeline::default(),
            replay: None,
            markers: Vec::new(),
            recording: None,
            recording_failure: None,
            source_warning: None,
            export_dir: std::path::PathBuf::from("."),
            mouse: true,
            keymap: keymap::Keymap::default(),
            outbox: Vec::new(),
            plan_due: true,
            effects: Vec::new(),
            alerts_view: Default::default(),
            allow_silences: false,
            variables,
            server_asks: server::ServerAsks::default(),
            watching: None,
            schedule: None,
        };
        app.rewrite_layout();
        app
    }

    /// Evaluates the alerting rules of `files` here, polling their expressions (and the
    /// recording rules', to show their series) with the layout's queries.
    pub fn with_rules(mut self, files: &[RuleFile]) -> Self {
        let board = AlertBoard::for_rules(files, &mut self.layout);
        self.adopt_added_queries();
        self.store = Store::new(&self.layout.queries);
        self.store.alerts = board;
        self.store.server.annotations = self.layout.annotations.clone();
        self
    }

    /// Shows the app's own notes (e.g. a replay's markers) from the start.
    pub fn with_markers(mut self, markers: Vec<Marker>) -> Self {
        self.markers = markers;
        self
    }

    /// Rings the terminal bell once per newly firing critical alert (`--bell`).
    pub fn with_bell(mut self, bell: bool) -> Self {
        self.bell = bell;
        self
    }

    /// Keeps `warning` about the connection on screen (e.g. unverified TLS).
    pub fn with_source_warning(mut self, warning: Option<String>) -> Self {
        self.source_warning = warning;
        self
    }

    /// Saves screenshots (`e`) into `dir`.
    pub fn with_export_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.export_dir = dir;
        self
    }

    /// Where `e` saves screenshots.
    pub fn export_dir(&self) -> &std::path::Path {
        &self.export_dir
    }

    /// Captures the mouse (`true`, the default) or leaves it to the terminal (`--no-mouse`).
    pub fn with_mouse(mut self, enabled: bool) -> Self {
        self.mouse = enabled;
        self
    }

    /// Whether the dashboard captures the mouse.
    pub fn mouse_enabled(&self) -> bool {
        self.mouse
    }

    /// Reads keys with `keymap` (the config file's `[keys]`); help lists what it binds.
    pub fn with_keymap(mut self, keymap: keymap::Keymap) -> Self {
        self.keymap = keymap;
        self
    }

    pub fn keymap(&self) -> &keymap::Keymap {
        &self.keymap
    }

    /// Draws with `theme` (a theme asked for on the command line wins over a recorded one).
    pub fn with_theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Applies a message. What the data source must do as a result waits in
    /// [`App::take_commands`].
    pub fn update(&mut self, msg: Msg) {
        self.dirty = true;
        match msg {
            Msg::Tick(now) => self.tick(now),
            Msg::Recording(status) => self.recording = status,
            Msg::Notice(text) => self.notice = Some(text),
            Msg::RecordingFailed(why) => self.recording_failure = Some(why),
            Msg::Silence(outcome) => self.silence_outcome(outcome),
            Msg::Data(event) => {
                // Alerts change with Prometheus' list and with local rules' answers.
                let alerts_at = match &event {
                    DataEvent::Alerts { at, .. } | DataEvent::Instant { at, .. } => Some(*at),
                    _ => None,
                };
                // The alert list may reorder (or, filtered on `silenced`, change).
                let reorders = alerts_at.is_some()
                    || matches!(event, DataEvent::Alertmanager { .. } | DataEvent::Reset);
                let selected = reorders.then(|| self.selected_line_key()).flatten();
                self.ingest(event);
                if let Some(at) = alerts_at {
                    self.watch_alerts(at);
                }
                self.follow_selection(selected);
            }
            Msg::Action(action) => {
                // A key clears the hint; the terminal's size, sent at start, does not.
                if !matches!(action, Action::Resize(..)) {
                    self.notice = None;
                }
                self.act(action);
            }
            Msg::Mouse { action, target } => {
                self.notice = None;
                self.mouse(action, target);
            }
        }
        self.plan_due = true;
    }

    /// Commands for the data source produced by the updates so far, with what the state
    /// now needs asked (see [`App::plan`]).
    pub fn take_commands(&mut self) -> Vec<SourceCommand> {
        if std::mem::take(&mut self.plan_due) {
            self.plan();
        }
        std::mem::take(&mut self.outbox)
    }

    /// What the source is asked for the state as it stands: the drill view's ranges, the
    /// server's facts, the queries on screen. Planned once per batch of updates, when the
    /// loop takes the commands, not after each: one refresh brings dozens of answers, and
    /// planning weighed half of all the updates' work.
    fn plan(&mut self) {
        self.request_drill_data();
        // Which SLO windows are read from which form: asked once, for both.
        let slos = crate::view::slo::polling(&self.layout.slos, &self.store);
        self.request_server_data(&slos.idle);
        self.watch_screen(slos);
    }

    /// Work for the event loop produced by the updates so far.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Whether the screen no longer shows the state; the event loop draws then.
    pub fn take_redraw(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Whether the bell must ring (once per newly firing critical alert with `--bell`).
    pub fn take_bell(&mut self) -> bool {
        std::mem::take(&mut self.ring_bell)
    }

    pub fn input_mode(&self) -> InputMode {
        match self.overlay {
            Some(Overlay::Prompt(_) | Overlay::Silence(_) | Overlay::Variables(_)) => {
                InputMode::Text
            }
            _ => InputMode::Normal,
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn source(&self) -> &SourceInfo {
        &self.source
    }

    pub fn connection(&self) -> Connection {
        self.connection.clone()
    }

    /// Which server of an HA group the data comes from, when the source has a group.
    pub fn replica(&self) -> Option<&Replica> {
        self.replica.as_ref()
    }

    /// The clock the dashboard reads ages against (Unix seconds).
    pub fn now(&self) -> f64 {
        self.now
    }

    /// The terminal's size (columns, lines).
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The selected tab.
    pub fn tab(&self) -> usize {
        self.tab
    }

    /// The focused panel (and KPI row) of the selected tab.
    pub fn focus(&self) -> Focus {
        self.focus[self.tab]
    }

    /// Full-screen views opened with Enter, innermost last.
    pub fn drill(&self) -> &[DrillLevel] {
        &self.drill
    }

    /// The range drill views chart.
    pub fn time(&self) -> &TimeRange {
        &self.time
    }

    /// The inspect cursor's time, when shown.
    pub fn cursor(&self) -> Option<f64> {
        self.cursor
    }

    /// A one-off hint for the status bar; the next key clears it.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    pub fn show_log(&self) -> bool {
        self.show_log
    }

    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    /// Where a replay stands; `None` live.
    pub fn replay(&self) -> Option<&ReplayState> {
        self.replay.as_ref()
    }

    /// Notes on the timeline, live or replayed.
    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }

    /// Where the session is being recorded (live only).
    pub fn recording(&self) -> Option<&RecordingStatus> {
        self.recording.as_ref()
    }

    /// What is unsafe about the connection (unverified TLS), if anything.
    pub fn source_warning(&self) -> Option<&str> {
        self.source_warning.as_deref()
    }

    /// Why the recording stopped or could not start, until acknowledged with Esc.
    pub fn recording_failure(&self) -> Option<&str> {
        self.recording_failure.as_deref()
    }

    fn act(&mut self, action: Action) {
        if self.overlay_takes(action) {
            return;
        }
        // The focused alert list takes Enter, ← → and Esc for its groups first.
        if self.overlay.is_none() && self.alert_list_key(action) {
            return;
        }
        match action {
            Action::NextTab | Action::PrevTab | Action::SelectTab(_) => self.switch_tab(action),
            Action::Focus(dir) => self.move_focus(dir),
            Action::Open => self.open(),
            Action::Back => self.go_back(),
            Action::ZoomIn
            | Action::ZoomOut
            | Action::PanBack
            | Action::PanForward
            | Action::Live => {
                self.navigate_time(action);
            }
            Action::ToggleCursor => self.toggle_cursor(),
            Action::ToggleSelected => self.toggle_selected(),
            Action::TogglePause => self.toggle_pause(),
            Action::RefreshNow => self.outbox.push(SourceCommand::RefreshNow),
            Action::ToggleRecording => match self.replay {
                Some(_) => self.notice = Some("this is a replay: it is recorded already".into()),
                None => self.effects.push(Effect::ToggleRecording),
            },
            Action::AddMarker => self.open_prompt(PromptPurpose::Marker),
            Action::GoTo
            | Action::SpeedUp
            | Action::SpeedDown
            | Action::StepForward
            | Action::StepBack
            | Action::NextEvent
            | Action::PrevEvent => self.in_replay(|app| app.steer_replay(action)),
            Action::Filter => self.open_filter(),
            Action::Silence => self.open_silence(),
            Action::ExpireSilence => self.ask_expire_silence(),
            Action::InputNextField | Action::Input(_) | Action::InputBackspace | Action::Submit => {
                self.edit_prompt(action)
            }
            Action::ToggleHelp => {
                self.overlay = if self.overlay.is_some() {
                    None
                } else {
                    Some(Overlay::Help)
                };
            }
            Action::ToggleLog => self.show_log = !self.show_log,
            Action::PickVariables => self.open_picker(),
            Action::Screenshot => self.effects.push(Effect::Screenshot),
            Action::Suspend => self.effects.push(Effect::Suspend),
            Action::Quit => self.should_quit = true,
            Action::Resize(columns, lines) => self.size = (columns, lines),
        }
    }

    /// Whether the open overlay keeps `action` from the dashboard: the silence form and
    /// the picker take it as their own, help and a prompt let only their keys through.
    fn overlay_takes(&mut self, action: Action) -> bool {
        // Whatever is open, these are the terminal's and the user's way out.
        let always = matches!(action, Action::Quit | Action::Suspend | Action::Resize(..));
        let allowed = match self.overlay {
            None => true,
            // The user is reading, not steering.
            Some(Overlay::Help) => always || matches!(action, Action::ToggleHelp | Action::Back),
            Some(Overlay::Silence(_)) if !always => {
                self.silence_key(action);
                return true;
            }
            Some(Overlay::Variables(_)) if !always => {
                self.picker_action(action);
                return true;
            }
            Some(Overlay::Silence(_) | Overlay::Variables(_)) => true,
            Some(Overlay::Prompt(_)) => {
                always
                    || matches!(
                        action,
                        Action::Input(_) | Action::InputBackspace | Action::Submit | Action::Back
                    )
            }
        };
        if !allowed {
            self.dirty = false;
        }
        !allowed
    }

    fn switch_tab(&mut self, action: Action) {
        let tabs = self.layout.tabs.len();
        match action {
            Action::NextTab => self.select_tab((self.tab + 1) % tabs),
            Action::PrevTab => self.select_tab((self.tab + tabs - 1) % tabs),
            Action::SelectTab(i) if i < tabs => self.select_tab(i),
            _ => self.dirty = false,
        }
    }

    fn go_back(&mut self) {
        // Esc in the filter prompt, or on the grid with a filter set, clears it.
        if let Some(Overlay::Prompt(Prompt {
            purpose: PromptPurpose::Filter,
            ..
        })) = self.overlay
        {
            self.overlay = None;
            self.apply_filter(String::new());
        } else if !self.clear_filter() {
            self.back();
        }
    }

    /// Space: hides or shows the selected series of a chart; elsewhere pauses.
    fn toggle_selected(&mut self) {
        match self.drill.last_mut() {
            Some(DrillLevel::Chart(view)) => {
                if let Some(key) = view.selected.clone()
                    && !view.hidden.remove(&key)
                {
                    view.hidden.insert(key);
                }
            }
            _ => self.toggle_pause(),
        }
    }

    /// The replay's own keys; the caller made sure this is a replay.
    fn steer_replay(&mut self, action: Action) {
        match action {
            Action::GoTo => self.open_prompt(PromptPurpose::GoTo),
            Action::NextEvent | Action::PrevEvent => {
                self.jump_to_event(action == Action::NextEvent);
            }
            Action::StepForward => self.outbox.push(SourceCommand::Step(1)),
            Action::StepBack => self.outbox.push(SourceCommand::Step(-1)),
            _ => {
                if let Some(state) = &mut self.replay {
                    // Taken at once, so quick presses add up before the replayer answers.
                    state.speed = state.next_speed(action == Action::SpeedUp);
                    self.outbox.push(SourceCommand::SetSpeed(state.speed));
                }
            }
        }
    }

    /// Typing into the open prompt.
    fn edit_prompt(&mut self, action: Action) {
        match action {
            Action::Input(c) => self.type_char(c),
            Action::InputBackspace => {
                if let Some(Overlay::Prompt(prompt)) = &mut self.overlay {
                    prompt.text.pop();
                }
            }
            Action::Submit => self.submit(),
            // Only the silence form has fields.
            _ => self.dirty = false,
        }
    }

    fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        // A replay's clock stops by itself; live, the range end must be held.
        self.paused_at = (self.paused && self.replay.is_none()).then_some(self.now);
        self.outbox.push(SourceCommand::SetPaused(self.paused));
    }
}
