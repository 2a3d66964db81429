//! Every state change is a message: user intent ([`Action`]), data, or the clock.

use crate::poller::DataEvent;

/// What a user can ask for; plain data, so keymaps, tests and recordings can produce it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    NextTab,
    PrevTab,
    SelectTab(usize),
    TogglePause,
    RefreshNow,
    ToggleHelp,
    CloseOverlay,
    ToggleLog,
    Quit,
    Resize,
}

#[derive(Debug)]
pub enum Msg {
    Action(Action),
    Data(DataEvent),
    /// The clock moved (Unix seconds).
    Tick(f64),
}
