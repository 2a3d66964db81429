//! The snapshot's rows: what a row holds, and each KPI row, stat and gauge panel of a tab
//! read in each backend's store with the same [`reading`] the screen's widgets use.

use crate::app::App;
use crate::config::layout::{Panel, Reduce, SnapshotKind, Tab};
use crate::model::labels::legend;
use crate::model::{Bound, Direction, Status, Thresholds, Unit};
use crate::store::Store;
use crate::view::why_empty::Reason;
use crate::view::{Context, reading};
use serde::Serialize;
use std::collections::BTreeMap;

/// One KPI row, stat or gauge panel.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotRow {
    pub tab: String,
    pub panel: String,
    /// `kpi` (a KPI table's row), `stat` or `gauge`.
    pub kind: SnapshotKind,
    /// The KPI's name; a stat or gauge panel's title.
    pub name: String,
    /// The backend read, when several show side by side (a row per KPI and backend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    pub query: String,
    /// The reduced value; `None` without one (no data, failed query) or when not finite.
    pub value: Option<f64>,
    /// The value as the screen writes it, e.g. `182 ms`, with the series it came from.
    pub shown: String,
    pub unit: Unit,
    pub target: Option<f64>,
    pub alert: Option<f64>,
    pub direction: Direction,
    pub status: StatusWord,
    pub error: Option<String>,
    /// Why the query answered with no series, when the dashboard can tell.
    pub why_empty: Option<WhyEmpty>,
    /// The server's warnings with the answer: its data may be partial (Thanos' partial
    /// responses).
    pub warnings: Vec<String>,
    /// Texts of the thresholds as the KPI table writes them (`< 200 ms`), for the text table.
    #[serde(skip)]
    pub target_text: String,
    #[serde(skip)]
    pub alert_text: String,
}

impl SnapshotRow {
    /// The row as people read it: its name, and its backend side by side (`Lag · us`).
    pub fn who(&self) -> String {
        crate::report::rows::who(&self.name, self.backend.as_deref())
    }
}

/// A [`Reason`] with its sentence: `kind` and its fields for scripts, `text` for people.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhyEmpty {
    #[serde(flatten)]
    pub reason: Reason,
    pub text: String,
}

impl WhyEmpty {
    /// A one-shot run cannot know for how long a target has been down: it first saw it
    /// a moment ago, so that duration is left out.
    fn of(mut reason: Reason) -> WhyEmpty {
        if let Reason::TargetDown { down_for, .. } = &mut reason {
            *down_for = None;
        }
        WhyEmpty {
            text: reason.to_string(),
            reason,
        }
    }
}

/// A [`Status`] in the words the screen uses (`OK`, `NO DATA`, `WARN`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusWord(pub Status);

impl Serialize for StatusWord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.label())
    }
}

/// One backend as the rows read it: its name side by side, its store, why its empty
/// queries are empty.
pub(super) struct Read<'a> {
    pub(super) name: Option<String>,
    pub(super) store: &'a Store,
    pub(super) reasons: BTreeMap<usize, Reason>,
}

pub(super) fn tab_rows(tab: &Tab, app: &App, ctx: Context, backends: &[Read]) -> Vec<SnapshotRow> {
    let mut rows = Vec::new();
    for panel in tab.rows.iter().flat_map(|r| &r.panels) {
        let Some(kind) = panel.kind.snapshot() else {
            continue;
        };
        match kind {
            SnapshotKind::Kpi => {
                for (kpi, backend) in panel
                    .kpis
                    .iter()
                    .flat_map(|k| backends.iter().map(move |b| (k, b)))
                {
                    rows.push(judge(
                        app,
                        ctx,
                        backend,
                        Judged {
                            tab,
                            panel,
                            kind,
                            name: &kpi.name,
                            id: kpi.query.id,
                            legend_template: kpi.query.legend.as_deref(),
                            reduce: kpi.reduce,
                            unit: kpi.unit,
                            decimals: kpi.decimals,
                            thresholds: kpi.thresholds,
                        },
                    ));
                }
            }
            SnapshotKind::Stat | SnapshotKind::Gauge => {
                let Some(pq) = panel.queries.first() else {
                    continue;
                };
                rows.extend(backends.iter().map(|backend| {
                    judge(
                        app,
                        ctx,
                        backend,
                        Judged {
                            tab,
                            panel,
                            kind,
                            name: &panel.title,
                            id: pq.id,
                            legend_template: pq.legend.as_deref(),
                            // As on screen: a gauge draws every series and is its worst.
                            reduce: panel.status_reduce(),
                            unit: panel.unit,
                            decimals: panel.decimals,
                            thresholds: panel.thresholds,
                        },
                    )
                }));
            }
        }
    }
    rows
}

/// What one row reads: a KPI's or a panel's query, reduction, unit and thresholds.
struct Judged<'a> {
    tab: &'a Tab,
    panel: &'a Panel,
    kind: SnapshotKind,
    name: &'a str,
    id: usize,
    legend_template: Option<&'a str>,
    reduce: Reduce,
    unit: Unit,
    decimals: Option<u8>,
    thresholds: Thresholds,
}

fn judge(app: &App, ctx: Context, backend: &Read, j: Judged) -> SnapshotRow {
    let query = backend.store.query(j.id);
    let expr = app
        .layout()
        .queries
        .get(j.id)
        .map(|q| q.expr.clone())
        .unwrap_or_default();
    let warnings = query.map(|q| q.warnings.clone()).unwrap_or_default();
    let (value, shown, status, error) = match query {
        Some(query) => {
            let r = reading(query, j.reduce, &j.thresholds, ctx);
            let mut shown = r
                .value
                .map_or_else(|| "—".to_string(), |v| j.unit.format(v, j.decimals));
            if query.current().nth(1).is_some()
                && let Some(series) = r.series
            {
                shown = format!("{shown}  {}", legend(j.legend_template, &series.labels));
            }
            let error = query.error.as_ref().map(ToString::to_string);
            (r.value.filter(|v| v.is_finite()), shown, r.status, error)
        }
        None => (None, "—".to_string(), Status::NoData, None),
    };
    SnapshotRow {
        tab: j.tab.title.clone(),
        panel: j.panel.title.clone(),
        kind: j.kind,
        name: j.name.to_string(),
        backend: backend.name.clone(),
        query: expr,
        value,
        shown,
        unit: j.unit,
        target: j.thresholds.target,
        alert: j.thresholds.alert,
        direction: j.thresholds.direction,
        status: StatusWord(status),
        error,
        why_empty: backend.reasons.get(&j.id).cloned().map(WhyEmpty::of),
        warnings,
        target_text: j.thresholds.text(Bound::Target, j.unit, j.decimals),
        alert_text: j.thresholds.text(Bound::Alert, j.unit, j.decimals),
    }
}
