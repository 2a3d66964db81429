//! The `/` filter over alerts and rules: free text, label matchers (`severity=critical`,
//! `route=~"/api/images.*"`, `!=`, `!~`) and `silenced` / `!silenced`; every term must hold.

use crate::model::Labels;
use crate::model::matcher::{Matcher, MatcherError, terms};
use crate::prom::Alert;

#[derive(Clone, Debug, PartialEq)]
enum Term {
    Label(Matcher),
    /// `silenced` (true) or `!silenced` (false): whether Alertmanager holds it back.
    Silenced(bool),
    /// Lower-cased; found in the name, a `label=value` or an annotation.
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlertFilter {
    text: String,
    terms: Vec<Term>,
}

impl AlertFilter {
    /// The filter of typed text; `None` for blank text (no filter).
    pub fn parse(text: &str) -> Result<Option<Self>, MatcherError> {
        let terms = terms(text)?
            .into_iter()
            .map(|term| match term.as_str() {
                "silenced" => Ok(Term::Silenced(true)),
                "!silenced" => Ok(Term::Silenced(false)),
                _ => match Matcher::parse(&term) {
                    Ok(m) => Ok(Term::Label(m)),
                    Err(MatcherError::NotAMatcher(_)) => {
                        Ok(Term::Text(term.trim_matches('"').to_lowercase()))
                    }
                    Err(e) => Err(e),
                },
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((!terms.is_empty()).then(|| Self {
            text: text.trim().to_string(),
            terms,
        }))
    }

    /// The filter as typed, for the panel titles.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether an alert passes; `silenced`: Alertmanager holds it back.
    pub fn matches_alert(&self, alert: &Alert, silenced: bool) -> bool {
        self.terms.iter().all(|term| match term {
            Term::Label(m) => m.matches(&alert.labels),
            Term::Silenced(want) => silenced == *want,
            Term::Text(text) => {
                contains(&alert.name, text)
                    || labels_contain(&alert.labels, text)
                    || alert.annotations.values().any(|v| contains(v, text))
            }
        })
    }

    /// Whether a rule passes: its name is its `alertname`; silences say nothing of rules.
    pub fn matches_rule(&self, group: &str, name: &str, labels: &Labels, expr: &str) -> bool {
        let mut labels = labels.clone();
        labels.insert("alertname".into(), name.to_string());
        self.terms.iter().all(|term| match term {
            Term::Label(m) => m.matches(&labels),
            Term::Silenced(_) => true,
            Term::Text(text) => {
                [group, name, expr].iter().any(|s| contains(s, text))
                    || labels_contain(&labels, text)
            }
        })
    }
}

fn contains(haystack: &str, lowered: &str) -> bool {
    haystack.to_lowercase().contains(lowered)
}

fn labels_contain(labels: &Labels, lowered: &str) -> bool {
    labels
        .iter()
        .any(|(k, v)| contains(&format!("{k}={v}"), lowered))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::{AlertSource, AlertState};

    fn alert(name: &str, pairs: &[(&str, &str)]) -> Alert {
        let mut labels: Labels = crate::model::labels::from_pairs(pairs);
        labels.insert("alertname".into(), name.into());
        Alert {
            name: name.into(),
            labels,
            annotations: [("summary".to_string(), "High API response time".to_string())]
                .into_iter()
                .collect(),
            state: AlertState::Firing,
            active_at: 0.0,
            value: 1.0,
            source: AlertSource::Server,
        }
    }

    #[test]
    fn text_matchers_and_silenced_combine() {
        let api = alert(
            "HighAPIResponseTime",
            &[("severity", "warning"), ("route", "/api/images/1")],
        );
        let lag = alert("DatabaseReplicationLag", &[("severity", "critical")]);
        let f = |text: &str| AlertFilter::parse(text).unwrap().unwrap();
        assert!(f("severity=critical").matches_alert(&lag, false));
        assert!(!f("severity=critical").matches_alert(&api, false));
        assert!(f(r#"route=~"/api/images.*""#).matches_alert(&api, false));
        assert!(f("response").matches_alert(&api, false), "annotation text");
        assert!(
            f("replication").matches_alert(&lag, false),
            "name, any case"
        );
        assert!(!f("!silenced").matches_alert(&lag, true));
        assert!(f("silenced severity!=warning").matches_alert(&lag, true));
        assert!(!f("images severity=critical").matches_alert(&api, false));
        assert_eq!(f("  severity=critical ").text(), "severity=critical");
        assert_eq!(AlertFilter::parse("   ").unwrap(), None);
        assert!(AlertFilter::parse(r#"route=~"(""#).is_err());
    }

    #[test]
    fn rules_match_by_name_labels_and_expression() {
        let labels: Labels = [("severity".to_string(), "critical".to_string())].into();
        let f = |text: &str| AlertFilter::parse(text).unwrap().unwrap();
        let rule = |f: &AlertFilter| {
            f.matches_rule("spheroseg", "DatabaseReplicationLag", &labels, "db_lag > 5")
        };
        assert!(rule(&f("alertname=DatabaseReplicationLag")));
        assert!(rule(&f("db_lag")));
        assert!(rule(&f("!silenced severity=critical")));
        assert!(!rule(&f("severity=warning")));
    }
}
