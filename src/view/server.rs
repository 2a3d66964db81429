//! Facts about the server for the targets and tsdb panels and the help overlay: how
//! healthy the scraping is, what the dashboard's queries cost, the version and config.

use crate::config::layout::PanelKind;
use crate::model::Status;
use crate::model::duration::Form;
use crate::prom::status::TargetHealth;
use crate::store::Store;

/// The status of a targets or tsdb panel: an error answer is an error; a down target or
/// a query cut to what a panel can show is a warning.
pub fn panel_status(kind: PanelKind, store: &Store) -> Status {
    let server = &store.server;
    match kind {
        PanelKind::Targets => match &server.targets {
            None => Status::NoData,
            Some(answer) => match &answer.result {
                Err(_) => Status::Error,
                Ok(targets) if targets.iter().any(|t| t.health == TargetHealth::Down) => {
                    Status::Warn
                }
                Ok(_) => Status::Ok,
            },
        },
        _ => match &server.facts {
            None => Status::NoData,
            Some(answer) if answer.result.is_err() => Status::Error,
            // Asked for every tab's status each frame: no list of costs built for it.
            Some(_)
                if store
                    .queries()
                    .iter()
                    .any(|q| q.last_eval.is_some() && q.dropped_series > 0) =>
            {
                Status::Warn
            }
            Some(_) => Status::Ok,
        },
    }
}

/// What one polled query costs the server: the series its latest answer held.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryCost {
    pub expr: String,
    pub series: usize,
    /// Series left out because a panel keeps fewer ([`crate::store::MAX_SERIES`]).
    pub cut: usize,
}

/// Every query that has answered, most series first.
pub fn query_costs(store: &Store) -> Vec<QueryCost> {
    let mut costs: Vec<QueryCost> = store
        .queries()
        .iter()
        .filter(|q| q.last_eval.is_some())
        .map(|q| QueryCost {
            expr: q.expr.clone(),
            series: q.returned_series.max(q.current().count()),
            cut: q.dropped_series,
        })
        .collect();
    costs.sort_by(|a, b| b.series.cmp(&a.series).then_with(|| a.expr.cmp(&b.expr)));
    costs
}

/// The server's facts in one line each: version, scrape interval, retention, config reload.
pub fn facts_lines(store: &Store) -> Vec<String> {
    let Some(facts) = store.server.facts() else {
        return Vec::new();
    };
    let mut lines = vec![format!("Prometheus {}", facts.build.version)];
    if let Some(interval) = facts.scrape_interval {
        lines.push(format!(
            "scrape interval {}",
            Form::Setting.duration(interval)
        ));
    }
    if let Some(retention) = &facts.runtime.storage_retention {
        lines.push(format!("retention {retention}"));
    }
    lines.push(
        if facts.runtime.reload_config_success {
            "config loaded"
        } else {
            "config reload FAILED"
        }
        .to_string(),
    );
    lines
}
