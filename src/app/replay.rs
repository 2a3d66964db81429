//! What the app knows of a replay: where it is, how fast it goes, and the moments worth
//! jumping to (alert transitions, markers). The replayer owns the recording; this is the
//! picture it sends.

use crate::event::ReplayStatus;

/// Replay speeds, as `<` and `>` step through them.
pub const SPEEDS: [f64; 7] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

#[derive(Clone, Debug, PartialEq)]
pub struct ReplayState {
    pub start: f64,
    pub end: f64,
    /// The replay clock (Unix seconds).
    pub position: f64,
    pub speed: f64,
    pub playing: bool,
    /// When the set of pending or firing alerts changed.
    pub transitions: Vec<f64>,
    /// When any alert was firing: (from, to).
    pub alert_spans: Vec<(f64, f64)>,
    /// Stretches the recording lost to damage: (from, to).
    pub lost_spans: Vec<(f64, f64)>,
}

impl ReplayState {
    pub fn new(status: &ReplayStatus) -> Self {
        Self {
            start: status.start,
            end: status.end,
            position: status.position,
            speed: status.speed,
            playing: status.playing,
            transitions: Vec::new(),
            alert_spans: Vec::new(),
            lost_spans: Vec::new(),
        }
    }

    /// The next speed up (`faster`) or down, within [`SPEEDS`].
    pub fn next_speed(&self, faster: bool) -> f64 {
        let i = SPEEDS
            .iter()
            .position(|s| *s >= self.speed)
            .unwrap_or(SPEEDS.len() - 1);
        let i = if faster {
            (i + 1).min(SPEEDS.len() - 1)
        } else {
            i.saturating_sub(1)
        };
        SPEEDS[i]
    }
}

/// Parses where `g` jumps to: `-5m` / `+30s` from `position`, or a wall-clock time
/// `14:03` / `14:03:10` (local time, on the day of `position`).
pub fn parse_goto(text: &str, position: f64) -> Result<f64, String> {
    use chrono::{Local, NaiveTime, TimeZone};
    let text = text.trim();
    if let Some(sign) = text.chars().next().filter(|c| *c == '-' || *c == '+') {
        let amount = crate::config::duration::parse(&text[1..])
            .map_err(|e| format!("\"{text}\": {e}"))?
            .as_secs_f64();
        return Ok(if sign == '-' {
            position - amount
        } else {
            position + amount
        });
    }
    let time = NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map_err(|_| format!("\"{text}\": expected 14:03, 14:03:10, -5m or +30s"))?;
    let day = Local
        .timestamp_opt(position.floor() as i64, 0)
        .single()
        .ok_or_else(|| "the replay clock is out of range".to_string())?
        .date_naive();
    let moment = Local
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .ok_or_else(|| format!("\"{text}\" does not exist on that day"))?;
    Ok(moment.timestamp() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_step_and_stop_at_the_ends() {
        let mut state = ReplayState::new(&ReplayStatus {
            start: 0.0,
            end: 10.0,
            position: 0.0,
            speed: 1.0,
            playing: true,
        });
        assert_eq!(state.next_speed(false), 1.0);
        assert_eq!(state.next_speed(true), 2.0);
        state.speed = 64.0;
        assert_eq!(state.next_speed(true), 64.0);
        assert_eq!(state.next_speed(false), 32.0);
    }

    #[test]
    fn goto_takes_offsets_and_clock_times() {
        assert_eq!(parse_goto("-5m", 1000.0), Ok(700.0));
        assert_eq!(parse_goto("+30s", 1000.0), Ok(1030.0));
        let noon = parse_goto("12:00", 1_800_000_000.0).unwrap();
        assert_eq!(
            parse_goto("12:00:30", 1_800_000_000.0).unwrap(),
            noon + 30.0
        );
        assert!(parse_goto("soon", 0.0).is_err());
    }
}
