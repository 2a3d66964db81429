//! Moving around: tabs, focus, drill views and their breakdowns, the time range and the
//! inspect cursor, and the range data the innermost view needs.

use super::drill::{self, DrillLevel, GROUP_COLUMNS, GroupView};
use super::focus::{self, Dir, Focus};
use super::{Action, App};
use crate::config::layout::{ChartQuery, ChartSpec, Panel, Rows};
use crate::event::{RangeRequest, SourceCommand};
use crate::model::{Direction, Status, Thresholds, Unit};
use crate::store::range_cache::RangeCache;
use crate::view::drill::{BackendAnswers, ChartData, SeriesKey};
use crate::view::reading;

/// Columns a drill chart's y axis and borders take; the rest is plotted.
const CHART_MARGIN: u16 = 14;

impl App {
    pub(super) fn select_tab(&mut self, tab: usize) {
        self.tab = tab;
        self.drill.clear();
        self.cursor = None;
        // A tab not yet steered opens on its first panel's worst KPI row: Enter drills
        // straight into whatever is red.
        if self.focus[tab] == Focus::default() {
            self.focus[tab].kpi = self.worst_kpi(tab, 0, 0);
        }
    }

    /// Rows the keyboard can select in a panel: KPI rows, alert groups and alerts, silences,
    /// scrape targets.
    pub(super) fn selectable_rows(&self, panel: &Panel) -> usize {
        match panel.kind.rows() {
            Rows::Kpis => panel.kpis.len(),
            Rows::AlertLines => self.alert_line_count(),
            Rows::Silences => match &self.store.alerts.alertmanager {
                Some(Ok(state)) => state.current_silences().len(),
                _ => 0,
            },
            Rows::Targets => self.store.server.targets().len(),
            Rows::Slos => panel.slos.len(),
            Rows::None => 0,
        }
    }

    /// The panel at (`row`, `col`) of tab `tab`'s grid.
    pub(super) fn grid_panel(&self, tab: usize, row: usize, col: usize) -> Option<&Panel> {
        self.layout.tabs.get(tab)?.rows.get(row)?.panels.get(col)
    }

    /// The KPI row to select when focus enters a panel: the worst, first among equals.
    pub(super) fn worst_kpi(&self, tab: usize, row: usize, col: usize) -> usize {
        let Some(panel) = self.grid_panel(tab, row, col) else {
            return 0;
        };
        if panel.kind.rows() != Rows::Kpis {
            return 0;
        }
        let ctx = self.context();
        // Worst status first; among equals, the furthest past its own alert threshold
        // (lag at 2.5× its threshold beats a pool at 1.05× of its own).
        let badness = |kpi: &crate::config::layout::Kpi| {
            let Some(query) = self.store.query(kpi.query.id) else {
                return (Status::Ok, 0.0);
            };
            let r = reading(query, kpi.reduce, &kpi.thresholds, ctx);
            let excess = r.value.and_then(|v| kpi.thresholds.excess(v));
            (r.status, excess.unwrap_or(0.0))
        };
        let mut best = (0, badness(&panel.kpis[0]));
        for (i, kpi) in panel.kpis.iter().enumerate().skip(1) {
            let b = badness(kpi);
            if b.0 > best.1.0 || (b.0 == best.1.0 && b.1 > best.1.1) {
                best = (i, b);
            }
        }
        best.0
    }

    pub(super) fn move_focus(&mut self, dir: Dir) {
        match self.drill.last_mut() {
            None => {
                let tab = self.tab;
                let moved = focus::moved(
                    &self.layout.tabs[tab],
                    self.focus[tab],
                    dir,
                    |panel| self.selectable_rows(panel),
                    |row, col| self.worst_kpi(tab, row, col),
                );
                self.focus[tab] = moved;
            }
            Some(DrillLevel::Group(view)) => {
                let last = view.specs.len().saturating_sub(1);
                view.focused = match dir {
                    Dir::Left => view.focused.saturating_sub(1),
                    Dir::Right => (view.focused + 1).min(last),
                    Dir::Up => view.focused.saturating_sub(GROUP_COLUMNS),
                    Dir::Down if view.focused + GROUP_COLUMNS <= last => {
                        view.focused + GROUP_COLUMNS
                    }
                    Dir::Down => view.focused,
                };
            }
            Some(DrillLevel::Chart(_)) => match dir {
                Dir::Up | Dir::Down => self.move_selection(if dir == Dir::Up { -1 } else { 1 }),
                Dir::Left | Dir::Right => {
                    self.move_cursor(if dir == Dir::Left { -1.0 } else { 1.0 })
                }
            },
        }
    }

