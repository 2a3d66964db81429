//! The application state and the one place it changes: [`App::update`].

pub mod action;
pub mod keymap;
pub mod run;

pub use action::{Action, Msg};

use crate::config::{Layout, Theme};
use crate::poller::{Connection, DataEvent, PollerCommand};
use crate::store::Store;
use crate::view::Context;
use std::time::Duration;

/// Where the data comes from, as the status bar names it (never with credentials).
#[derive(Clone, Debug)]
pub struct SourceInfo {
    pub label: String,
    pub refresh: Duration,
    /// A note for the status bar, e.g. how to trigger the demo's incident.
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
}

pub struct App {
    pub layout: Layout,
    pub theme: Theme,
    pub store: Store,
    pub source: SourceInfo,
    pub connection: Connection,
    pub tab: usize,
    pub paused: bool,
    pub overlay: Option<Overlay>,
    pub show_log: bool,
    pub should_quit: bool,
    /// The clock the dashboard reads ages against (Unix seconds). It only moves through
    /// [`Msg::Tick`], so rendering never reads a clock and tests can fix time.
    pub now: f64,
    /// Set when the screen no longer shows the state; the event loop draws then.
    pub dirty: bool,
}

impl App {
    pub fn new(layout: Layout, theme: Theme, source: SourceInfo) -> Self {
        let store = Store::new(&layout.queries);
        Self {
            layout,
            theme,
            store,
            source,
            connection: Connection::Connecting,
            tab: 0,
            paused: false,
            overlay: None,
            show_log: false,
            should_quit: false,
            now: 0.0,
            dirty: true,
        }
    }

    /// Applies a message; returns what the poller must do, if anything.
    pub fn update(&mut self, msg: Msg) -> Option<PollerCommand> {
        self.dirty = true;
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                self.store.prune(now);
                None
            }
            Msg::Data(event) => {
                self.ingest(event);
                None
            }
            Msg::Action(action) => self.act(action),
        }
    }

    fn ingest(&mut self, event: DataEvent) {
        match event {
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
        }
    }

    fn act(&mut self, action: Action) -> Option<PollerCommand> {
        let tabs = self.layout.tabs.len();
        // While help is open, keys other than those that close it or quit do nothing:
        // the user is reading, not steering.
        if self.overlay.is_some()
            && !matches!(
                action,
                Action::ToggleHelp | Action::CloseOverlay | Action::Quit | Action::Resize
            )
        {
            self.dirty = false;
            return None;
        }
        match action {
            Action::NextTab => self.tab = (self.tab + 1) % tabs,
            Action::PrevTab => self.tab = (self.tab + tabs - 1) % tabs,
            Action::SelectTab(i) if i < tabs => self.tab = i,
            Action::SelectTab(_) => self.dirty = false,
            Action::TogglePause => {
                self.paused = !self.paused;
                return Some(PollerCommand::SetPaused(self.paused));
            }
            Action::RefreshNow => return Some(PollerCommand::RefreshNow),
            Action::ToggleHelp => {
                self.overlay = if self.overlay.is_some() {
                    None
                } else {
                    Some(Overlay::Help)
                };
            }
            Action::CloseOverlay => self.overlay = None,
            Action::ToggleLog => self.show_log = !self.show_log,
            Action::Quit => self.should_quit = true,
            Action::Resize => {}
        }
        None
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::Layout;

    fn app() -> App {
        let layout = Layout::load("spheroseg").unwrap();
        let theme = Theme::load("default").unwrap();
        App::new(
            layout,
            theme,
            SourceInfo {
                label: "test".into(),
                refresh: Duration::from_secs(5),
                note: None,
            },
        )
    }

    #[test]
    fn tabs_wrap_both_ways_and_select_by_number() {
        let mut app = app();
        let n = app.layout.tabs.len();
        app.update(Msg::Action(Action::PrevTab));
        assert_eq!(app.tab, n - 1);
        app.update(Msg::Action(Action::NextTab));
        assert_eq!(app.tab, 0);
        app.update(Msg::Action(Action::SelectTab(4)));
        assert_eq!(app.tab, 4);
        app.update(Msg::Action(Action::SelectTab(99)));
        assert_eq!(app.tab, 4);
    }

    #[test]
    fn pause_and_refresh_reach_the_poller() {
        let mut app = app();
        assert_eq!(
            app.update(Msg::Action(Action::TogglePause)),
            Some(PollerCommand::SetPaused(true))
        );
        assert!(app.context().stale_after.is_none());
        assert_eq!(
            app.update(Msg::Action(Action::TogglePause)),
            Some(PollerCommand::SetPaused(false))
        );
        assert_eq!(
            app.update(Msg::Action(Action::RefreshNow)),
            Some(PollerCommand::RefreshNow)
        );
    }

    #[test]
    fn help_swallows_navigation_until_closed() {
        let mut app = app();
        app.update(Msg::Action(Action::ToggleHelp));
        app.update(Msg::Action(Action::NextTab));
        assert_eq!(app.tab, 0);
        app.update(Msg::Action(Action::CloseOverlay));
        app.update(Msg::Action(Action::NextTab));
        assert_eq!(app.tab, 1);
        app.update(Msg::Action(Action::Quit));
        assert!(app.should_quit);
    }
}
