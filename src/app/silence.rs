//! Silences from the keyboard (`--allow-silences`): `s` on an alert or group opens a form
//! (comment, duration, matchers prefilled from the selection), Enter asks for the silence;
//! `S` on a silence of the Alertmanager panel expires it after a y/N. The requests leave
//! as [`Effect::Silence`]; their outcome comes back as [`Msg::Silence`](super::Msg).

use super::alerts::Selected;
use super::{Action, App, Effect, Overlay};
use crate::config::layout::Rows;
use crate::event::SourceCommand;
use crate::model::labels::BACKEND_LABEL;
use crate::model::matcher::{MatchOp, Matcher, parse_list};
use std::time::Duration;

/// Longest text a form field takes.
const FIELD_MAX: usize = 300;
pub const DEFAULT_DURATION: &str = "2h";

/// What the event loop asks of Alertmanager.
#[derive(Clone, Debug, PartialEq)]
pub enum SilenceRequest {
    /// To backend `backend`'s Alertmanager (0 but side by side).
    Create {
        matchers: Vec<Matcher>,
        duration: Duration,
        comment: String,
        backend: usize,
    },
    Expire {
        id: String,
        backend: usize,
    },
}

/// What Alertmanager answered.
#[derive(Clone, Debug, PartialEq)]
pub enum SilenceOutcome {
    Created { id: String },
    Expired { id: String },
    Failed(String),
}

