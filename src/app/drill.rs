//! The drill stack: full-screen views opened from a panel, a KPI row or a series, each a
//! chart with its series table, or a group of charts for one label value.

use crate::config::layout::ChartSpec;
use crate::view::drill::SeriesKey;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq)]
pub enum DrillLevel {
    /// One chart full screen, with its series table.
    Chart(ChartView),
    /// The charts of one label value (e.g. everything about `replica-2`).
    Group(GroupView),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChartView {
    pub spec: ChartSpec,
    /// The selected series table row, by identity so that re-sorting does not move it.
    pub selected: Option<SeriesKey>,
    pub hidden: BTreeSet<SeriesKey>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupView {
    /// The label values this view is about, e.g. `replica-2`.
    pub title: String,
    pub specs: Vec<ChartSpec>,
    pub focused: usize,
}

/// Charts per line in a group view.
pub const GROUP_COLUMNS: usize = 2;

impl DrillLevel {
    pub fn chart(spec: ChartSpec) -> Self {
        DrillLevel::Chart(ChartView {
            spec,
            selected: None,
            hidden: BTreeSet::new(),
        })
    }

    /// What the breadcrumb calls this level.
    pub fn title(&self) -> &str {
        match self {
            DrillLevel::Chart(view) => &view.spec.title,
            DrillLevel::Group(view) => &view.title,
        }
    }

    /// Every chart this level draws.
    pub fn specs(&self) -> Vec<&ChartSpec> {
        match self {
            DrillLevel::Chart(view) => vec![&view.spec],
            DrillLevel::Group(view) => view.specs.iter().collect(),
        }
    }
}
