//! What a client sends that must not come back: a server may quote the credential it
//! refused (vmauth answers `cannot find the provided auth token "Bearer …"`), a proxy may
//! echo a header. Every answer leaves the client with its secrets hidden, so the panels,
//! the log pane, recordings, screenshots and `snapshot` only ever see `***`.
//!
//! What is hidden is what goes on the wire: the `Authorization` value (and the token,
//! password or base64 in it) and every `--header` value — everywhere in an answer's text.
//! The tenant is an identifier the data itself may name (an alert's summary naming the
//! team): it is hidden in what a server says about a request (errors, warnings), not in
//! the data. Label names and values are never touched: they are the data's identity, sent
//! back in queries, drill-downs and silences.

use super::alertmanager::{AlertGroup, Silence};
use super::alerts::{Alert, RuleGroupStatus, RuleStatus};
use super::api::{InstantAnswer, Series};
use super::error::PromError;
use reqwest::header::{AUTHORIZATION, HeaderMap};

/// What stands in for a secret.
const HIDDEN: &str = "***";

/// Values shorter than this are not looked for: a secret of three characters would match
/// ordinary words and numbers in every message, and hides nothing worth hiding.
const SHORTEST: usize = 4;

/// The texts one client must never hand on, longest first (a token inside a longer
/// `Bearer …` value is hidden as a whole).
#[derive(Clone, Default)]
pub struct Secrets {
    /// Hidden everywhere: credentials and header values.
    secrets: Vec<String>,
    /// Hidden in what the server says about a request: the tenant.
    identifiers: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Secrets({} hidden)",
            self.secrets.len() + self.identifiers.len()
        )
    }
}

