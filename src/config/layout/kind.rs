//! What a panel kind is: where its content comes from, how its status is judged, how tall
//! it must be, which rows the keyboard selects, how a snapshot reads it. One arm per kind
//! in [`PanelKind::facts`], so a new kind is decided here; only its drawing
//! (`ui/widgets/panel.rs`) and a board or server kind's status (`view/`) match on it.

use super::{Panel, Reduce};
use serde::{Deserialize, Serialize};

/// What a panel draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelKind {
    Gauge,
    Sparkline,
    Chart,
    Stat,
    Bar,
    KpiTable,
    /// Active alerts: Prometheus' and the local rules'.
    Alerts,
    /// Rule groups and their health, and KPI/rule threshold disagreements.
    Rules,
    /// Alertmanager's notification groups and silences (`--alertmanager`).
    Alertmanager,
    /// One line per series of an instant query: label columns and the value.
    Table,
    /// Prometheus' scrape targets and their health, and the server's facts.
    Targets,
    /// The server's head cardinality and what each query of the dashboard costs.
    Tsdb,
    /// The layout's `[[slo]]`: objective, SLI, error budget left, burn rates, alerts.
    Slo,
}

/// Where a kind's content comes from, and so which keys its layout entry takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// The series of its `query` or `[[...series]]`.
    Series,
    /// Its `[[...kpi]]` rows, each a query of its own.
    Kpis,
    /// The alert board: Prometheus' alerts and rules, the local rules, Alertmanager.
    AlertBoard,
    /// What Prometheus says about itself.
    Server,
    /// The layout's `[[slo]]`, each a set of queries of its own.
    Slos,
}

/// The rows the keyboard (and Enter) can select in a panel of the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    None,
    Kpis,
    /// The alert list's groups and alerts.
    AlertLines,
    Silences,
    Targets,
    Slos,
}

/// How `spheroseg-top snapshot` reads a kind; its JSON names are the schema's
/// (`docs/snapshot.schema.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// One row per KPI of a table.
    Kpi,
    /// One row: the panel's first query, reduced as the panel says.
    Stat,
    /// One row: the panel's first query, its worst series.
    Gauge,
}

/// Everything but the drawing that tells kinds apart.
struct Facts {
    content: Content,
    /// Draws values over time, so needs a backfilled history.
    history: bool,
    /// Draws every series, so its status is the worst series whatever `reduce` says.
    every_series: bool,
    /// Lines it needs to say anything useful; a KPI table needs one more per row.
    min_lines: u16,
    rows: Rows,
    snapshot: Option<SnapshotKind>,
    /// The alert list's `/` filter narrows it.
    filtered: bool,
    /// Draws between `min` and `max`, so a unit without a natural range needs `max`.
    needs_max: bool,
    /// Takes `columns` (label columns).
    columns: bool,
    /// Enter on the panel (not on a selected row) charts its own queries.
    drills: bool,
}

/// A panel of series drawn as one value: what most kinds share.
const SERIES: Facts = Facts {
    content: Content::Series,
    history: false,
    every_series: false,
    min_lines: 3,
    rows: Rows::None,
    snapshot: None,
    filtered: false,
    needs_max: false,
    columns: false,
    drills: true,
};

impl PanelKind {
    const fn facts(self) -> Facts {
        match self {
            PanelKind::Gauge => Facts {
                every_series: true,
                snapshot: Some(SnapshotKind::Gauge),
                needs_max: true,
                ..SERIES
            },
            PanelKind::Sparkline => Facts {
                history: true,
                min_lines: 4,
                ..SERIES
            },
            PanelKind::Chart => Facts {
                history: true,
                every_series: true,
                ..SERIES
            },
            PanelKind::Stat => Facts {
                history: true,
                min_lines: 4,
                snapshot: Some(SnapshotKind::Stat),
                ..SERIES
            },
            PanelKind::Bar => Facts {
                every_series: true,
                ..SERIES
            },
            PanelKind::Table => Facts {
                every_series: true,
                min_lines: 4,
                columns: true,
                ..SERIES
            },
            PanelKind::KpiTable => Facts {
                content: Content::Kpis,
                rows: Rows::Kpis,
                snapshot: Some(SnapshotKind::Kpi),
                ..SERIES
            },
            PanelKind::Alerts => Facts {
                content: Content::AlertBoard,
                min_lines: 6,
                rows: Rows::AlertLines,
                filtered: true,
                ..SERIES
            },
            PanelKind::Rules => Facts {
                content: Content::AlertBoard,
                min_lines: 6,
                filtered: true,
                drills: false,
                ..SERIES
            },
            PanelKind::Alertmanager => Facts {
                content: Content::AlertBoard,
                min_lines: 6,
                rows: Rows::Silences,
                ..SERIES
            },
            PanelKind::Targets => Facts {
                content: Content::Server,
                min_lines: 6,
                rows: Rows::Targets,
                ..SERIES
            },
            PanelKind::Tsdb => Facts {
                content: Content::Server,
                min_lines: 6,
                drills: false,
                ..SERIES
            },
            PanelKind::Slo => Facts {
                content: Content::Slos,
                rows: Rows::Slos,
                drills: false,
                ..SERIES
            },
        }
    }

