//! When the event loop draws. Drawing is what the dashboard spends its CPU on, so it draws
//! only what a user could see change: a key at once; the answers of one refresh cycle
//! together, once, a short window after the first of them arrived (they come spread over
//! tens of milliseconds); a clock tick only when no frame has shown the current second
//! (while answers arrive every second, ages are already redrawn with them).

use std::time::Duration;
use tokio::time::Instant;

/// The finest precision a clock tick can change on screen: ages are shown in seconds.
const TICK_PRECISION: Duration = Duration::from_secs(1);

/// What made the state change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A key, a resize, a signal, the loop's own effects: drawn at once.
    Input,
    /// An answer from the data source: drawn with the rest of its cycle.
    Data,
    /// The clock moved: drawn only if no frame showed this second yet.
    Tick,
}

/// The redraw policy and the count of frames it drew.
#[derive(Debug)]
pub struct Frames {
    /// How long after a cycle's first answer its frame is drawn.
    window: Duration,
    /// When the pending change must be drawn; `None` when the screen is current.
    due: Option<Instant>,
    last_drawn: Option<Instant>,
}

impl Frames {
    /// A policy for a source that answers every `refresh`: the window is a fifth of it,
    /// between 20 and 60 ms: long enough for one cycle's answers (its instant queries come
    /// in one or two requests), short enough not to be seen, and under the 64 ms beyond
    /// which tokio's timer wheel wakes the thread a second time, early, to move the timer
    /// to a finer slot.
    pub fn new(refresh: Duration) -> Self {
        Self {
            window: (refresh / 5).clamp(Duration::from_millis(20), Duration::from_millis(60)),
            due: None,
            last_drawn: None,
        }
    }

    /// The state changed at `now` because of `cause`.
    pub fn changed(&mut self, cause: Cause, now: Instant) {
        let at = match cause {
            Cause::Input => now,
            Cause::Data => now + self.window,
            Cause::Tick => match self.last_drawn {
                Some(last) if now.saturating_duration_since(last) < TICK_PRECISION => return,
                _ => now,
            },
        };
        // A pending frame keeps its earlier time: the window starts at the first answer.
        self.due = Some(self.due.map_or(at, |due| due.min(at)));
    }

    /// When the loop must wake up to draw, if a change is pending.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// Whether a frame is due at `now`.
    pub fn should_draw(&self, now: Instant) -> bool {
        self.due.is_some_and(|due| due <= now)
    }

    /// A frame was drawn at `now`: everything pending is on screen.
    pub fn drawn(&mut self, now: Instant) {
        self.due = None;
        self.last_drawn = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays `events` (milliseconds from the start, cause) through the policy the way the
    /// event loop does: it wakes for every event and for every due frame, draws when one
    /// is due, and returns the frames drawn.
    fn play(refresh: Duration, events: &[(u64, Cause)]) -> u64 {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut frames = Frames::new(refresh);
        let mut drawn = 0;
        for &(ms, cause) in events {
            // Frames falling due before this event are drawn when the loop wakes for them.
            if let Some(due) = frames.due()
                && due <= at(ms)
            {
                frames.drawn(due);
                drawn += 1;
            }
            frames.changed(cause, at(ms));
            if frames.should_draw(at(ms)) {
                frames.drawn(at(ms));
                drawn += 1;
            }
        }
        if let Some(due) = frames.due() {
            frames.drawn(due);
            drawn += 1;
        }
        drawn
    }

    /// One refresh cycle's answers, spread over 60 ms from `start` ms.
    fn cycle(start: u64) -> Vec<(u64, Cause)> {
        (0..30).map(|i| (start + i * 2, Cause::Data)).collect()
    }

    #[test]
    fn a_cycles_answers_make_one_frame() {
        assert_eq!(play(Duration::from_secs(1), &cycle(0)), 1);
    }

    #[test]
    fn ten_cycles_with_ticks_between_make_ten_frames() {
        // 1 s refresh, the 1 s clock ticking half-way between cycles: the ticks show no
        // second the cycles' frames did not already show.
        let mut events = Vec::new();
        for second in 0..10 {
            events.extend(cycle(second * 1000));
            events.push((second * 1000 + 500, Cause::Tick));
        }
        assert_eq!(play(Duration::from_secs(1), &events), 10);
    }

    #[test]
    fn keys_draw_at_once_besides_the_cycles() {
        let mut events = cycle(0);
        events.extend([(300, Cause::Input), (310, Cause::Input)]);
        events.extend(cycle(1000));
        // A key in the middle of a cycle's answers is drawn at once; the rest of the
        // answers still make their own frame.
        events.push((1010, Cause::Input));
        events.sort_by_key(|(ms, _)| *ms);
        // One frame per cycle, one per key (the key in the second cycle draws its first answers).
        assert_eq!(play(Duration::from_secs(1), &events), 1 + 2 + 2);
    }

    #[test]
    fn ticks_draw_when_no_answers_come() {
        // 5 s refresh: between cycles the ages move a whole second at every tick.
        let mut events = cycle(0);
        events.extend((1..5).map(|s| (s * 1000 + 500, Cause::Tick)));
        events.extend(cycle(5000));
        events.sort_by_key(|(ms, _)| *ms);
        assert_eq!(play(Duration::from_secs(5), &events), 1 + 4 + 1);
    }

    #[test]
    fn nothing_changed_nothing_drawn() {
        assert_eq!(play(Duration::from_secs(1), &[]), 0);
        let mut frames = Frames::new(Duration::from_secs(1));
        assert_eq!(frames.due(), None);
        let now = Instant::now();
        frames.changed(Cause::Input, now);
        frames.drawn(now);
        frames.changed(Cause::Tick, now + Duration::from_millis(999));
        assert_eq!(frames.due(), None, "a tick within the shown second");
    }
}
