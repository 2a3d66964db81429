//! The application state and the one place it changes: [`App::update`].

pub mod action;
pub mod drill;
pub mod focus;
pub mod keymap;
pub mod replay;
pub mod restore;
pub mod time;

pub use action::{Action, Msg};

use crate::alerts::RuleFile;
use crate::alerts::board::{AlertBoard, kpi_watches};
use crate::alerts::timeline::AlertTimeline;
use crate::config::layout::{ChartQuery, ChartSpec, Panel, PanelKind};
use crate::config::{Layout, Theme};
use crate::event::{Connection, DataEvent, RangeRequest, SourceCommand};
use crate::model::{Direction, Status, Thresholds, Unit};
use crate::prom::{Sample, Series};
use crate::session::Marker;
use crate::store::Store;
use crate::store::range_cache::RangeCache;
use crate::view::drill::{ChartData, SeriesKey};
use crate::view::{Context, reading};
use drill::{DrillLevel, GROUP_COLUMNS, GroupView};
use focus::{Dir, Focus};
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub purpose: PromptPurpose,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptPurpose {
    /// A marker's note.
    Marker,
    /// A replay time to jump to.
    GoTo,
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
    Mark { at: f64, note: String },
}

/// Where the session is being recorded, for the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingStatus {
    pub path: String,
    pub bytes: u64,
}

/// Resolved alert instances the live timeline remembers.
const RESOLVED_ALERTS_KEPT: usize = 256;

/// Longest marker note or time typed into the prompt.
const PROMPT_MAX: usize = 120;

/// Columns a drill chart's y axis and borders take; the rest is plotted.
const CHART_MARGIN: u16 = 14;

pub struct App {
    pub layout: Layout,
    pub theme: Theme,
    pub store: Store,
    pub source: SourceInfo,
    pub connection: Connection,
    pub tab: usize,
    /// The focused panel of every tab, kept while switching tabs.
    pub focus: Vec<Focus>,
    /// Full-screen views opened with Enter, innermost last.
    pub drill: Vec<DrillLevel>,
    /// The range drill views chart.
    pub time: TimeRange,
    /// The inspect cursor's time, when shown.
    pub cursor: Option<f64>,
    pub ranges: RangeCache,
    /// Terminal size (columns, lines): drill charts ask for as many points as they can show.
    pub size: (u16, u16),
    /// A one-off hint for the status bar (e.g. why Enter did nothing); the next key clears it.
    pub notice: Option<String>,
    pub paused: bool,
    pub overlay: Option<Overlay>,
    pub show_log: bool,
    pub should_quit: bool,
    /// The clock the dashboard reads ages against (Unix seconds). It only moves through
    /// [`Msg::Tick`] and data, so rendering never reads a clock and tests can fix time.
    pub now: f64,
    /// Set when the screen no longer shows the state; the event loop draws then.
    pub dirty: bool,
    paused_at: Option<f64>,
    /// Ring the terminal bell once per newly firing critical alert (`--bell`).
    pub bell: bool,
    /// Set when the bell must ring; the event loop rings it and clears this.
    pub ring_bell: bool,
    /// Every alert instance seen: the bell rings when a critical one starts firing.
    alert_timeline: AlertTimeline,
    /// Set when the dashboard replays a recording.
    pub replay: Option<ReplayState>,
    /// Notes on the timeline, live or replayed.
    pub markers: Vec<Marker>,
    /// Set while the session is recorded (live only).
    pub recording: Option<RecordingStatus>,
    /// Commands for the data source, taken by the event loop after each update.
    outbox: Vec<SourceCommand>,
    /// Work for the event loop itself, taken after each update.
    effects: Vec<Effect>,
}

impl App {
    pub fn new(layout: Layout, theme: Theme, source: SourceInfo) -> Self {
        let mut store = Store::new(&layout.queries);
        store.alerts =
            AlertBoard::with_local(Vec::new(), Vec::new(), Vec::new(), kpi_watches(&layout));
        let focus = vec![Focus::default(); layout.tabs.len()];
        Self {
            layout,
            theme,
            store,
            source,
            connection: Connection::Connecting,
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
            outbox: Vec::new(),
            effects: Vec::new(),
        }
    }

