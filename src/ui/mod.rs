//! Drawing: a pure function of the application state. No IO, no clock.

pub(crate) mod diff;
mod drill;
mod grid;
mod help;
pub mod hit;
mod popup;
mod prompt;
mod replay_bar;
mod silence;
mod status_bar;
pub mod svg;
mod tabs;
mod too_small;
mod variables;
pub mod widgets;

use crate::app::{App, Overlay};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect, Size};
use too_small::{TooSmall, too_small};

/// Height of the log pane when shown; in a short terminal it takes at most half.
const LOG_PANE_HEIGHT: u16 = 10;

/// The least room for anything meaningful: the tab bar, a panel, the status bar.
const MIN_SCREEN: Size = Size::new(30, 6);

/// Where the screen's parts go; the renderer and the mouse's hit-testing ([`hit`]) both
/// take them from here.
pub(crate) struct Areas {
    pub tab_bar: Rect,
    /// The template variables' choice; no height when the layout has none.
    pub variables_line: Rect,
    pub body: Rect,
    pub log_pane: Rect,
    pub status: Rect,
}

pub(crate) fn areas(screen: Rect, app: &App) -> Areas {
    let log_height = if app.show_log() {
        LOG_PANE_HEIGHT.min(screen.height.saturating_sub(2) / 2)
    } else {
        0
    };
    // The variables line, only when the layout has variables.
    let variables_height = u16::from(!app.layout().variables.is_empty());
    let [tab_bar, variables_line, body, log_pane, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(variables_height),
        Constraint::Fill(1),
        Constraint::Length(log_height),
        Constraint::Length(1),
    ])
    .areas(screen);
    Areas {
        tab_bar,
        variables_line,
        body,
        log_pane,
        status,
    }
}

pub fn render(frame: &mut Frame, app: &App) {
    let screen = frame.area();
    if too_small(screen, MIN_SCREEN) {
        let message = TooSmall::new(screen, MIN_SCREEN, app.theme().warn);
        frame.render_widget(message, screen);
        return;
    }
    let areas = areas(screen, app);
    let ctx = app.context();
    frame.render_widget(tabs::TabBar { app, ctx }, areas.tab_bar);
    frame.render_widget(variables::VariablesLine { app }, areas.variables_line);
    render_body(frame, app, &areas);
    if app.show_log() {
        let entries = crate::logbook::recent(usize::from(areas.log_pane.height));
        let pane = widgets::log_pane::LogPane {
            entries: &entries,
            theme: app.theme(),
        };
        frame.render_widget(pane, areas.log_pane);
    }
    match &app.replay() {
        Some(state) => frame.render_widget(replay_bar::ReplayBar { app, state }, areas.status),
        None => frame.render_widget(status_bar::StatusBar { app }, areas.status),
    }
    render_overlay(frame, app);
}

/// The body: the drilled-into view when there is one (or what it needs when it does not
/// fit), else the current tab's panels.
fn render_body(frame: &mut Frame, app: &App, areas: &Areas) {
    let body = areas.body;
    if let Some(level) = app.drill().last() {
        let need = drill::min_size(level);
        if too_small(body, need) {
            // Around the body: the tab bar, the variables line, the status bar and the log
            // pane at its full height.
            let around =
                2 + areas.variables_line.height + if app.show_log() { LOG_PANE_HEIGHT } else { 0 };
            let need = Size::new(need.width, need.height.saturating_add(around));
            frame.render_widget(TooSmall::new(frame.area(), need, app.theme().warn), body);
        } else {
            frame.render_widget(drill::DrillScreen { app }, body);
        }
    } else if let Some(tab) = app.layout().tabs.get(app.tab()) {
        frame.render_widget(
            grid::TabGrid {
                tab,
                focus: app.focus(),
                store: app.store(),
                theme: app.theme(),
                ctx: app.context(),
                alerts: app.alerts_view(),
                backends: &app.backends(),
            },
            body,
        );
    }
}

/// The overlay open over the whole screen, if any.
fn render_overlay(frame: &mut Frame, app: &App) {
    match &app.overlay() {
        Some(Overlay::Help) => {
            frame.render_widget(
                help::HelpOverlay {
                    theme: app.theme(),
                    keys: app.keymap().lines(),
                    server: crate::view::server::facts_lines(app.store()),
                },
                frame.area(),
            );
        }
        Some(Overlay::Prompt(prompt)) => frame.render_widget(
            prompt::PromptBox {
                prompt,
                theme: app.theme(),
            },
            frame.area(),
        ),
        Some(Overlay::Silence(overlay)) => frame.render_widget(
            silence::SilenceBox {
                overlay,
                theme: app.theme(),
            },
            frame.area(),
        ),
        Some(Overlay::Variables(picker)) => {
            frame.render_widget(variables::PickerBox { app, picker }, frame.area())
        }
        None => {}
    }
}
