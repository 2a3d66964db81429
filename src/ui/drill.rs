//! The drill screen: a breadcrumb with the time range, then either one chart with its
//! series table, or the grid of charts of one label value.

use super::status_bar::age;
use super::widgets::frame;
use super::widgets::time_chart::{ChartLine, TimeChart, clock};
use crate::app::App;
use crate::app::drill::{ChartView, DrillLevel, GROUP_COLUMNS, GroupView};
use crate::config::duration::short;
use crate::config::layout::ChartSpec;
use crate::model::Status;
use crate::view::drill::{ChartData, SeriesKey, SeriesRow, alert_columns, decimate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};
use std::collections::BTreeSet;
use std::time::Duration;

/// Lines drawn at most in one chart; the table still lists every series.
const MAX_LINES: usize = 20;

pub struct DrillScreen<'a> {
    pub app: &'a App,
}

impl Widget for DrillScreen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let Some(level) = app.drill().last() else {
            return;
        };
        let [header, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        self.header(header, buf);
        match level {
            DrillLevel::Chart(view) => self.chart_view(view, body, buf),
            DrillLevel::Group(view) => self.group_view(view, body, buf),
        }
    }
}

impl DrillScreen<'_> {
    /// `Database › Replication lag › replica-2` and, on the right, the range and its keys.
    fn header(&self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let theme = app.theme();
        let mut spans = Vec::new();
        for (i, part) in app.breadcrumb().into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" › ", theme.muted));
            }
            spans.push(Span::styled(part.to_string(), theme.title));
        }
        Line::from(spans).render(area, buf);
        let span = short(Duration::from_secs_f64(app.time().span()));
        let end = match app.time().end {
            None if app.paused() => "paused".to_string(),
            None => "live".to_string(),
            Some(end) => format!(
                "ending {} ({} ago)",
                clock(end, false),
                age(app.range_now() - end)
            ),
        };
        let step = app.time().step(app.chart_points());
        let cursor = app
            .cursor()
            .map(|t| format!(" · cursor {}", clock(t, false)))
            .unwrap_or_default();
        Line::from(vec![
            Span::styled(format!("{span} · {end} · step {step}s{cursor}"), theme.text),
            Span::styled(
                "  +/- zoom  [ ] pan  0 live  c cursor  Esc back ",
                theme.muted,
            ),
        ])
        .alignment(Alignment::Right)
        .render(area, buf);
    }

    fn chart_view(&self, view: &ChartView, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let data = app.chart_data(&view.spec);
        let rows = data.rows(app.cursor());
        let table_height = (rows.len() as u16 + 3).clamp(4, area.height * 2 / 5);
        let [chart_area, table_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(table_height)]).areas(area);
        self.chart_box(&data, &rows, &view.hidden, true, true, chart_area, buf);
        self.series_table(view, &data, &rows, table_area, buf);
    }

    fn group_view(&self, view: &GroupView, area: Rect, buf: &mut Buffer) {
        let lines = view.specs.len().div_ceil(GROUP_COLUMNS).max(1);
        let rows = Layout::vertical(vec![Constraint::Fill(1); lines]).split(area);
        for (i, spec) in view.specs.iter().enumerate() {
            let cells = Layout::horizontal(vec![Constraint::Fill(1); GROUP_COLUMNS])
                .split(rows[i / GROUP_COLUMNS]);
            let data = self.app.chart_data(spec);
            let series = data.rows(self.app.cursor());
            let focused = i == view.focused;
            self.chart_box(
                &data,
                &series,
                &BTreeSet::new(),
                focused,
                false,
                cells[i % GROUP_COLUMNS],
                buf,
            );
        }
    }

    /// A bordered chart in the status of its worst series.
    #[allow(clippy::too_many_arguments)]
    fn chart_box(
        &self,
        data: &ChartData,
        rows: &[SeriesRow],
        hidden: &BTreeSet<SeriesKey>,
        focused: bool,
        full: bool,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let theme = self.app.theme();
        let spec = data.spec;
        let status = rows.first().map_or(Status::NoData, |r| r.status);
        let problem = data.problem();
        let badge = match &problem {
            Some((s, _)) if rows.is_empty() => Some(*s),
            _ => Some(status),
        };
        let block = frame(&spec.title, status, badge, focused && !full, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.is_empty() {
            return;
        }
        if rows.is_empty() {
            let (s, text) = problem.unwrap_or((Status::NoData, "no data in this range".into()));
            Paragraph::new(text)
                .style(theme.status(s))
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        }
        let columns = usize::from(inner.width.saturating_sub(10)).max(1);
        let palette = colour_order(rows);
        let visible: Vec<&SeriesRow> = rows.iter().filter(|r| !hidden.contains(&r.key)).collect();
        let lines = visible
            .iter()
            .take(MAX_LINES)
            .map(|r| ChartLine {
                name: r.legend.clone(),
                style: Style::default().fg(theme.series_color(palette(&r.key))),
                points: decimate(r.points, data.start, data.end, columns),
            })
            .collect();
        let chart = TimeChart {
            lines,
            start: data.start,
            end: data.end,
            thresholds: spec.thresholds,
            unit: spec.unit,
            decimals: spec.decimals,
            alert_columns: alert_columns(
                visible.iter().copied(),
                &spec.thresholds,
                data.start,
                data.end,
                data.step,
                columns,
            ),
            cursor: self.app.cursor(),
            show_legend: full,
            relative: false,
            hidden_lines: visible.len().saturating_sub(MAX_LINES),
            theme,
        };
        // A failure while older data is shown is said on the last line, not hidden.
        match problem {
            Some((s, text)) if inner.height > 4 => {
                let [plot, note] =
                    Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
                chart.render(plot, buf);
                Line::from(Span::styled(text, theme.status(s))).render(note, buf);
            }
            _ => chart.render(inner, buf),
        }
    }

    fn series_table(
        &self,
        view: &ChartView,
        data: &ChartData,
        rows: &[SeriesRow],
        area: Rect,
        buf: &mut Buffer,
    ) {
        let theme = self.app.theme();
        let spec: &ChartSpec = data.spec;
        let format = |v: Option<f64>| {
            v.map_or_else(|| "—".to_string(), |v| spec.unit.format(v, spec.decimals))
        };
        let current = match self.app.cursor() {
            Some(t) => format!("at {}", clock(t, false)),
            None => "Current".to_string(),
        };
        let header = Row::new(vec![
            String::new(),
            "Series".into(),
            current,
            "Min".into(),
            "Avg".into(),
            "Max".into(),
            "p95".into(),
            "Beyond alert".into(),
            "Since".into(),
            "Status".into(),
        ])
        .style(theme.muted);
        let selected = view
            .selected
            .as_ref()
            .and_then(|key| rows.iter().position(|r| &r.key == key))
            .or((!rows.is_empty()).then_some(0));
        let palette = colour_order(rows);
        let table_rows = rows.iter().enumerate().map(|(i, r)| {
            let hidden = view.hidden.contains(&r.key);
            let style = match (hidden, r.status) {
                (true, _) => theme.muted,
                (false, Status::Ok) => theme.text,
                (false, s) => theme.status(s),
            };
            let marker = if Some(i) == selected { "▶" } else { " " };
            let swatch = if hidden { "·" } else { "━" };
            let beyond = if spec.thresholds.alert.is_some() {
                age(r.stats.beyond_alert)
            } else {
                "–".into()
            };
            let since = r
                .stats
                .beyond_since
                .map_or_else(|| "–".to_string(), |t| clock(t, false));
            let name = if hidden {
                format!("{} (hidden)", r.legend)
            } else {
                r.legend.clone()
            };
            Row::new(vec![
                Cell::from(format!("{marker}{swatch}"))
                    .style(Style::default().fg(theme.series_color(palette(&r.key)))),
                Cell::from(name),
                Cell::from(format(r.stats.current)),
                Cell::from(format(r.stats.min)),
                Cell::from(format(r.stats.avg)),
                Cell::from(format(r.stats.max)),
                Cell::from(format(r.stats.p95)),
                Cell::from(beyond),
                Cell::from(since),
                Cell::from(r.status.label()).style(theme.status(r.status)),
            ])
            .style(style)
        });
        let widths = [
            Constraint::Length(2),
            Constraint::Fill(1),
            Constraint::Length(12),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Length(7),
        ];
        let block = Block::bordered()
            .border_style(theme.border)
            .title(Line::from(Span::styled(
                " Series: ↑↓ select · Space hide · Enter break down ",
                theme.muted,
            )));
        let table = Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1)
            .block(block)
            .row_highlight_style(theme.selection);
        let mut state = TableState::default().with_selected(selected);
        StatefulWidget::render(table, area, buf, &mut state);
    }
}

/// A series keeps its colour however the table re-sorts: colours follow label order.
fn colour_order<'a>(rows: &'a [SeriesRow]) -> impl Fn(&SeriesKey) -> usize + 'a {
    let mut keys: Vec<&SeriesKey> = rows.iter().map(|r| &r.key).collect();
    keys.sort();
    move |key| keys.binary_search(&key).unwrap_or(0)
}
