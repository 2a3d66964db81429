//! Every state change is a message: user intent ([`Action`]), data, or the clock.

use super::focus::Dir;
use crate::event::DataEvent;

/// What a user can ask for; plain data, so keymaps, tests and recordings can produce it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    NextTab,
    PrevTab,
    SelectTab(usize),
    /// Move focus (grid), selection (series table) or the inspect cursor.
    Focus(Dir),
    /// Drill into the focused panel, KPI row, series or chart.
    Open,
    /// Close help, the cursor, or the innermost drill view.
    Back,
    ZoomIn,
    ZoomOut,
    PanBack,
    PanForward,
    /// Back to a range that ends now.
    Live,
    ToggleCursor,
    /// Hide/show the selected series in a drill view; elsewhere pause/resume.
    ToggleSelected,
    TogglePause,
    RefreshNow,
    /// Start or stop recording the session (`R`).
    ToggleRecording,
    /// Open the prompt for a marker's note (`m`).
    AddMarker,
    /// Replay: open the prompt for a time to jump to (`g`).
    GoTo,
    /// Filter alerts and rules by text or label matchers (`/`).
    Filter,
    /// Silence the selected alert or group in Alertmanager (`s`, `--allow-silences`).
    Silence,
    /// Expire the selected silence of the Alertmanager panel (`S`, `--allow-silences`).
    ExpireSilence,
    /// Typing into the open prompt.
    Input(char),
    /// Tab in a form: the next field.
    InputNextField,
    InputBackspace,
    /// Enter in the prompt.
    Submit,
    /// Replay: faster / slower.
    SpeedUp,
    SpeedDown,
    /// Replay: one refresh cycle forward / back.
    StepForward,
    StepBack,
    /// Replay: jump to the next / previous alert transition or marker.
    NextEvent,
    PrevEvent,
    ToggleHelp,
    ToggleLog,
    /// Open the template variables' picker (`v`).
    PickVariables,
    /// Save the screen as SVG and text into `--export-dir` (`e`).
    Screenshot,
    /// Stop the process until continued (Ctrl-Z), handing the terminal back meanwhile.
    Suspend,
    Quit,
    /// The terminal's new size (columns, lines).
    Resize(u16, u16),
}

#[derive(Debug)]
pub enum Msg {
    Action(Action),
    /// A click or wheel turn on what `ui::hit` found under the pointer.
    Mouse {
        action: super::mouse::MouseAction,
        target: super::mouse::MouseTarget,
    },
    Data(DataEvent),
    /// The clock moved (Unix seconds).
    Tick(f64),
    /// Whether (and where) the session is being recorded.
    Recording(Option<super::RecordingStatus>),
    /// A one-off hint for the status bar from the event loop.
    Notice(String),
    /// The recording stopped working (or could not start): shown until acknowledged.
    RecordingFailed(String),
    /// Alertmanager's answer to an [`Effect::Silence`](super::Effect).
    Silence(super::silence::SilenceOutcome),
}
