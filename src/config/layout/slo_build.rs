//! Checking `[[slo]]`: each key with file:line:col, the counters its SLI reads, its burn
//! windows; its queries added to the polled ones.

use super::build::Builder;
use super::chart::QueryId;
use super::file::SloFile;
use super::slo::{COUNTER, Sli, Slo, SloQueries, alert_name, slug};
use crate::config::ConfigError;
use crate::model::slo::{self, ALERTS, Window};
use std::collections::HashSet;
use std::time::Duration;
use toml::Spanned;

impl Builder<'_> {
    /// The id of an expression this module wrote, polled for its latest value only.
    fn generated_query(&mut self, expr: &str) -> QueryId {
        let normalized = crate::model::query::normalize(expr);
        *self.index.entry(normalized.clone()).or_insert_with(|| {
            self.queries.push(super::QueryDef {
                expr: normalized,
                history: None,
            });
            self.queries.len() - 1
        })
    }

    /// Validates every `[[slo]]` and adds its queries to the polled ones.
    pub(super) fn slos(
        &mut self,
        files: &[SloFile],
        default_service: &str,
    ) -> Result<Vec<Slo>, ConfigError> {
        let mut ids = HashSet::new();
        let mut out = Vec::with_capacity(files.len());
        for (i, file) in files.iter().enumerate() {
            let key = format!("slo[{i}]");
            let slo = self.slo(file, &key, default_service)?;
            if !ids.insert(slo.id()) {
                return self.error(
                    file.name.span(),
                    format!("{key}.name"),
                    format!(
                        "another [[slo]] of service \"{}\" is already named \"{}\"",
                        slo.service, slo.name
                    ),
                );
            }
            out.push(slo);
        }
        Ok(out)
    }

    fn slo(
        &mut self,
        file: &SloFile,
        key: &str,
        default_service: &str,
    ) -> Result<Slo, ConfigError> {
        let name = file.name.get_ref().trim();
        if slug(name).is_empty() {
            return self.error(
                file.name.span(),
                format!("{key}.name"),
                "an SLO needs a name with a letter or digit, e.g. name = \"API availability\""
                    .into(),
            );
        }
        let objective = *file.objective.get_ref();
        if !(objective > 0.0 && objective < 100.0) {
            return self.error(
                file.objective.span(),
                format!("{key}.objective"),
                format!(
                    "objective {objective} must be a percentage above 0 and below 100, e.g. 99.9 ({})",
                    if objective >= 100.0 {
                        "100 leaves no error budget to spend"
                    } else {
                        "it is the share of good requests"
                    }
                ),
            );
        }
        let service = match &file.service {
            Some(s) if slug(s.get_ref()).is_empty() => {
                return self.error(
                    s.span(),
                    format!("{key}.service"),
                    "a service name needs a letter or digit".into(),
                );
            }
            Some(s) => slug(s.get_ref()),
            None => slug(default_service),
        };
        let window = file.window.get_ref().0;
        let sli = self.sli(file, key)?;
        let burn_windows = self.burn_windows(file, key, window)?;
        let mut slo = Slo {
            name: name.to_string(),
            service,
            description: file.description.clone(),
            objective,
            window,
            sli,
            burn_windows,
            alert: match &file.alert {
                Some(alert) => alert.get_ref().clone(),
                None => alert_name(name),
            },
            queries: SloQueries {
                raw: [0; 8],
                recorded: [0; 8],
            },
        };
        for (i, w) in slo.query_windows().into_iter().enumerate() {
            slo.queries.raw[i] = self.generated_query(&slo.error_ratio_expr(w));
            slo.queries.recorded[i] = self.generated_query(&slo.recorded_expr(w));
        }
        Ok(slo)
    }

    /// Exactly one SLI: `errors` and `total`, or `bucket` and `le`; every selector a
    /// counter.
    fn sli(&self, file: &SloFile, key: &str) -> Result<Sli, ConfigError> {
        match (&file.errors, &file.total, &file.bucket, &file.le) {
            (Some(errors), Some(total), None, None) => Ok(Sli::Ratio {
                errors: self.counter(errors, &format!("{key}.errors"), COUNTER)?,
                total: self.counter(total, &format!("{key}.total"), COUNTER)?,
            }),
            (None, None, Some(bucket), Some(le)) => {
                let value = *le.get_ref();
                if !(value.is_finite() && value > 0.0) {
                    return self.error(
                        le.span(),
                        format!("{key}.le"),
                        format!("le {value} must be a bucket bound above 0, in seconds"),
                    );
                }
                Ok(Sli::Latency {
                    bucket: self.counter(bucket, &format!("{key}.bucket"), &["_bucket"])?,
                    le: value,
                })
            }
            _ => self.error(
                file.name.span(),
                format!("{key}.errors"),
                format!(
                    "SLO \"{}\" needs one SLI: `errors` and `total` (an error ratio), or `bucket` and `le` (a latency SLI)",
                    file.name.get_ref()
                ),
            ),
        }
    }

    /// A selector of a counter (a metric ending in one of `suffixes`), no functions, no
    /// `le` matcher; returned normalised.
    fn counter(
        &self,
        expr: &Spanned<String>,
        key: &str,
        suffixes: &[&str],
    ) -> Result<String, ConfigError> {
        let normalized = self.expression(expr, key, &[])?;
        let example = crate::variables::expand::example(&normalized, &self.variables, &|_| false);
        let expected = suffixes.join(", ");
        let problem = match promql_parser::parser::parse(&example) {
            Ok(promql_parser::parser::Expr::VectorSelector(selector)) => {
                match selector.name.as_deref() {
                    Some(name) if suffixes.iter().any(|s| name.ends_with(s)) => {
                        if selector.matchers.matchers.iter().any(|m| m.name == "le") {
                            Some("has an `le` matcher: the SLI adds its own".to_string())
                        } else if selector.offset.is_some() || selector.at.is_some() {
                            Some("has an offset or @: the SLI reads the present".to_string())
                        } else {
                            None
                        }
                    }
                    Some(name) => Some(format!(
                        "`{name}` is not a counter (its name does not end in {expected})"
                    )),
                    None => Some("names no metric".to_string()),
                }
            }
            Ok(_) => Some(
                "is not a plain selector: give the counter itself, the SLI takes its rate()"
                    .to_string(),
            ),
            Err(e) => Some(e),
        };
        match problem {
            Some(problem) => self.error(
                expr.span(),
                key.into(),
                format!(
                    "an SLI query must select a counter (a metric ending in {expected}), e.g. http_requests_total{{code=~\"5..\"}}; this one {problem}"
                ),
            ),
            None => Ok(normalized),
        }
    }

    /// The burn windows: the workbook's scaled to the SLO window, or as `[slo.burn_windows]`
    /// gives them; each inside the SLO window, each alert's short one shorter than its long.
    fn burn_windows(
        &self,
        file: &SloFile,
        key: &str,
        window: Duration,
    ) -> Result<[Duration; 7], ConfigError> {
        let mut out = Window::ALL.map(|w| slo::scaled(w.reference(), window));
        let given = file.burn_windows.as_ref();
        if let Some(given) = given {
            for (label, value) in given.get_ref() {
                let Some(w) = Window::from_label(label) else {
                    return self.error(
                        value.span(),
                        format!("{key}.burn_windows.{label}"),
                        format!(
                            "\"{label}\" is not a burn window; expected one of {}",
                            Window::ALL.map(Window::label).join(", ")
                        ),
                    );
                };
                let d = value.get_ref().0;
                if d > window {
                    return self.error(
                        value.span(),
                        format!("{key}.burn_windows.{label}"),
                        format!(
                            "burn window {label} = {} does not fit inside the SLO window of {}",
                            slo::prometheus_duration(d),
                            slo::prometheus_duration(window)
                        ),
                    );
                }
                out[w.index()] = d;
            }
        }
        let span = given.map_or_else(|| file.window.span(), Spanned::span);
        let place = if given.is_some() {
            format!("{key}.burn_windows")
        } else {
            format!("{key}.window")
        };
        if let Some(w) = Window::ALL
            .into_iter()
            .find(|w| out[w.index()] < Duration::from_secs(1))
        {
            return self.error(
                span,
                place,
                format!(
                    "the {} burn window scales to {} over a window of {}, too short for rate(); give [slo.burn_windows] for a short SLO window",
                    w.label(),
                    crate::model::duration::Form::Setting.duration(out[w.index()]),
                    slo::prometheus_duration(window)
                ),
            );
        }
        for alert in ALERTS {
            if out[alert.short.index()] >= out[alert.long.index()] {
                return self.error(
                    span,
                    place,
                    format!(
                        "burn window {} must be shorter than {}, the long window of the {} alert",
                        alert.short.label(),
                        alert.long.label(),
                        alert.name()
                    ),
                );
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(slo: &str) -> Result<super::super::Layout, ConfigError> {
        super::super::Layout::parse(crate::config::Source {
            origin: "test.toml".into(),
            text: format!(
                "[[tab]]\ntitle = \"T\"\n[[tab.row]]\n[[tab.row.panel]]\ntitle = \"A\"\nkind = \"alerts\"\n{slo}"
            ),
        })
    }

    #[test]
    fn an_slo_polls_its_error_ratio_over_each_window_raw_and_recorded() {
        let layout = parse(
            r#"
[[slo]]
name = "API availability"
service = "spheroseg"
objective = 99
window = "30d"
errors = 'http_requests_total{code=~"5.."}'
total = 'http_requests_total'
"#,
        )
        .unwrap();
        let slo = &layout.slos[0];
        assert_eq!(slo.id(), "spheroseg-api-availability");
        assert_eq!(slo.alert, "ApiAvailabilityBudgetBurn");
        assert_eq!(slo.burn_window(Window::D3), Duration::from_secs(3 * 86_400));
        let expr = |id: QueryId| layout.queries[id].expr.as_str();
        assert_eq!(
            expr(slo.queries.raw[0]),
            r#"sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#
        );
        assert_eq!(
            expr(slo.queries.recorded[7]),
            r#"slo:sli_error:ratio_rate30d{sloth_id="spheroseg-api-availability"}"#
        );
        assert_eq!(layout.queries.len(), 16);
    }

    #[test]
    fn a_latency_sli_counts_the_requests_over_its_bound_and_short_windows_scale() {
        let layout = parse(
            r#"
[[slo]]
name = "API latency"
objective = 95
window = "1d"
bucket = 'http_request_duration_seconds_bucket{job="api"}'
le = 0.2
"#,
        )
        .unwrap();
        let slo = &layout.slos[0];
        assert_eq!(
            slo.service, "spheroseg-top",
            "the layout's title by default"
        );
        assert_eq!(slo.burn_window(Window::M5), Duration::from_secs(10));
        assert_eq!(
            layout.queries[slo.queries.raw[0]].expr,
            r#"1 - sum(rate(http_request_duration_seconds_bucket{le="0.2", job="api"}[10s])) / sum(rate(http_request_duration_seconds_bucket{le="+Inf", job="api"}[10s]))"#
        );
        // 10m scales 5m to 69 ms: too short for rate(), said with the fix.
        let short = parse(
            "[[slo]]\nname = \"x\"\nobjective = 99\nwindow = \"10m\"\nbucket = 'a_bucket'\nle = 1\n",
        )
        .unwrap_err();
        assert!(
            short.to_string().contains("give [slo.burn_windows]"),
            "{short}"
        );
    }

    #[test]
    fn names_become_label_values_and_alert_names() {
        assert_eq!(slug("API availability"), "api-availability");
        assert_eq!(slug("  GraphQL errors (5xx) "), "graphql-errors-5xx");
        assert_eq!(alert_name("API availability"), "ApiAvailabilityBudgetBurn");
    }
}
