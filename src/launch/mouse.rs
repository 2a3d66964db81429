//! The terminal's mouse events as the app's messages: the cell under the pointer becomes a
//! target through `ui::hit`, a click a single or double one by its timing.

use crate::app::mouse::{Clicks, MouseAction};
use crate::app::{App, Msg};
use crate::ui::hit;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::time::Duration;

/// The message for `event` on the screen `app` is drawn on; `since_start` is the time the
/// event arrived (to tell double clicks).
pub fn message(
    app: &App,
    clicks: &mut Clicks,
    event: MouseEvent,
    since_start: Duration,
) -> Option<Msg> {
    let action = match event.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            clicks.click(since_start, event.column, event.row)
        }
        MouseEventKind::ScrollUp => MouseAction::WheelUp,
        MouseEventKind::ScrollDown => MouseAction::WheelDown,
        _ => return None,
    };
    let (width, height) = app.size();
    let target = hit::target(app, Rect::new(0, 0, width, height), event.column, event.row)?;
    Some(Msg::Mouse { action, target })
}