    /// Series table rows of the innermost chart view, in the order the table shows them.
    fn visible_rows(&self) -> Vec<SeriesKey> {
        match self.drill.last() {
            Some(DrillLevel::Chart(view)) => self
                .chart_data(&view.spec)
                .rows(self.cursor)
                .into_iter()
                .map(|r| r.key)
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(super) fn move_selection(&mut self, delta: isize) {
        let rows = self.visible_rows();
        let Some(DrillLevel::Chart(view)) = self.drill.last_mut() else {
            return;
        };
        if rows.is_empty() {
            return;
        }
        let current = view
            .selected
            .as_ref()
            .and_then(|key| rows.iter().position(|r| r == key));
        let next = match current {
            Some(i) => i.saturating_add_signed(delta).min(rows.len() - 1),
            None => 0,
        };
        view.selected = Some(rows[next].clone());
    }

    pub(super) fn move_cursor(&mut self, direction: f64) {
        let Some(at) = self.cursor else {
            return;
        };
        let (start, end) = self.time.bounds(self.range_now());
        let step = f64::from(self.time.step(self.chart_points()));
        self.cursor = Some((at + direction * step).clamp(start, end));
    }

    pub(super) fn toggle_cursor(&mut self) {
        if self.drill.is_empty() {
            self.notice = Some("the inspect cursor works in a drill view: Enter opens one".into());
            return;
        }
        self.cursor = match self.cursor {
            Some(_) => None,
            None => Some(self.time.bounds(self.range_now()).1),
        };
    }

    pub(super) fn navigate_time(&mut self, action: Action) {
        if self.drill.is_empty() {
            self.notice = Some("zoom and pan work in a drill view: Enter opens one".into());
            return;
        }
        let now = self.range_now();
        match action {
            Action::ZoomIn => {
                self.time.zoom_in();
            }
            Action::ZoomOut => {
                self.time.zoom_out();
            }
            Action::PanBack => self.time.pan(now, -1.0),
            Action::PanForward => self.time.pan(now, 1.0),
            _ => self.time.end = None,
        }
        let (start, end) = self.time.bounds(now);
        self.cursor = self.cursor.map(|t| t.clamp(start, end));
    }

    pub(super) fn open(&mut self) {
        let level = match self.drill.last() {
            None => self.focused_spec().map(DrillLevel::chart),
            Some(DrillLevel::Group(view)) => {
                view.specs.get(view.focused).cloned().map(DrillLevel::chart)
            }
            Some(DrillLevel::Chart(view)) => match self.breakdown_of(view) {
                Ok(level) => Some(level),
                Err(why) => {
                    self.notice = Some(why);
                    None
                }
            },
        };
        if let Some(level) = level {
            self.drill.push(level);
        }
    }

    /// The chart spec of the focused panel or selected KPI row.
    fn focused_spec(&self) -> Option<ChartSpec> {
        let focus = self.focus[self.tab];
        let panel = self.grid_panel(self.tab, focus.row, focus.col)?;
        Some(match panel.kind.rows() {
            Rows::Kpis => panel.kpis.get(focus.kpi)?.chart_spec(&self.layout.queries),
            Rows::AlertLines => self.with_selected_alert(|selected| match selected {
                super::alerts::Selected::Alert { alert, .. } => {
                    let expr = self.store.alerts.expr_of(alert)?;
                    Some(alert_chart(&alert.name, &expr))
                }
                super::alerts::Selected::Group(_) => None,
            })??,
            Rows::Slos => panel.slos.get(focus.kpi)?.chart_spec(),
            Rows::Targets => {
                super::server::target_chart(self.store.server.targets().get(focus.kpi)?)
            }
            Rows::Silences | Rows::None if panel.kind.drills() => {
                panel.chart_spec(&self.layout.queries)
            }
            Rows::Silences | Rows::None => return None,
        })
    }

    /// The per-label view of the selected series, as the layout declares it.
    fn breakdown_of(&self, view: &drill::ChartView) -> Result<DrillLevel, String> {
        let Some(breakdown) = &view.spec.breakdown else {
            return Err(format!(
                "\"{}\" declares no breakdown (drill = \"NAME\" in the layout)",
                view.spec.title
            ));
        };
        let selected = view
            .selected
            .clone()
            .or_else(|| self.visible_rows().into_iter().next())
            .ok_or_else(|| "no series to break down yet".to_string())?;
        let mut values = Vec::with_capacity(breakdown.by.len());
        for label in &breakdown.by {
            let value = selected
                .labels
                .get(label)
                .ok_or_else(|| format!("this series has no `{label}` label to break down by"))?;
            values.push((label.clone(), value.clone()));
        }
        let title = values
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(" · ");
        Ok(DrillLevel::Group(GroupView {
            title,
            specs: breakdown
                .panels
                .iter()
                .map(|p| p.substitute(&values))
                .collect(),
            focused: 0,
        }))
    }

    pub(super) fn back(&mut self) {
        if self.overlay.take().is_some() || self.recording_failure.take().is_some() {
            return;
        }
        if self.cursor.take().is_some() {
            return;
        }
        if self.drill.pop().is_none() {
            self.dirty = false;
        }
    }

    /// The moment a live range ends at: the clock, frozen while paused.
    pub fn range_now(&self) -> f64 {
        self.paused_at.unwrap_or(self.now)
    }

    /// Points a full-width drill chart can show: two per column (braille dots).
    pub fn chart_points(&self) -> u32 {
        u32::from(self.size.0.saturating_sub(CHART_MARGIN).max(20)) * 2
    }

    fn request_for(&self, expr: &str) -> RangeRequest {
        let refresh = self.source.refresh.as_secs_f64();
        let mut request = self
            .time
            .request(expr, self.range_now(), self.chart_points(), refresh);
        self.expand_range_builtins(&mut request);
        request
    }

    /// What the chart of `spec` has to show over the current range, from every backend.
    pub fn chart_data<'a>(&'a self, spec: &'a ChartSpec) -> ChartData<'a> {
        let (start, end) = self.time.bounds(self.range_now());
        let requests: Vec<RangeRequest> = spec
            .queries
            .iter()
            .map(|q| self.request_for(&q.expr))
            .collect();
        let backends = self
            .range_caches()
            .zip(self.backends())
            .map(|(ranges, backend)| BackendAnswers {
                name: backend.name,
                answers: requests.iter().map(|r| ranges.lookup(r)).collect(),
            })
            .collect();
        ChartData {
            spec,
            start,
            end,
            step: f64::from(self.time.step(self.chart_points())),
            backends,
        }
    }

    /// Every backend's answers to range requests, the first backend's first.
    fn range_caches(&self) -> impl Iterator<Item = &RangeCache> {
        std::iter::once(&self.ranges).chain(self.others.iter().map(|other| &other.ranges))
    }

    /// Asks the data source for the ranges the innermost drill view needs and lacks.
    pub(super) fn request_drill_data(&mut self) {
        let Some(level) = self.drill.last() else {
            return;
        };
        let requests: Vec<RangeRequest> = level
            .specs()
            .iter()
            .flat_map(|spec| spec.queries.iter().map(|q| self.request_for(&q.expr)))
            .collect();
        let now = self.now;
        for request in requests {
            // Every backend is asked (each poller its own); a request goes out when any
            // backend's cache wants it, each cache counting the ask.
            let caches = std::iter::once(&mut self.ranges)
                .chain(self.others.iter_mut().map(|other| &mut other.ranges));
            let wanted = caches.fold(false, |wanted, cache| cache.want(&request, now) | wanted);
            if wanted {
                self.outbox.push(SourceCommand::Range(request));
            }
        }
    }

    /// The path to the innermost view: the tab, then every drill level.
    pub fn breadcrumb(&self) -> Vec<&str> {
        let tab = self.layout.tabs[self.tab].title.as_str();
        std::iter::once(tab)
            .chain(self.drill.iter().map(DrillLevel::title))
            .collect()
    }
}

/// An alert's expression as a drill chart: for `<expr> > <number>`, the watched side with
/// the number as its alert line, so the chart shows the value before, during and after the
/// alert, not just the stretches the comparison let through.
fn alert_chart(name: &str, expr: &str) -> ChartSpec {
    let (query, thresholds) = match crate::alerts::promql::comparison(expr) {
        Some(c) => (
            c.watched,
            Thresholds {
                target: None,
                alert: Some(c.value),
                direction: Direction::watched_by(c.op.higher_is_worse()),
            },
        ),
        None => (expr.to_string(), Thresholds::default()),
    };
    ChartSpec {
        title: name.to_string(),
        queries: vec![ChartQuery {
            expr: query,
            legend: None,
        }],
        unit: Unit::None,
        decimals: None,
        thresholds,
        breakdown: None,
    }
}