    /// Evaluates the alerting rules of `files` here, polling their expressions (and the
    /// recording rules', to show their series) with the layout's queries.
    pub fn with_rules(mut self, files: &[RuleFile]) -> Self {
        let board = AlertBoard::for_rules(files, &mut self.layout);
        self.store = Store::new(&self.layout.queries);
        self.store.alerts = board;
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
            Msg::Data(event) => {
                // Alerts change with Prometheus' list and with local rules' answers.
                let alerts_at = match &event {
                    DataEvent::Alerts { at, .. } | DataEvent::Instant { at, .. } => Some(*at),
                    _ => None,
                };
                self.ingest(event);
                if let Some(at) = alerts_at {
                    self.watch_alerts(at);
                }
            }
            Msg::Action(action) => {
                self.notice = None;
                self.act(action);
            }
        }
        self.request_drill_data();
    }

    /// Commands for the data source produced by the updates so far.
    pub fn take_commands(&mut self) -> Vec<SourceCommand> {
        std::mem::take(&mut self.outbox)
    }

    /// Work for the event loop produced by the updates so far.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn input_mode(&self) -> InputMode {
        match self.overlay {
            Some(Overlay::Prompt(_)) => InputMode::Text,
            _ => InputMode::Normal,
        }
    }

    fn tick(&mut self, now: f64) {
        self.now = now;
        self.store.prune(now);
    }

    fn ingest(&mut self, event: DataEvent) {
        match event {
            DataEvent::Clock(now) => self.tick(now),
            DataEvent::Reset => {
                self.store.reset();
                self.connection = Connection::Connecting;
            }
            DataEvent::ReplayStatus(status) => {
                self.paused = !status.playing;
                match &mut self.replay {
                    Some(state) => {
                        state.start = status.start;
                        state.end = status.end;
                        state.position = status.position;
                        state.speed = status.speed;
                        state.playing = status.playing;
                    }
                    None => self.replay = Some(ReplayState::new(&status)),
                }
            }
            DataEvent::ReplayIndex(index) => {
                if let Some(state) = &mut self.replay {
                    state.transitions = index.transitions;
                    state.alert_spans = index.alert_spans;
                }
            }
            DataEvent::Instant {
                id,
                at,
                result,
                latency,
            } => {
                self.now = self.now.max(at);
                self.store.ingest_instant(id, at, result, latency);
            }
            DataEvent::Range { id, result, .. } => self.store.ingest_range(id, result),
            DataEvent::Connection(connection) => self.connection = connection,
            DataEvent::RangeAnswer {
                request, result, ..
            } => self.ranges.answer(request, result, self.now),
            DataEvent::Alerts { result, .. } => {
                self.store.alerts.set_server_alerts(result);
                self.store.mark_alerted();
            }
            DataEvent::Rules { result, .. } => {
                self.store.alerts.set_groups(result);
                self.store.mark_alerted();
            }
            DataEvent::Alertmanager { result, .. } => self.store.alerts.set_alertmanager(result),
        }
    }

    /// Follows the alert instances; rings for critical ones that started firing.
    fn watch_alerts(&mut self, at: f64) {
        let fired = self.alert_timeline.observe(at, &self.store.alerts.all());
        let critical = fired
            .iter()
            .any(|e| e.severity.as_deref() == Some("critical"));
        self.ring_bell |= self.bell && critical;
        self.alert_timeline.forget_resolved(RESOLVED_ALERTS_KEPT);
    }

    fn act(&mut self, action: Action) {
        // While help is open, keys other than those that close it or quit do nothing:
        // the user is reading, not steering.
        let allowed = match self.overlay {
            None => true,
            Some(Overlay::Help) => matches!(
                action,
                Action::ToggleHelp | Action::Back | Action::Quit | Action::Resize(..)
            ),
            Some(Overlay::Prompt(_)) => matches!(
                action,
                Action::Input(_)
                    | Action::InputBackspace
                    | Action::Submit
                    | Action::Back
                    | Action::Quit
                    | Action::Resize(..)
            ),
        };
        if !allowed {
            self.dirty = false;
            return;
        }
        match action {
            Action::NextTab => self.select_tab((self.tab + 1) % self.layout.tabs.len()),
            Action::PrevTab => {
                let tabs = self.layout.tabs.len();
                self.select_tab((self.tab + tabs - 1) % tabs);
            }
            Action::SelectTab(i) if i < self.layout.tabs.len() => self.select_tab(i),
            Action::SelectTab(_) => self.dirty = false,
            Action::Focus(dir) => self.move_focus(dir),
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::ZoomIn
            | Action::ZoomOut
            | Action::PanBack
            | Action::PanForward
            | Action::Live => {
                self.navigate_time(action);
            }
            Action::ToggleCursor => self.toggle_cursor(),
            Action::ToggleSelected => match self.drill.last_mut() {
                Some(DrillLevel::Chart(view)) => {
                    if let Some(key) = view.selected.clone()
                        && !view.hidden.remove(&key)
                    {
                        view.hidden.insert(key);
                    }
                }
                _ => self.toggle_pause(),
            },
            Action::TogglePause => self.toggle_pause(),
            Action::RefreshNow => self.outbox.push(SourceCommand::RefreshNow),
            Action::ToggleRecording => match self.replay {
                Some(_) => self.notice = Some("this is a replay: it is recorded already".into()),
                None => self.effects.push(Effect::ToggleRecording),
            },
            Action::AddMarker => self.open_prompt(PromptPurpose::Marker),
            Action::GoTo => self.in_replay(|app| app.open_prompt(PromptPurpose::GoTo)),
            Action::Input(c) => {
                if let Some(Overlay::Prompt(prompt)) = &mut self.overlay
                    && prompt.text.chars().count() < PROMPT_MAX
                {
                    prompt.text.push(c);
                }
            }
            Action::InputBackspace => {
                if let Some(Overlay::Prompt(prompt)) = &mut self.overlay {
                    prompt.text.pop();
                }
            }
            Action::Submit => self.submit(),
            Action::SpeedUp | Action::SpeedDown => self.in_replay(|app| {
                if let Some(state) = &mut app.replay {
                    // Taken at once, so quick presses add up before the replayer answers.
                    state.speed = state.next_speed(action == Action::SpeedUp);
                    app.outbox.push(SourceCommand::SetSpeed(state.speed));
                }
            }),
            Action::StepForward => self.in_replay(|app| app.outbox.push(SourceCommand::Step(1))),
            Action::StepBack => self.in_replay(|app| app.outbox.push(SourceCommand::Step(-1))),
            Action::NextEvent => self.in_replay(|app| app.jump_to_event(true)),
            Action::PrevEvent => self.in_replay(|app| app.jump_to_event(false)),
            Action::ToggleHelp => {
                self.overlay = if self.overlay.is_some() {
                    None
                } else {
                    Some(Overlay::Help)
                };
            }
            Action::ToggleLog => self.show_log = !self.show_log,
            Action::Quit => self.should_quit = true,
            Action::Resize(columns, lines) => self.size = (columns, lines),
        }
    }

    /// Runs `f` in a replay; live, says the key is a replay's.
    fn in_replay(&mut self, f: impl FnOnce(&mut Self)) {
        if self.replay.is_some() {
            f(self);
        } else {
            self.notice = Some("that key moves a replay (spheroseg-top replay FILE)".into());
        }
    }

    fn open_prompt(&mut self, purpose: PromptPurpose) {
        self.overlay = Some(Overlay::Prompt(Prompt {
            purpose,
            text: String::new(),
        }));
    }

    /// The moment a marker placed now belongs to: the replay clock, or the present.
    fn moment(&self) -> f64 {
        self.replay.as_ref().map_or(self.now, |r| r.position)
    }

    fn submit(&mut self) {
        let Some(Overlay::Prompt(prompt)) = self.overlay.take() else {
            return;
        };
        let text = prompt.text.trim().to_string();
        match prompt.purpose {
            PromptPurpose::Marker if text.is_empty() => {
                self.notice = Some("marker not placed: the note was empty".into());
            }
            PromptPurpose::Marker => {
                let at = self.moment();
                self.markers.push(Marker {
                    at,
                    note: text.clone(),
                });
                self.markers.sort_by(|a, b| a.at.total_cmp(&b.at));
                self.effects.push(Effect::Mark { at, note: text });
            }
            PromptPurpose::GoTo => match replay::parse_goto(&text, self.moment()) {
                Ok(at) => {
                    let (start, end) = self.replay.as_ref().map_or((at, at), |r| (r.start, r.end));
                    if at < start || at > end {
                        self.notice = Some(format!("{text} is outside the recording"));
                    } else {
                        self.outbox.push(SourceCommand::Seek(at));
                    }
                }
                Err(why) => self.notice = Some(why),
            },
        }
    }

    /// Seeks to the next (or previous) alert transition or marker.
    fn jump_to_event(&mut self, forward: bool) {
        let Some(state) = &self.replay else {
            return;
        };
        let position = state.position;
        let moments = state
            .transitions
            .iter()
            .copied()
            .chain(self.markers.iter().map(|m| m.at));
        // Half a second of slack: landing on a moment must not find it again.
        let target = if forward {
            moments.filter(|t| *t > position + 0.5).reduce(f64::min)
        } else {
            moments.filter(|t| *t < position - 0.5).reduce(f64::max)
        };
        match target {
            Some(at) => self.outbox.push(SourceCommand::Seek(at)),
            None => {
                self.notice = Some(format!(
                    "no {} alert transition or marker",
                    if forward { "later" } else { "earlier" }
                ));
            }
        }
    }

    fn select_tab(&mut self, tab: usize) {
        self.tab = tab;
        self.drill.clear();
        self.cursor = None;
        // A tab not yet steered opens on its first panel's worst KPI row: Enter drills
        // straight into whatever is red.
        if self.focus[tab] == Focus::default() {
            self.focus[tab].kpi = self.worst_kpi(tab, 0, 0);
        }
    }

    fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        // A replay's clock stops by itself; live, the range end must be held.
        self.paused_at = (self.paused && self.replay.is_none()).then_some(self.now);
        self.outbox.push(SourceCommand::SetPaused(self.paused));
    }

    /// Rows the keyboard can select in a panel: KPI rows, active alerts.
    fn selectable_rows(&self, panel: &Panel) -> usize {
        match panel.kind {
            PanelKind::KpiTable => panel.kpis.len(),
            PanelKind::Alerts => self.store.alerts.all().len(),
            _ => 0,
        }
    }

    /// The KPI row to select when focus enters a panel: the worst, first among equals.
    fn worst_kpi(&self, tab: usize, row: usize, col: usize) -> usize {
        let Some(panel) = self.layout.tabs[tab]
            .rows
            .get(row)
            .and_then(|r| r.panels.get(col))
        else {
            return 0;
        };
        if panel.kind != PanelKind::KpiTable {
            return 0;
        }
        let ctx = self.context();
        // Worst status first; among equals, the furthest past its own alert threshold
        // (lag at 2.5× its threshold beats a pool at 1.05× of its own).
        let badness = |kpi: &crate::config::layout::Kpi| {
            let Some(query) = self.store.query(kpi.query.id) else {
                return (Status::Ok, 0.0);
            };
            let r = reading(query, kpi.reduce, &kpi.thresholds, ctx);
            let excess = r.value.and_then(|v| kpi.thresholds.excess(v));
            (r.status, excess.unwrap_or(0.0))
        };
        let mut best = (0, badness(&panel.kpis[0]));
        for (i, kpi) in panel.kpis.iter().enumerate().skip(1) {
            let b = badness(kpi);
            if b.0 > best.1.0 || (b.0 == best.1.0 && b.1 > best.1.1) {
                best = (i, b);
            }
        }
        best.0
    }

    fn move_focus(&mut self, dir: Dir) {
        match self.drill.last_mut() {
            None => {
                let tab = self.tab;
                let moved = focus::moved(
                    &self.layout.tabs[tab],
                    self.focus[tab],
                    dir,
                    |panel| self.selectable_rows(panel),
                    |row, col| self.worst_kpi(tab, row, col),
                );
                self.focus[tab] = moved;
            }
            Some(DrillLevel::Group(view)) => {
                let last = view.specs.len().saturating_sub(1);
                view.focused = match dir {
                    Dir::Left => view.focused.saturating_sub(1),
                    Dir::Right => (view.focused + 1).min(last),
                    Dir::Up => view.focused.saturating_sub(GROUP_COLUMNS),
                    Dir::Down if view.focused + GROUP_COLUMNS <= last => {
                        view.focused + GROUP_COLUMNS
                    }
                    Dir::Down => view.focused,
                };
            }
            Some(DrillLevel::Chart(_)) => match dir {
                Dir::Up | Dir::Down => self.move_selection(if dir == Dir::Up { -1 } else { 1 }),
                Dir::Left | Dir::Right => {
                    self.move_cursor(if dir == Dir::Left { -1.0 } else { 1.0 })
                }
            },
        }
    }

    /// Series table rows of the innermost chart view, in the order the table shows them.
    fn visible_rows(&self) -> Vec<SeriesKey> {
        match self.drill.last() {
            Some(DrillLevel::Chart(view)) => self
                .chart_data(&view.spec)
                .rows(self.cursor)
                .into_iter()
                .map(|r| r.key)
                .collect(),
            _ => Vec::new(),
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let rows = self.visible_rows();
        let Some(DrillLevel::Chart(view)) = self.drill.last_mut() else {
            return;
        };
        if rows.is_empty() {
            return;
        }
        let current = view
            .selected
            .as_ref()
            .and_then(|key| rows.iter().position(|r| r == key));
        let next = match current {
            Some(i) => i.saturating_add_signed(delta).min(rows.len() - 1),
            None => 0,
        };
        view.selected = Some(rows[next].clone());
    }

    fn move_cursor(&mut self, direction: f64) {
        let Some(at) = self.cursor else {
            return;
        };
        let (start, end) = self.time.bounds(self.range_now());
        let step = f64::from(self.time.step(self.chart_points()));
        self.cursor = Some((at + direction * step).clamp(start, end));
    }

    fn toggle_cursor(&mut self) {
        if self.drill.is_empty() {
            self.notice = Some("the inspect cursor works in a drill view: Enter opens one".into());
            return;
        }
        self.cursor = match self.cursor {
            Some(_) => None,
            None => Some(self.time.bounds(self.range_now()).1),
        };
    }

    fn navigate_time(&mut self, action: Action) {
        if self.drill.is_empty() {
            self.notice = Some("zoom and pan work in a drill view: Enter opens one".into());
            return;
        }
        let now = self.range_now();
        match action {
            Action::ZoomIn => {
                self.time.zoom_in();
            }
            Action::ZoomOut => {
                self.time.zoom_out();
            }
            Action::PanBack => self.time.pan(now, -1.0),
            Action::PanForward => self.time.pan(now, 1.0),
            _ => self.time.end = None,
        }
        let (start, end) = self.time.bounds(now);
        self.cursor = self.cursor.map(|t| t.clamp(start, end));
    }

    fn open(&mut self) {
        let level = match self.drill.last() {
            None => self.focused_spec().map(DrillLevel::chart),
            Some(DrillLevel::Group(view)) => {
                view.specs.get(view.focused).cloned().map(DrillLevel::chart)
            }
            Some(DrillLevel::Chart(view)) => match self.breakdown_of(view) {
                Ok(level) => Some(level),
                Err(why) => {
                    self.notice = Some(why);
                    None
                }
            },
        };
        if let Some(level) = level {
            self.drill.push(level);
        }
    }

    /// The chart spec of the focused panel or selected KPI row.
    fn focused_spec(&self) -> Option<ChartSpec> {
        let focus = self.focus[self.tab];
        let panel = self.layout.tabs[self.tab]
            .rows
            .get(focus.row)?
            .panels
            .get(focus.col)?;
        Some(match panel.kind {
            PanelKind::KpiTable => panel.kpis.get(focus.kpi)?.chart_spec(&self.layout.queries),
            PanelKind::Alerts => {
                let alert = *self.store.alerts.all().get(focus.kpi)?;
                let expr = self.store.alerts.expr_of(alert)?;
                alert_chart(&alert.name, &expr)
            }
            PanelKind::Rules => return None,
            _ => panel.chart_spec(&self.layout.queries),
        })
    }

    /// The per-label view of the selected series, as the layout declares it.
    fn breakdown_of(&self, view: &drill::ChartView) -> Result<DrillLevel, String> {
        let Some(breakdown) = &view.spec.breakdown else {
            return Err(format!(
                "\"{}\" declares no breakdown (drill = \"NAME\" in the layout)",
                view.spec.title
            ));
        };
        let selected = view
            .selected
            .clone()
            .or_else(|| self.visible_rows().into_iter().next())
            .ok_or_else(|| "no series to break down yet".to_string())?;
        let mut values = Vec::with_capacity(breakdown.by.len());
        for label in &breakdown.by {
            let value = selected
                .labels
                .get(label)
                .ok_or_else(|| format!("this series has no `{label}` label to break down by"))?;
            values.push((label.clone(), value.clone()));
        }
        let title = values
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(" · ");
        Ok(DrillLevel::Group(GroupView {
            title,
            specs: breakdown
                .panels
                .iter()
                .map(|p| p.substitute(&values))
                .collect(),
            focused: 0,
        }))
    }

    fn back(&mut self) {
        if self.overlay.take().is_some() {
            return;
        }
        if self.cursor.take().is_some() {
            return;
        }
        if self.drill.pop().is_none() {
            self.dirty = false;
        }
    }

    /// The moment a live range ends at: the clock, frozen while paused.
    pub fn range_now(&self) -> f64 {
        self.paused_at.unwrap_or(self.now)
    }

    /// Points a full-width drill chart can show: two per column (braille dots).
    pub fn chart_points(&self) -> u32 {
        u32::from(self.size.0.saturating_sub(CHART_MARGIN).max(20)) * 2
    }

    fn request_for(&self, expr: &str) -> RangeRequest {
        let refresh = self.source.refresh.as_secs_f64();
        self.time
            .request(expr, self.range_now(), self.chart_points(), refresh)
    }

    /// What the chart of `spec` has to show over the current range.
    pub fn chart_data<'a>(&'a self, spec: &'a ChartSpec) -> ChartData<'a> {
        let (start, end) = self.time.bounds(self.range_now());
        let answers = spec
            .queries
            .iter()
            .map(|q| self.ranges.lookup(&self.request_for(&q.expr)))
            .collect();
        ChartData {
            spec,
            start,
            end,
            step: f64::from(self.time.step(self.chart_points())),
            answers,
        }
    }

    /// Asks the data source for the ranges the innermost drill view needs and lacks.
    fn request_drill_data(&mut self) {
        let Some(level) = self.drill.last() else {
            return;
        };
        let requests: Vec<RangeRequest> = level
            .specs()
            .iter()
            .flat_map(|spec| spec.queries.iter().map(|q| self.request_for(&q.expr)))
            .collect();
        for request in requests {
            if self.ranges.want(&request, self.now) {
                self.outbox.push(SourceCommand::Range(request));
            }
        }
    }

    /// What the dashboard knows, as data events: a recording started mid-session (`R`)
    /// begins with them, so its replay has the history and values the screen showed.
    pub fn state_events(&self) -> Vec<DataEvent> {
        let mut events = vec![DataEvent::Clock(self.now)];
        for (id, query) in self.store.queries().iter().enumerate() {
            let history: Vec<Series> = query
                .series
                .iter()
                .map(|s| Series {
                    labels: s.labels.clone(),
                    points: s.points().collect(),
                })
                .collect();
            if !history.is_empty() {
                events.push(DataEvent::Range {
                    id,
                    result: Ok(history),
                    latency: Duration::ZERO,
                });
            }
            let latency = query.latency.unwrap_or_default();
            if let Some(at) = query.last_eval {
                let samples = query
                    .current()
                    .map(|(s, value)| Sample {
                        labels: s.labels.clone(),
                        time: at,
                        value,
                    })
                    .collect();
                events.push(DataEvent::Instant {
                    id,
                    at,
                    result: Ok(samples),
                    latency,
                });
            }
            if let Some(error) = &query.error {
                events.push(DataEvent::Instant {
                    id,
                    at: self.now,
                    result: Err(error.clone()),
                    latency,
                });
            }
        }
        events.push(DataEvent::Connection(self.connection.clone()));
        if let Some(result) = &self.store.alerts.server {
            events.push(DataEvent::Alerts {
                at: self.now,
                result: result.clone(),
            });
        }
        if let Some(result) = &self.store.alerts.groups {
            events.push(DataEvent::Rules {
                at: self.now,
                result: result.clone(),
            });
        }
        if let Some(result) = &self.store.alerts.alertmanager {
            events.push(DataEvent::Alertmanager {
                at: self.now,
                result: result.clone(),
            });
        }
        events
    }

    /// The path to the innermost view: the tab, then every drill level.
    pub fn breadcrumb(&self) -> Vec<&str> {
        let tab = self.layout.tabs[self.tab].title.as_str();
        std::iter::once(tab)
            .chain(self.drill.iter().map(DrillLevel::title))
            .collect()
    }

    /// What rendering needs to judge ages: the clock and when data counts as stale.
    pub fn context(&self) -> Context {
        // Two missed refreshes (plus slack for a slow answer) make data stale; while
        // paused, old data is expected and not flagged.
        let stale_after = (!self.paused).then(|| (self.source.refresh * 2).as_secs_f64() + 2.0);
        Context {
            now: self.now,
            stale_after,
        }
    }

    /// Seconds since the newest successful answer, if any arrived.
    pub fn last_refresh_age(&self) -> Option<f64> {
        let newest = self
            .store
            .queries()
            .iter()
            .filter_map(|q| q.last_eval)
            .reduce(f64::max)?;
        Some((self.now - newest).max(0.0))
    }
}

