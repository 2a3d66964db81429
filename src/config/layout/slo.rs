//! `[[slo]]`: service level objectives over counters, an error ratio (`errors` of `total`)
//! or a latency SLI (a histogram's `bucket` and the threshold `le` good requests stay
//! under), with their burn-rate windows. Checked like every other layout key; the queries
//! the SLO panels need are polled with the layout's own ([`Slo::queries`]).

use super::chart::{Breakdown, ChartQuery, ChartSpec, QueryId};
use crate::model::slo::{self, ALERTS, Window};
use crate::model::{Direction, Thresholds, Unit};
use std::time::Duration;

/// Windows at least this long are costly to ask raw: the SLO panel names the recording
/// rules that make them cheap.
pub const LONG_WINDOW: Duration = Duration::from_secs(86_400);

/// The longest an SLO window's ratio waits between two asks (see [`pace`]).
pub const SLOWEST_PACE: Duration = Duration::from_secs(60);

/// How often the error ratio over `window` is asked at most: a sixtieth of the window (a
/// ratio over 30 minutes moves by a sixtieth of its span in 30 s), and at least once a
/// minute. At a 1 s scrape the four bundled SLOs' 32 windows cost 1.3 queries a second
/// instead of 20.
pub fn pace(window: Duration) -> Duration {
    (window / 60).min(SLOWEST_PACE)
}

/// What an SLO counts as bad, from counters.
#[derive(Clone, Debug, PartialEq)]
pub enum Sli {
    /// Errors of all requests: two selectors of counters.
    Ratio { errors: String, total: String },
    /// Requests slower than `le` seconds: a histogram's `_bucket` selector (no `le` matcher).
    Latency { bucket: String, le: f64 },
}

/// The polled queries of an SLO: its error ratio over each burn window
/// ([`Window::index`]) and, last, over the SLO window; raw and as Sloth's recording rules
/// name it.
#[derive(Clone, Debug, PartialEq)]
pub struct SloQueries {
    pub raw: [QueryId; 8],
    pub recorded: [QueryId; 8],
}

/// A validated `[[slo]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// Unique in the layout, as shown.
    pub name: String,
    /// Sloth's `service`: with the name, the rules' `sloth_id`.
    pub service: String,
    pub description: Option<String>,
    /// Percent, 0 < objective < 100.
    pub objective: f64,
    /// The SLO window the budget is spent over.
    pub window: Duration,
    pub sli: Sli,
    /// The burn windows actually asked, by [`Window::index`].
    pub burn_windows: [Duration; 7],
    /// The alert rules' name.
    pub alert: String,
    pub queries: SloQueries,
}

impl Slo {
    /// Sloth's `sloth_slo`: the name as a label value (lower case, `-` between words).
    pub fn slug(&self) -> String {
        slug(&self.name)
    }

    /// Sloth's `sloth_id`: `<service>-<slo>`.
    pub fn id(&self) -> String {
        format!("{}-{}", self.service, self.slug())
    }

    /// The length of burn window `w`.
    pub fn burn_window(&self, w: Window) -> Duration {
        self.burn_windows[w.index()]
    }

    /// The windows queried, by [`SloQueries`] index: the burn windows, then the SLO window.
    pub fn query_windows(&self) -> [Duration; 8] {
        let mut out = [self.window; 8];
        out[..7].copy_from_slice(&self.burn_windows);
        out
    }

    /// The error ratio over `window`, from the raw counters.
    pub fn error_ratio_expr(&self, window: Duration) -> String {
        self.error_ratio_over(&slo::prometheus_duration(window))
    }

    /// The error ratio over `w`, a duration as PromQL writes one (or a `$window`
    /// placeholder a drill view fills in).
    fn error_ratio_over(&self, w: &str) -> String {
        match &self.sli {
            Sli::Ratio { errors, total } => {
                format!("sum(rate({errors}[{w}])) / sum(rate({total}[{w}]))")
            }
            Sli::Latency { bucket, le } => {
                let good = with_matcher(bucket, "le", &le_text(*le));
                let all = with_matcher(bucket, "le", "+Inf");
                format!("1 - sum(rate({good}[{w}])) / sum(rate({all}[{w}]))")
            }
        }
    }

