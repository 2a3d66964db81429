//! The keys as shipped: every help line, its actions (named as `[keys]` names them) and
//! their default keys, in the order help lists them.

use super::key::Key;
use super::{Binding, Bound};
use crate::app::Action;
use crate::app::focus::Dir;
use crossterm::event::KeyCode;

const fn tab(name: &'static str, index: usize, keys: &'static [Key]) -> Bound {
    Bound {
        name,
        action: Action::SelectTab(index),
        keys,
    }
}

/// One action on a key or more.
const fn bound(name: &'static str, action: Action, keys: &'static [Key]) -> Bound {
    Bound { name, action, keys }
}

const fn char(c: char) -> Key {
    Key::char(c)
}

const fn code(code: KeyCode) -> Key {
    Key::code(code)
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        label: "1–9",
        help: "go to tab",
        actions: &[
            tab("tab_1", 0, &[char('1')]),
            tab("tab_2", 1, &[char('2')]),
            tab("tab_3", 2, &[char('3')]),
            tab("tab_4", 3, &[char('4')]),
            tab("tab_5", 4, &[char('5')]),
            tab("tab_6", 5, &[char('6')]),
            tab("tab_7", 6, &[char('7')]),
            tab("tab_8", 7, &[char('8')]),
            tab("tab_9", 8, &[char('9')]),
        ],
    },
    Binding {
        label: "Tab / Shift-Tab",
        help: "next / previous tab",
        actions: &[
            bound("next_tab", Action::NextTab, &[code(KeyCode::Tab)]),
            bound("prev_tab", Action::PrevTab, &[code(KeyCode::BackTab)]),
        ],
    },
    Binding {
        label: "← ↓ ↑ → / h j k l",
        help: "move focus; KPI rows; series; cursor",
        actions: &[
            bound(
                "focus_left",
                Action::Focus(Dir::Left),
                &[code(KeyCode::Left), char('h')],
            ),
            bound(
                "focus_down",
                Action::Focus(Dir::Down),
                &[code(KeyCode::Down), char('j')],
            ),
            bound(
                "focus_up",
                Action::Focus(Dir::Up),
                &[code(KeyCode::Up), char('k')],
            ),
            bound(
                "focus_right",
                Action::Focus(Dir::Right),
                &[code(KeyCode::Right), char('l')],
            ),
        ],
    },
    Binding {
        label: "Enter",
        help: "drill into panel, KPI row, series, chart",
        actions: &[bound("open", Action::Open, &[code(KeyCode::Enter)])],
    },
    Binding {
        label: "Esc / Backspace",
        help: "back one level (help, cursor first)",
        actions: &[bound(
            "back",
            Action::Back,
            &[code(KeyCode::Esc), code(KeyCode::Backspace)],
        )],
    },
    Binding {
        label: "+ / -",
        help: "zoom drill range in / out (5m … 7d)",
        // `=` and `_`: the same keys without Shift.
        actions: &[
            bound("zoom_in", Action::ZoomIn, &[char('+'), char('=')]),
            bound("zoom_out", Action::ZoomOut, &[char('-'), char('_')]),
        ],
    },
    Binding {
        label: "[ / ]",
        help: "pan the range back / forward",
        actions: &[
            bound("pan_back", Action::PanBack, &[char('[')]),
            bound("pan_forward", Action::PanForward, &[char(']')]),
        ],
    },
    Binding {
        label: "0",
        help: "range back to live",
        actions: &[bound("live", Action::Live, &[char('0')])],
    },
    Binding {
        label: "c",
        help: "inspect cursor on / off",
        actions: &[bound("cursor", Action::ToggleCursor, &[char('c')])],
    },
    Binding {
        label: "Space",
        help: "hide / show series (drill); else pause",
        actions: &[bound("hide_series", Action::ToggleSelected, &[char(' ')])],
    },
    Binding {
        label: "p",
        help: "pause / resume polling or replay",
        actions: &[bound("pause", Action::TogglePause, &[char('p')])],
    },
    Binding {
        label: "R",
        help: "start / stop recording the session",
        actions: &[bound("record", Action::ToggleRecording, &[char('R')])],
    },
    Binding {
        label: "m",
        help: "add a marker with a note",
        actions: &[bound("marker", Action::AddMarker, &[char('m')])],
    },
    Binding {
        label: "< / >",
        help: "replay slower / faster (1×…64×)",
        actions: &[
            bound("slower", Action::SpeedDown, &[char('<')]),
            bound("faster", Action::SpeedUp, &[char('>')]),
        ],
    },
    Binding {
        label: ", / .",
        help: "replay one sample back / forward",
        actions: &[
            bound("step_back", Action::StepBack, &[char(',')]),
            bound("step_forward", Action::StepForward, &[char('.')]),
        ],
    },
    Binding {
        label: "g",
        help: "replay: go to 14:03:10, -5m, +30s",
        actions: &[bound("go_to", Action::GoTo, &[char('g')])],
    },
    Binding {
        label: "n / N",
        help: "replay: next / previous alert or marker",
        actions: &[
            bound("next_event", Action::NextEvent, &[char('n')]),
            bound("prev_event", Action::PrevEvent, &[char('N')]),
        ],
    },
    Binding {
        label: "/",
        help: "filter alerts and rules (severity=critical)",
        actions: &[bound("filter", Action::Filter, &[char('/')])],
    },
    Binding {
        label: "s / S",
        help: "silence alert or group / expire silence",
        actions: &[
            bound("silence", Action::Silence, &[char('s')]),
            bound("expire_silence", Action::ExpireSilence, &[char('S')]),
        ],
    },
    Binding {
        label: "v",
        help: "pick template variables' values",
        actions: &[bound("variables", Action::PickVariables, &[char('v')])],
    },
    Binding {
        label: "r",
        help: "refresh now",
        actions: &[bound("refresh", Action::RefreshNow, &[char('r')])],
    },
    Binding {
        label: "L",
        help: "show / hide the log pane",
        actions: &[bound("log", Action::ToggleLog, &[char('L')])],
    },
    Binding {
        label: "?",
        help: "show / hide this help",
        actions: &[bound("help", Action::ToggleHelp, &[char('?')])],
    },
    Binding {
        label: "e",
        help: "save the screen as SVG and text (--export-dir)",
        actions: &[bound("screenshot", Action::Screenshot, &[char('e')])],
    },
    Binding {
        label: "Ctrl-Z",
        help: "suspend (fg brings it back)",
        actions: &[bound("suspend", Action::Suspend, &[Key::ctrl('z')])],
    },
    Binding {
        label: "q / Ctrl-C",
        help: "quit",
        actions: &[bound("quit", Action::Quit, &[char('q'), Key::ctrl('c')])],
    },
];