/// The fields of the form, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Comment,
    Duration,
    Matchers,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SilenceForm {
    pub comment: String,
    pub duration: String,
    pub matchers: String,
    pub field: Field,
    /// Why Alertmanager or the form refused it; the typed text stays.
    pub error: Option<String>,
    /// Sent, no answer yet.
    pub sending: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SilenceOverlay {
    Form(SilenceForm),
    /// `S`: expire this silence? y/N.
    ConfirmExpire {
        id: String,
        matchers: String,
    },
}

impl SilenceForm {
    fn field_mut(&mut self) -> &mut String {
        match self.field {
            Field::Comment => &mut self.comment,
            Field::Duration => &mut self.duration,
            Field::Matchers => &mut self.matchers,
        }
    }

    /// The request the form describes, sent `now`, or why it cannot be sent.
    /// The request the form makes; side by side (`backends` named), its `backend=NAME`
    /// matcher says whose Alertmanager gets it, and is not sent (Alertmanager knows no
    /// such label).
    fn request(&self, now: f64, backends: &[String]) -> Result<SilenceRequest, String> {
        let comment = self.comment.trim();
        if comment.is_empty() {
            return Err("a comment says why (Alertmanager requires one)".into());
        }
        let duration = crate::config::duration::parse(&self.duration)?;
        if let Some(why) = crate::prom::silences::too_long(now, duration) {
            return Err(format!("a silence of {}: {why}", self.duration.trim()));
        }
        let mut matchers = parse_list(&self.matchers).map_err(|e| e.to_string())?;
        let backend = match backends {
            [] | [_] => 0,
            names => {
                let at = matchers
                    .iter()
                    .position(|m| m.name == BACKEND_LABEL && m.op == MatchOp::Equal);
                let Some(at) = at else {
                    return Err(format!(
                        "say whose Alertmanager: {BACKEND_LABEL}=\"{}\" among the matchers",
                        names.join("\" or \"")
                    ));
                };
                let name = matchers.remove(at).value;
                names.iter().position(|n| *n == name).ok_or_else(|| {
                    format!("no backend \"{name}\" (backends: {})", names.join(", "))
                })?
            }
        };
        Ok(SilenceRequest::Create {
            matchers,
            duration,
            comment: comment.to_string(),
            backend,
        })
    }
}

impl App {
    /// Lets `s` and `S` reach Alertmanager (`--allow-silences`).
    pub fn with_silences(mut self, allowed: bool) -> Self {
        self.allow_silences = allowed;
        self
    }

    /// Why silencing is refused here, if it is.
    fn silences_refused(&self) -> Option<String> {
        if self.replay.is_some() {
            Some("this is a replay: silences are made live, against Alertmanager".into())
        } else if !self.allow_silences {
            Some(
                "silences are off: start with --allow-silences (or allow_silences = true in the profile)"
                    .into(),
            )
        } else {
            None
        }
    }

    /// `s`: the form for the selected alert or group, its cursor in the comment.
    pub(super) fn open_silence(&mut self) {
        if let Some(why) = self.silences_refused() {
            self.notice = Some(why);
            return;
        }
        let matchers = self.with_selected_alert(|selected| {
            let (name, labels) = match selected {
                Selected::Group(group) => (&group.key.name, &group.shared),
                Selected::Alert { alert, .. } => (&alert.name, &alert.labels),
            };
            let mut matchers = vec![Matcher::new("alertname", MatchOp::Equal, name)];
            matchers.extend(
                labels
                    .iter()
                    .filter(|(k, _)| *k != "alertname")
                    .map(|(k, v)| Matcher::new(k, MatchOp::Equal, v)),
            );
            matchers
                .into_iter()
                .filter_map(Result::ok)
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        });
        let Some(matchers) = matchers else {
            self.notice = Some("select an alert or a group on the Alerts tab, then s".into());
            return;
        };
        self.overlay = Some(Overlay::Silence(SilenceOverlay::Form(SilenceForm {
            comment: String::new(),
            duration: DEFAULT_DURATION.into(),
            matchers,
            field: Field::Comment,
            error: None,
            sending: false,
        })));
    }

    /// `S`: asks to expire the selected silence of the Alertmanager panel.
    pub(super) fn ask_expire_silence(&mut self) {
        if let Some(why) = self.silences_refused() {
            self.notice = Some(why);
            return;
        }
        let selected = (self.focused_rows() == Some(Rows::Silences))
            .then(|| match &self.store.alerts.alertmanager {
                Some(Ok(state)) => state
                    .current_silences()
                    .get(self.focus[self.tab].kpi)
                    .map(|s| (s.id.clone(), s.matchers.join(", "))),
                _ => None,
            })
            .flatten();
        match selected {
            Some((id, matchers)) => {
                self.overlay = Some(Overlay::Silence(SilenceOverlay::ConfirmExpire {
                    id,
                    matchers,
                }));
            }
            None => {
                self.notice =
                    Some("select a silence in the Alertmanager panel, then S to expire it".into())
            }
        }
    }

    /// Keys while the form or the confirmation is open.
    pub(super) fn silence_key(&mut self, action: Action) {
        let now = self.now;
        let Some(Overlay::Silence(overlay)) = &mut self.overlay else {
            return;
        };
        match overlay {
            SilenceOverlay::ConfirmExpire { id, .. } => {
                if matches!(action, Action::Input('y' | 'Y')) {
                    let id = id.clone();
                    let backend = self.silence_backend(&id);
                    self.effects
                        .push(Effect::Silence(SilenceRequest::Expire { id, backend }));
                    self.notice = Some("expiring the silence…".into());
                }
                // Anything else is the default: no.
                self.overlay = None;
            }
            SilenceOverlay::Form(form) => match action {
                Action::Back => self.overlay = None,
                // Typing waits while the request is out: its answer lands in this form.
                _ if form.sending => {}
                Action::Input(c) => {
                    let field = form.field_mut();
                    if field.chars().count() < FIELD_MAX {
                        field.push(c);
                    }
                }
                Action::InputBackspace => {
                    form.field_mut().pop();
                }
                Action::InputNextField => {
                    form.field = match form.field {
                        Field::Comment => Field::Duration,
                        Field::Duration => Field::Matchers,
                        Field::Matchers => Field::Comment,
                    };
                }
                Action::Submit => match form.request(now, &self.backend_names) {
                    Ok(request) => {
                        form.error = None;
                        form.sending = true;
                        self.effects.push(Effect::Silence(request));
                    }
                    Err(why) => form.error = Some(why),
                },
                _ => {}
            },
        }
    }

    /// Alertmanager's answer: a made silence closes the form; a refusal stays in it, with
    /// the text as typed. Either way the next poll shows what Alertmanager holds.
    pub(super) fn silence_outcome(&mut self, outcome: SilenceOutcome) {
        let form = match &mut self.overlay {
            Some(Overlay::Silence(SilenceOverlay::Form(form))) if form.sending => Some(form),
            _ => None,
        };
        match (outcome, form) {
            (SilenceOutcome::Failed(why), Some(form)) => {
                form.sending = false;
                form.error = Some(why);
            }
            (SilenceOutcome::Failed(why), None) => {
                self.notice = Some(format!("Alertmanager: {why}"));
            }
            (SilenceOutcome::Created { id }, form) => {
                if form.is_some() {
                    self.overlay = None;
                }
                self.notice = Some(format!("silence {id} created"));
                self.outbox.push(SourceCommand::RefreshNow);
            }
            (SilenceOutcome::Expired { id }, _) => {
                self.notice = Some(format!("silence {id} expired"));
                self.outbox.push(SourceCommand::RefreshNow);
            }
        }
    }
}
