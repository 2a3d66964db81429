//! The one-line prompt (a marker's note, a replay time to go to, the alert filter) and the
//! replay keys.

use super::replay;
use super::{App, Effect, Overlay};
use crate::event::SourceCommand;
use crate::session::Marker;

/// Longest marker note or time typed into the prompt.
const PROMPT_MAX: usize = 120;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub purpose: PromptPurpose,
    pub text: String,
    /// Why the text was refused, shown in the prompt until the next try.
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptPurpose {
    /// A marker's note.
    Marker,
    /// A replay time to jump to.
    GoTo,
    /// The `/` filter over alerts and rules.
    Filter,
}

impl App {
    /// Runs `f` in a replay; live, says the key is a replay's.
    pub(super) fn in_replay(&mut self, f: impl FnOnce(&mut Self)) {
        if self.replay.is_some() {
            f(self);
        } else {
            self.notice = Some("that key moves a replay (spheroseg-top replay FILE)".into());
        }
    }

    pub(super) fn open_prompt(&mut self, purpose: PromptPurpose) {
        self.overlay = Some(Overlay::Prompt(Prompt {
            purpose,
            text: String::new(),
            error: None,
        }));
    }

    /// The moment a marker placed now belongs to: the replay clock, or the present.
    fn moment(&self) -> f64 {
        self.replay.as_ref().map_or(self.now, |r| r.position)
    }

    pub(super) fn submit(&mut self) {
        let Some(Overlay::Prompt(prompt)) = self.overlay.take() else {
            return;
        };
        let text = prompt.text.trim().to_string();
        match prompt.purpose {
            PromptPurpose::Filter => self.apply_filter(prompt.text),
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
    pub(super) fn jump_to_event(&mut self, forward: bool) {
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

    /// A character typed into the open prompt.
    pub(super) fn type_char(&mut self, c: char) {
        if let Some(Overlay::Prompt(prompt)) = &mut self.overlay
            && prompt.text.chars().count() < PROMPT_MAX
        {
            prompt.text.push(c);
        }
    }
}