/// An alert's expression as a drill chart: for `<expr> > <number>`, the watched side with
/// the number as its alert line, so the chart shows the value before, during and after the
/// alert, not just the stretches the comparison let through.
fn alert_chart(name: &str, expr: &str) -> ChartSpec {
    let (query, thresholds) = match crate::alerts::promql::threshold(expr)
        .and_then(|t| watched_side(expr, t.op.symbol(), t.value).map(|lhs| (lhs, t)))
    {
        Some((lhs, t)) => (
            lhs,
            Thresholds {
                target: None,
                alert: Some(t.value),
                direction: if t.op.symbol().starts_with('>') {
                    Direction::Above
                } else {
                    Direction::Below
                },
            },
        ),
        None => (expr.to_string(), Thresholds::default()),
    };
    ChartSpec {
        title: name.to_string(),
        queries: vec![ChartQuery {
            expr: query,
            legend: None,
        }],
        unit: Unit::None,
        decimals: None,
        thresholds,
        breakdown: None,
    }
}

/// `lhs` of `lhs <op> <value>` when the expression is written that way round.
fn watched_side(expr: &str, op: &str, value: f64) -> Option<String> {
    let (lhs, rhs) = expr.rsplit_once(op)?;
    let number: f64 = rhs.trim().parse().ok()?;
    (number == value && !lhs.trim().is_empty()).then(|| lhs.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::Layout;
    use crate::model::Labels;

    const NOW: f64 = 1_700_000_000.0;

    fn app() -> App {
        let layout = Layout::load("spheroseg").unwrap();
        let theme = Theme::load("default").unwrap();
        let mut app = App::new(
            layout,
            theme,
            SourceInfo {
                label: "test".into(),
                refresh: Duration::from_secs(5),
                note: None,
            },
        );
        app.update(Msg::Tick(NOW));
        app.update(Msg::Action(Action::Resize(200, 60)));
        app
    }

    fn act(app: &mut App, actions: &[Action]) {
        for a in actions {
            app.update(Msg::Action(*a));
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Feeds the current lag of three replicas, replica-2 far beyond the alert threshold.
    fn feed_lag(app: &mut App) {
        let id = app
            .layout
            .queries
            .iter()
            .position(|q| q.expr == "db_replication_lag_seconds")
            .unwrap();
        let samples = [("replica-1", 0.2), ("replica-2", 9.0), ("replica-3", 0.4)]
            .iter()
            .map(|(r, v)| Sample {
                labels: labels(&[("replica", r)]),
                time: NOW,
                value: *v,
            })
            .collect();
        app.update(Msg::Data(DataEvent::Instant {
            id,
            at: NOW,
            result: Ok(samples),
            latency: Duration::ZERO,
        }));
    }

    /// Answers every pending range request with one series per replica, lag rising to 9 s
    /// for replica-2.
    fn answer_ranges(app: &mut App) -> Vec<RangeRequest> {
        let mut answered = Vec::new();
        for command in app.take_commands() {
            let SourceCommand::Range(request) = command else {
                continue;
            };
            let series = ["replica-1", "replica-2", "replica-3"]
                .iter()
                .enumerate()
                .map(|(i, r)| Series {
                    labels: labels(&[("replica", r)]),
                    points: (request.start..=request.end)
                        .step_by(request.step as usize)
                        .map(|t| (t as f64, if i == 1 { 9.0 } else { 0.3 }))
                        .collect(),
                })
                .collect();
            app.update(Msg::Data(DataEvent::RangeAnswer {
                request: request.clone(),
                result: Ok(series),
                latency: Duration::ZERO,
            }));
            answered.push(request);
        }
        answered
    }

    #[test]
    fn tabs_wrap_both_ways_and_select_by_number() {
        let mut app = app();
        let n = app.layout.tabs.len();
        act(&mut app, &[Action::PrevTab]);
        assert_eq!(app.tab, n - 1);
        act(&mut app, &[Action::NextTab]);
        assert_eq!(app.tab, 0);
        act(&mut app, &[Action::SelectTab(4)]);
        assert_eq!(app.tab, 4);
        act(&mut app, &[Action::SelectTab(99)]);
        assert_eq!(app.tab, 4);
    }

    #[test]
    fn pause_and_refresh_reach_the_poller() {
        let mut app = app();
        app.take_commands();
        act(&mut app, &[Action::TogglePause]);
        assert_eq!(app.take_commands(), vec![SourceCommand::SetPaused(true)]);
        assert!(app.context().stale_after.is_none());
        act(&mut app, &[Action::TogglePause, Action::RefreshNow]);
        assert_eq!(
            app.take_commands(),
            vec![SourceCommand::SetPaused(false), SourceCommand::RefreshNow]
        );
    }

    #[test]
    fn help_swallows_navigation_until_closed() {
        let mut app = app();
        act(&mut app, &[Action::ToggleHelp, Action::NextTab]);
        assert_eq!(app.tab, 0);
        act(&mut app, &[Action::Back, Action::NextTab]);
        assert_eq!(app.tab, 1);
        act(&mut app, &[Action::Quit]);
        assert!(app.should_quit);
    }

    #[test]
    fn focus_enters_a_kpi_table_on_its_worst_row() {
        let mut app = app();
        feed_lag(&mut app);
        // The pool is at ALERT too, but barely past its threshold; the lag is far past.
        let pool = app
            .layout
            .queries
            .iter()
            .position(|q| {
                q.expr
                    .starts_with("sum by (pool) (db_pool_connections{state=\"active\"})")
            })
            .unwrap();
        app.update(Msg::Data(DataEvent::Instant {
            id: pool,
            at: NOW,
            result: Ok(vec![Sample {
                labels: labels(&[("pool", "write")]),
                time: NOW,
                value: 0.95,
            }]),
            latency: Duration::ZERO,
        }));
        act(&mut app, &[Action::Focus(Dir::Right)]);
        let focus = app.focus[0];
        assert_eq!((focus.row, focus.col), (0, 1));
        let kpis = &app.layout.tabs[0].rows[0].panels[1].kpis;
        assert_eq!(kpis[focus.kpi].name, "Replication lag");
        act(&mut app, &[Action::Focus(Dir::Up)]);
        assert_eq!(app.focus[0].kpi, focus.kpi - 1, "↑ walks the table's rows");
    }

    #[test]
    fn enter_drills_down_and_back_climbs_out() {
        let mut app = app();
        feed_lag(&mut app);
        act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
        assert_eq!(app.breadcrumb(), vec!["Overview", "Replication lag"]);
        let requests = answer_ranges(&mut app);
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].expr, "db_replication_lag_seconds");
        assert!(
            (requests[0].end - requests[0].start) as f64 >= 3600.0,
            "opens on the last hour"
        );

        // The series table's first row is the worst replica; Enter breaks it down.
        act(&mut app, &[Action::Open]);
        assert_eq!(
            app.breadcrumb(),
            vec!["Overview", "Replication lag", "replica-2"]
        );
        let Some(DrillLevel::Group(group)) = app.drill.last().cloned() else {
            panic!("expected the per-replica view");
        };
        assert!(
            group.specs[0].queries[0]
                .expr
                .contains(r#"replica="replica-2""#)
        );
        assert!(group.specs.len() >= 3, "related metrics beside the lag");
        let asked: Vec<String> = app
            .take_commands()
            .into_iter()
            .filter_map(|c| match c {
                SourceCommand::Range(r) => Some(r.expr),
                _ => None,
            })
            .collect();
        assert_eq!(
            asked.len(),
            group.specs.iter().map(|s| s.queries.len()).sum::<usize>()
        );

        act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
        assert_eq!(app.breadcrumb().len(), 4);
        act(&mut app, &[Action::Back, Action::Back, Action::Back]);
        assert!(app.drill.is_empty());
        assert_eq!(app.breadcrumb(), vec!["Overview"]);
    }

    #[test]
    fn series_selection_and_hiding_follow_the_table_order() {
        let mut app = app();
        feed_lag(&mut app);
        act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
        answer_ranges(&mut app);
        act(&mut app, &[Action::Focus(Dir::Down)]);
        let Some(DrillLevel::Chart(view)) = app.drill.last() else {
            panic!("chart view");
        };
        assert_eq!(
            view.selected.as_ref().unwrap().labels["replica"],
            "replica-2",
            "first ↓ selects the worst"
        );
        act(
            &mut app,
            &[Action::Focus(Dir::Down), Action::ToggleSelected],
        );
        let Some(DrillLevel::Chart(view)) = app.drill.last() else {
            panic!("chart view");
        };
        assert_eq!(view.hidden.len(), 1);
        assert_ne!(
            view.hidden.iter().next().unwrap().labels["replica"],
            "replica-2"
        );
        assert!(
            !app.paused,
            "space hides a series in a drill view, it does not pause"
        );
    }

    #[test]
    fn zoom_and_pan_change_the_requested_range_and_come_back_from_cache() {
        let mut app = app();
        act(&mut app, &[Action::Focus(Dir::Right), Action::Open]);
        let hour = answer_ranges(&mut app);
        act(&mut app, &[Action::ZoomOut, Action::ZoomOut]);
        let six_hours = answer_ranges(&mut app).pop().unwrap();
        let span = six_hours.end - six_hours.start;
        assert!((6 * 3600..6 * 3600 + i64::from(six_hours.step)).contains(&span));
        assert!(six_hours.step > hour[0].step, "wider range, coarser step");

        act(&mut app, &[Action::ZoomIn, Action::ZoomIn]);
        assert!(app.take_commands().is_empty(), "the hour is still cached");

        act(&mut app, &[Action::PanBack]);
        assert_eq!(app.time.end, Some(NOW - 1800.0));
        let panned = answer_ranges(&mut app);
        assert!(panned[0].end < hour[0].end);
        act(&mut app, &[Action::Live]);
        assert!(app.time.is_live());
        assert!(app.take_commands().is_empty());
    }

    #[test]
    fn the_inspect_cursor_moves_by_one_step_and_stays_in_range() {
        let mut app = app();
        act(
            &mut app,
            &[
                Action::Focus(Dir::Right),
                Action::Open,
                Action::ToggleCursor,
            ],
        );
        let end = app.time.bounds(app.range_now()).1;
        assert_eq!(app.cursor, Some(end));
        act(&mut app, &[Action::Focus(Dir::Left)]);
        let step = f64::from(app.time.step(app.chart_points()));
        assert_eq!(app.cursor, Some(end - step));
        act(
            &mut app,
            &[Action::Focus(Dir::Right), Action::Focus(Dir::Right)],
        );
        assert_eq!(app.cursor, Some(end), "clamped to the range");
        act(&mut app, &[Action::Back]);
        assert_eq!(app.cursor, None, "Esc closes the cursor before the view");
        assert_eq!(app.drill.len(), 1);
    }

    #[test]
    fn zoom_outside_a_drill_view_explains_itself() {
        let mut app = app();
        act(&mut app, &[Action::ZoomIn]);
        assert!(app.notice.as_deref().unwrap().contains("drill view"));
        act(&mut app, &[Action::NextTab]);
        assert!(app.notice.is_none());
    }

    fn replaying(app: &mut App, position: f64) {
        app.update(Msg::Data(DataEvent::ReplayStatus(
            crate::event::ReplayStatus {
                start: NOW - 600.0,
                end: NOW + 600.0,
                position,
                speed: 1.0,
                playing: true,
            },
        )));
        app.update(Msg::Data(DataEvent::ReplayIndex(
            crate::event::ReplayIndex {
                transitions: vec![NOW - 300.0, NOW + 120.0],
                alert_spans: vec![(NOW + 120.0, NOW + 400.0)],
            },
        )));
    }

    #[test]
    fn replay_keys_steer_the_replayer() {
        let mut app = app();
        replaying(&mut app, NOW);
        app.take_commands();
        act(&mut app, &[Action::SpeedUp, Action::SpeedUp]);
        assert_eq!(
            app.take_commands(),
            vec![SourceCommand::SetSpeed(2.0), SourceCommand::SetSpeed(4.0)],
            "quick presses add up"
        );
        act(&mut app, &[Action::ToggleSelected]);
        assert_eq!(app.take_commands(), vec![SourceCommand::SetPaused(true)]);
        act(&mut app, &[Action::NextEvent]);
        assert_eq!(app.take_commands(), vec![SourceCommand::Seek(NOW + 120.0)]);
        act(&mut app, &[Action::PrevEvent, Action::StepBack]);
        assert_eq!(
            app.take_commands(),
            vec![SourceCommand::Seek(NOW - 300.0), SourceCommand::Step(-1)]
        );
    }

    #[test]
    fn the_goto_prompt_takes_every_key_as_text_until_enter() {
        let mut app = app();
        replaying(&mut app, NOW);
        app.take_commands();
        act(&mut app, &[Action::GoTo]);
        assert_eq!(app.input_mode(), InputMode::Text);
        for c in "-5m".chars() {
            act(&mut app, &[Action::Input(c)]);
        }
        act(&mut app, &[Action::NextTab, Action::Submit]);
        assert_eq!(app.tab, 0, "tabs do not move while typing");
        assert_eq!(app.take_commands(), vec![SourceCommand::Seek(NOW - 300.0)]);
        assert_eq!(app.input_mode(), InputMode::Normal);
        act(
            &mut app,
            &[Action::GoTo, Action::Input('x'), Action::Submit],
        );
        assert!(
            app.notice.as_deref().unwrap().contains("expected"),
            "{:?}",
            app.notice
        );
        assert!(app.take_commands().is_empty());
    }

    #[test]
    fn markers_and_recording_are_effects_for_the_event_loop() {
        let mut app = app();
        act(&mut app, &[Action::ToggleRecording, Action::AddMarker]);
        for c in "db failover".chars() {
            act(&mut app, &[Action::Input(c)]);
        }
        act(&mut app, &[Action::Submit]);
        assert_eq!(
            app.take_effects(),
            vec![
                Effect::ToggleRecording,
                Effect::Mark {
                    at: NOW,
                    note: "db failover".into()
                }
            ]
        );
        assert_eq!(app.markers.len(), 1);
        act(&mut app, &[Action::SpeedUp]);
        assert!(
            app.notice.as_deref().unwrap().contains("replay"),
            "live has no speed"
        );
        act(&mut app, &[Action::AddMarker, Action::Back]);
        assert!(
            app.overlay.is_none() && app.take_effects().is_empty(),
            "Esc cancels"
        );
    }
}