    pub fn content(self) -> Content {
        self.facts().content
    }

    /// Kinds that show the alert board rather than a query.
    pub fn is_alerting(self) -> bool {
        self.content() == Content::AlertBoard
    }

    /// Kinds that show what Prometheus says about itself rather than a query.
    pub fn is_server(self) -> bool {
        self.content() == Content::Server
    }

    /// Kinds that draw values over time and so need a backfilled history.
    pub fn needs_history(self) -> bool {
        self.facts().history
    }

    /// Kinds that draw every series: one bad replica turns the panel red.
    pub fn judges_every_series(self) -> bool {
        self.facts().every_series
    }

    /// The rows the keyboard selects in the kind.
    pub fn rows(self) -> Rows {
        self.facts().rows
    }

    /// How a snapshot reads the kind; `None`: it leaves it out.
    pub fn snapshot(self) -> Option<SnapshotKind> {
        self.facts().snapshot
    }

    /// Kinds the alert list's `/` filter narrows (and whose title shows it).
    pub fn is_filtered(self) -> bool {
        self.facts().filtered
    }

    /// Kinds drawn between `min` and `max`.
    pub fn needs_max(self) -> bool {
        self.facts().needs_max
    }

    /// Kinds that take `columns`.
    pub fn has_columns(self) -> bool {
        self.facts().columns
    }

    /// Kinds whose own queries Enter charts when no row is selected.
    pub fn drills(self) -> bool {
        self.facts().drills
    }
}

impl Panel {
    /// How the panel's status reduces its series: the worst for a kind that draws them all.
    pub fn status_reduce(&self) -> Reduce {
        if self.kind.judges_every_series() {
            Reduce::Worst
        } else {
            self.reduce
        }
    }

    /// Lines the panel needs to say anything useful: a KPI table all its rows, others a
    /// value.
    pub fn min_height(&self) -> u16 {
        let lines = self.kind.facts().min_lines;
        match self.kind.content() {
            Content::Kpis => {
                u16::try_from(self.kpis.len()).map_or(u16::MAX, |n| n.saturating_add(lines))
            }
            _ => lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [PanelKind; 13] = [
        PanelKind::Gauge,
        PanelKind::Sparkline,
        PanelKind::Chart,
        PanelKind::Stat,
        PanelKind::Bar,
        PanelKind::KpiTable,
        PanelKind::Alerts,
        PanelKind::Rules,
        PanelKind::Alertmanager,
        PanelKind::Table,
        PanelKind::Targets,
        PanelKind::Tsdb,
        PanelKind::Slo,
    ];

    #[test]
    fn only_kinds_of_series_draw_history_or_judge_every_series() {
        for kind in ALL {
            if kind.needs_history() || kind.judges_every_series() || kind.has_columns() {
                assert_eq!(kind.content(), Content::Series, "{kind:?}");
            }
        }
    }

    #[test]
    fn a_snapshot_reads_kpi_tables_stats_and_gauges() {
        let read: Vec<(PanelKind, SnapshotKind)> = ALL
            .into_iter()
            .filter_map(|k| Some((k, k.snapshot()?)))
            .collect();
        assert_eq!(
            read,
            [
                (PanelKind::Gauge, SnapshotKind::Gauge),
                (PanelKind::Stat, SnapshotKind::Stat),
                (PanelKind::KpiTable, SnapshotKind::Kpi),
            ]
        );
    }
}