    /// The drill view: the burn rate over each shown window, one line per window (its
    /// `window` label the actual span); Enter on one opens the budget left over the SLO
    /// window and that window's burn rate.
    pub fn chart_spec(&self) -> ChartSpec {
        let budget = slo::error_budget(self.objective);
        let burn_thresholds = Thresholds {
            target: Some(1.0),
            alert: Some(ALERTS[0].factor),
            direction: Direction::Above,
        };
        let queries = Window::SHOWN
            .into_iter()
            .map(|w| {
                let span = slo::prometheus_duration(self.burn_window(w));
                ChartQuery {
                    expr: format!(
                        "label_replace(({}) / {budget}, \"window\", \"{span}\", \"\", \"\")",
                        self.error_ratio_over(&span)
                    ),
                    legend: Some(format!("{} burn", w.label())),
                }
            })
            .collect();
        let window = slo::prometheus_duration(self.window);
        ChartSpec {
            title: format!("{} · burn rate", self.name),
            queries,
            unit: Unit::None,
            decimals: Some(1),
            thresholds: burn_thresholds,
            breakdown: Some(Breakdown {
                by: vec!["window".into()],
                panels: vec![
                    ChartSpec {
                        title: format!("{} · error budget left over {window}", self.name),
                        queries: vec![ChartQuery {
                            expr: format!(
                                "1 - ({}) / {budget}",
                                self.error_ratio_expr(self.window)
                            ),
                            legend: Some("budget left".into()),
                        }],
                        unit: Unit::Ratio,
                        decimals: Some(1),
                        thresholds: Thresholds {
                            target: Some(0.25),
                            alert: Some(0.0),
                            direction: Direction::Below,
                        },
                        breakdown: None,
                    },
                    ChartSpec {
                        title: format!("{} · burn rate over $window", self.name),
                        queries: vec![ChartQuery {
                            expr: format!("({}) / {budget}", self.error_ratio_over("$window")),
                            legend: Some("burn rate".into()),
                        }],
                        unit: Unit::None,
                        decimals: Some(1),
                        thresholds: burn_thresholds,
                        breakdown: None,
                    },
                ],
            }),
        }
    }

    /// The error ratio over `window` as Sloth's recording rule stores it.
    pub fn recorded_expr(&self, window: Duration) -> String {
        format!(
            "slo:sli_error:ratio_rate{}{{sloth_id=\"{}\"}}",
            slo::prometheus_duration(window),
            self.id()
        )
    }
}

/// `le` as Prometheus writes bucket bounds (Go's shortest float: `0.2`, `1`, `2.5`).
pub fn le_text(le: f64) -> String {
    format!("{le}")
}

/// `selector` with `name="value"` added to its matchers.
fn with_matcher(selector: &str, name: &str, value: &str) -> String {
    match selector.find('{') {
        Some(open) => {
            let (head, rest) = selector.split_at(open + 1);
            let rest = rest.trim_start();
            let sep = if rest.starts_with('}') { "" } else { ", " };
            format!("{head}{name}=\"{value}\"{sep}{rest}")
        }
        None => format!("{selector}{{{name}=\"{value}\"}}"),
    }
}

/// A name as a label value: lower case ASCII letters, digits and `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// An alert name from an SLO name: `API availability` → `ApiAvailabilityBudgetBurn`.
pub(super) fn alert_name(name: &str) -> String {
    let mut out: String = slug(name)
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    out.push_str("BudgetBurn");
    out
}

/// What a counter's name ends in: the SLI takes its rate().
pub const COUNTER: &[&str] = &["_total", "_count", "_bucket"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matcher_goes_into_any_selector() {
        assert_eq!(
            with_matcher("x_bucket", "le", "0.2"),
            "x_bucket{le=\"0.2\"}"
        );
        assert_eq!(
            with_matcher("x_bucket{}", "le", "0.2"),
            "x_bucket{le=\"0.2\"}"
        );
        assert_eq!(
            with_matcher("x_bucket{job=\"a\"}", "le", "+Inf"),
            "x_bucket{le=\"+Inf\", job=\"a\"}"
        );
        assert_eq!(le_text(0.2), "0.2");
        assert_eq!(le_text(1.0), "1");
    }
}