impl Secrets {
    /// The secrets of a client sending `authorization` (the credential's header, as sent),
    /// whose password is `password` (basic auth), and `headers` (the extra headers, as
    /// sent; `tenant_header` names the tenant's).
    pub(super) fn new(
        authorization: Option<&str>,
        password: Option<&str>,
        headers: &HeaderMap,
        tenant_header: &str,
    ) -> Self {
        let mut secrets = Secrets::default();
        for (name, value) in headers {
            let Ok(value) = value.to_str() else { continue };
            if name.as_str().eq_ignore_ascii_case(tenant_header) {
                add(&mut secrets.identifiers, value);
            } else if name == AUTHORIZATION {
                secrets.credential(value);
            } else {
                add(&mut secrets.secrets, value);
            }
        }
        if let Some(value) = authorization {
            secrets.credential(value);
        }
        if let Some(password) = password {
            add(&mut secrets.secrets, password);
        }
        for list in [&mut secrets.secrets, &mut secrets.identifiers] {
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        secrets
    }

    /// An `Authorization` value, whole and without its scheme (`Bearer`, `Basic`): a
    /// server may quote either.
    fn credential(&mut self, value: &str) {
        add(&mut self.secrets, value);
        if let Some((_, credential)) = value.split_once(' ') {
            add(&mut self.secrets, credential);
        }
    }

    /// Hides the secrets in data text (annotations, rule errors, silence comments).
    pub fn scrub(&self, text: &mut String) {
        hide(&self.secrets, text);
    }

    /// Hides the secrets and the identifiers in what a server says about a request.
    pub fn scrub_message(&self, text: &mut String) {
        hide(&self.secrets, text);
        hide(&self.identifiers, text);
    }

    /// An error answer's body with every secret hidden, before anything reads it: the
    /// message made of it may be cut, and a secret cut in half would no longer be found.
    /// The body is text (an HTML page, a JSON envelope); a secret JSON may have escaped
    /// (`\"`, `\/`, Go's `\u0026`) is hidden in that form too.
    pub(super) fn scrub_body(&self, body: Vec<u8>) -> Vec<u8> {
        let needles = self.secrets.iter().chain(&self.identifiers);
        let mut text = match String::from_utf8(body) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        for needle in needles {
            for form in json_forms(needle) {
                if text.contains(form.as_str()) {
                    text = text.replace(form.as_str(), HIDDEN);
                }
            }
        }
        text.into_bytes()
    }
}

fn add(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if value.chars().count() >= SHORTEST && !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

fn hide(needles: &[String], text: &mut String) {
    for needle in needles {
        if text.contains(needle.as_str()) {
            *text = text.replace(needle.as_str(), HIDDEN);
        }
    }
}

/// `secret` as it may stand in JSON: as is, escaped as `serde_json` escapes it, with
/// `/` escaped, and with `<`, `>` and `&` escaped as Go's encoder does.
fn json_forms(secret: &str) -> Vec<String> {
    let escaped = serde_json::to_string(secret)
        .map(|quoted| quoted[1..quoted.len() - 1].to_string())
        .unwrap_or_else(|_| secret.to_string());
    let mut forms = vec![
        secret.to_string(),
        escaped.replace('/', "\\/"),
        escaped
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
        escaped,
    ];
    forms.dedup();
    forms
}

/// A client's answer with its secrets hidden. Every type a [`PromClient`] method returns
/// implements it, so no answer can leave a client unscrubbed (the status endpoints'
/// answers beside their types, in `status.rs`).
///
/// [`PromClient`]: super::PromClient
pub trait Scrub {
    fn scrub(&mut self, secrets: &Secrets);
}

impl<T: Scrub> Scrub for Result<T, PromError> {
    fn scrub(&mut self, secrets: &Secrets) {
        match self {
            Ok(answer) => answer.scrub(secrets),
            Err(error) => error.scrub(secrets),
        }
    }
}

impl Scrub for PromError {
    fn scrub(&mut self, secrets: &Secrets) {
        match self {
            PromError::Unreachable(text) | PromError::Decode(text) => secrets.scrub_message(text),
            PromError::Query { kind, message } => {
                secrets.scrub_message(kind);
                secrets.scrub_message(message);
            }
            PromError::Http { message, .. } => secrets.scrub_message(message),
            PromError::Timeout(_) | PromError::Throttled { .. } => {}
        }
    }
}

/// Answers that carry no text but labels and numbers.
macro_rules! nothing_to_scrub {
    ($($answer:ty),*) => {
        $(impl Scrub for $answer {
            fn scrub(&mut self, _: &Secrets) {}
        })*
    };
}

nothing_to_scrub!((), Vec<Series>);

/// Label names or values (`/api/v1/labels`, `/api/v1/label/NAME/values`): left alone.
pub struct LabelList(pub Vec<String>);

nothing_to_scrub!(LabelList);

impl Scrub for String {
    fn scrub(&mut self, secrets: &Secrets) {
        secrets.scrub(self);
    }
}

impl Scrub for InstantAnswer {
    fn scrub(&mut self, secrets: &Secrets) {
        for warning in &mut self.warnings {
            secrets.scrub_message(warning);
        }
    }
}

impl Scrub for Vec<Alert> {
    fn scrub(&mut self, secrets: &Secrets) {
        for alert in self {
            alert
                .annotations
                .values_mut()
                .for_each(|v| secrets.scrub(v));
        }
    }
}

impl Scrub for Vec<RuleGroupStatus> {
    fn scrub(&mut self, secrets: &Secrets) {
        for rule in self.iter_mut().flat_map(|g| &mut g.rules) {
            let RuleStatus {
                annotations,
                last_error,
                alerts,
                ..
            } = rule;
            annotations.values_mut().for_each(|v| secrets.scrub(v));
            if let Some(error) = last_error {
                secrets.scrub_message(error);
            }
            alerts.scrub(secrets);
        }
    }
}

impl Scrub for Vec<AlertGroup> {
    fn scrub(&mut self, secrets: &Secrets) {
        for group in self {
            secrets.scrub(&mut group.receiver);
        }
    }
}

impl Scrub for Vec<Silence> {
    fn scrub(&mut self, secrets: &Secrets) {
        for silence in self {
            secrets.scrub(&mut silence.created_by);
            secrets.scrub(&mut silence.comment);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn secrets() -> Secrets {
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", HeaderValue::from_static("k3y/with<&>"));
        headers.insert("x-scope-orgid", HeaderValue::from_static("team-a"));
        headers.insert("x-short", HeaderValue::from_static("abc"));
        // "ops:hunter2" in base64, as reqwest writes it.
        Secrets::new(
            Some("Basic b3BzOmh1bnRlcjI="),
            Some("hunter2"),
            &headers,
            "X-Scope-OrgID",
        )
    }

    #[test]
    fn every_form_a_server_may_quote_is_hidden() {
        let secrets = secrets();
        let mut said = "auth \"Basic b3BzOmh1bnRlcjI=\", token b3BzOmh1bnRlcjI=, \
                        password hunter2, key k3y/with<&>, tenant team-a, abc"
            .to_string();
        secrets.scrub_message(&mut said);
        assert_eq!(
            said,
            "auth \"***\", token ***, password ***, key ***, tenant ***, abc"
        );
        // The tenant stays in data.
        let mut summary = "team-a's queue is long".to_string();
        secrets.scrub(&mut summary);
        assert_eq!(summary, "team-a's queue is long");
        assert!(!format!("{secrets:?}").contains("hunter2"));
    }

    #[test]
    fn error_bodies_lose_secrets_in_json_escapes_too() {
        let secrets = secrets();
        for quoted in [
            r#"{"error":"key k3y\/with<&> refused"}"#,
            r#"{"error":"key k3y/with\u003c\u0026\u003e refused"}"#,
        ] {
            let body = secrets.scrub_body(quoted.as_bytes().to_vec());
            assert_eq!(
                String::from_utf8(body).unwrap(),
                r#"{"error":"key *** refused"}"#
            );
        }
    }
}
