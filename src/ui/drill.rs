//! The drill screen: a breadcrumb with the time range, then either one chart with its
//! series table, or the grid of charts of one label value.

use super::widgets::frame;
use super::widgets::markers;
use super::widgets::time_chart::{ChartLine, TimeChart, clock};
use crate::app::App;
use crate::app::drill::{ChartView, DrillLevel, GROUP_COLUMNS, GroupView};
use crate::config::layout::ChartSpec;
use crate::model::Status;
use crate::model::duration::Form;
use crate::model::labels::on_backend;
use crate::view::drill::{ChartData, SeriesKey, SeriesRow, alert_columns, decimate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect, Size};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};
use std::collections::BTreeSet;
use std::time::Duration;

/// Lines drawn at most in one chart; the table still lists every series.
const MAX_LINES: usize = 20;

/// Lines of a chart box worth reading: borders, a line of plot, the x axis and its labels.
const CHART_MIN_HEIGHT: u16 = 5;

/// Columns of a chart box worth reading: borders, the y labels and some plot.
const CHART_MIN_WIDTH: u16 = 15;

/// Lines of the series table with its header and one series.
const TABLE_MIN_HEIGHT: u16 = 4;

/// Widths of the series table's columns; the series name's takes what is left.
const COLUMN_WIDTHS: [u16; 10] = [2, 0, 12, 10, 10, 10, 10, 12, 8, 7];
const NAME_COLUMN: usize = 1;

/// Columns that give way, in this order, to keep series names readable on a narrow screen:
/// since, p95, avg, min, max, beyond alert. The current value and the status always stay.
const DROP_ORDER: [usize; 6] = [8, 6, 4, 3, 5, 7];

/// Columns a series name needs to be told from its neighbours.
const NAME_MIN_WIDTH: u16 = 16;

/// Which series table columns fit a table `width` wide, borders included.
fn shown_columns(width: u16) -> [bool; 10] {
    let mut shown = [true; 10];
    for column in DROP_ORDER {
        let taken: u16 = COLUMN_WIDTHS
            .iter()
            .zip(shown)
            .filter(|(_, show)| *show)
            .map(|(w, _)| w + 1)
            .sum();
        // Each column's width and a space, but borders instead of the last space.
        if taken + 1 + NAME_MIN_WIDTH <= width {
            break;
        }
        shown[column] = false;
    }
    shown
}

/// The items of the columns `shown`.
fn pick<T>(items: [T; 10], shown: [bool; 10]) -> Vec<T> {
    items
        .into_iter()
        .zip(shown)
        .filter_map(|(item, show)| show.then_some(item))
        .collect()
}

/// The room a drill level needs: the breadcrumb line, then its charts at their minimum
/// (a chart and the series table, or every line of a group's grid).
pub fn min_size(level: &DrillLevel) -> Size {
    match level {
        DrillLevel::Chart(_) => Size::new(CHART_MIN_WIDTH, 1 + CHART_MIN_HEIGHT + TABLE_MIN_HEIGHT),
        DrillLevel::Group(view) => {
            let lines = view.specs.len().div_ceil(GROUP_COLUMNS).max(1);
            let height =
                u16::try_from(lines).map_or(u16::MAX, |l| l.saturating_mul(CHART_MIN_HEIGHT));
            Size::new(
                GROUP_COLUMNS as u16 * CHART_MIN_WIDTH,
                height.saturating_add(1),
            )
        }
    }
}

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

/// A bordered chart in the status of its worst series: the drill view's one chart, or one
/// of a group's.
struct ChartBox<'a> {
    app: &'a App,
    data: &'a ChartData<'a>,
    rows: &'a [SeriesRow<'a>],
    hidden: &'a BTreeSet<SeriesKey>,
    focused: bool,
    /// The drill view's one chart: with its legend, and no focus mark (it is all there is).
    full: bool,
}

impl Widget for ChartBox<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let ChartBox {
            app,
            data,
            rows,
            hidden,
            focused,
            full,
        } = self;
        let theme = app.theme();
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
                name: on_backend(r.backend, &r.legend),
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
            cursor: app.cursor(),
            show_legend: full,
            relative: false,
            hidden_lines: visible.len().saturating_sub(MAX_LINES),
            markers: markers::chart_markers(app.store(), theme, data.start, data.end),
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
        let breadcrumb = Line::from(spans);
        let span = Form::Setting.duration(Duration::from_secs_f64(app.time().span()));
        let end = match app.time().end {
            None if app.paused() => "paused".to_string(),
            None => "live".to_string(),
            Some(end) => format!(
                "ending {} ({} ago)",
                clock(end, false),
                Form::Age.seconds(app.range_now() - end)
            ),
        };
        let step = app.time().step(app.chart_points());
        let cursor = app
            .cursor()
            .map(|t| format!(" · cursor {}", clock(t, false)))
            .unwrap_or_default();
        let mut range = Line::from(Span::styled(
            format!("{span} · {end} · step {step}s{cursor}"),
            theme.text,
        ));
        let keys = Span::styled(
            "  +/- zoom  [ ] pan  0 live  c cursor  Esc back ",
            theme.muted,
        );
        // The path matters most: on a narrow screen the keys (also in the help), then the
        // range give way to it.
        let free = usize::from(area.width).saturating_sub(breadcrumb.width() + 1);
        if range.width() + keys.width() <= free {
            range.push_span(keys);
        }
        breadcrumb.render(area, buf);
        if range.width() <= free {
            range.alignment(Alignment::Right).render(area, buf);
        }
    }

    fn chart_view(&self, view: &ChartView, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let data = app.chart_data(&view.spec);
        let rows = data.rows(app.cursor());
        // Every series if it can, within two fifths of the view, but at least a header and
        // a row, and never so much that the chart loses its minimum.
        let wanted = u16::try_from(rows.len()).map_or(u16::MAX, |n| n.saturating_add(3));
        let table_height = wanted
            .min((u32::from(area.height) * 2 / 5) as u16)
            .max(TABLE_MIN_HEIGHT)
            .min(area.height.saturating_sub(CHART_MIN_HEIGHT));
        let marks = markers::listing(app.store(), app.theme(), data.start, data.end);
        let [chart_area, marks_area, table_area] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(u16::from(marks.is_some())),
            Constraint::Length(table_height),
        ])
        .areas(area);
        ChartBox {
            app,
            data: &data,
            rows: &rows,
            hidden: &view.hidden,
            focused: true,
            full: true,
        }
        .render(chart_area, buf);
        if let Some(marks) = marks {
            marks.render(marks_area, buf);
        }
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
            ChartBox {
                app: self.app,
                data: &data,
                rows: &series,
                hidden: &BTreeSet::new(),
                focused: i == view.focused,
                full: false,
            }
            .render(cells[i % GROUP_COLUMNS], buf);
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
        let shown = shown_columns(area.width);
        let backend_width = backend_column_width(rows);
        let header = Row::new(pick(self.series_header(backend_width), shown)).style(theme.muted);
        let selected = view
            .selected
            .as_ref()
            .and_then(|key| rows.iter().position(|r| &r.key == key))
            .or((!rows.is_empty()).then_some(0));
        let palette = colour_order(rows);
        let table_rows = rows.iter().enumerate().map(|(i, r)| {
            let look = RowLook {
                selected: Some(i) == selected,
                hidden: view.hidden.contains(&r.key),
                colour: palette(&r.key),
            };
            let style = match (look.hidden, r.status) {
                (true, _) => theme.muted,
                (false, Status::Ok) => theme.text,
                (false, s) => theme.status(s),
            };
            let cells = self.series_cells(data.spec, r, &look, backend_width);
            Row::new(pick(cells, shown)).style(style)
        });
        let mut widths = COLUMN_WIDTHS.map(Constraint::Length);
        widths[NAME_COLUMN] = Constraint::Fill(1);
        let widths = pick(widths, shown);
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

    /// The series table's column names; the value column says the cursor's time. Side by
    /// side, the series column starts with the backend's (`backend_width` wide).
    fn series_header(&self, backend_width: usize) -> [String; 10] {
        let current = match self.app.cursor() {
            Some(t) => format!("at {}", clock(t, false)),
            None => "Current".to_string(),
        };
        let series = match backend_width {
            0 => "Series".to_string(),
            width => format!("{:<width$} Series", "Backend"),
        };
        [
            String::new(),
            series,
            current,
            "Min".into(),
            "Avg".into(),
            "Max".into(),
            "p95".into(),
            "Beyond alert".into(),
            "Since".into(),
            "Status".into(),
        ]
    }

    /// One series' cells, in the order of [`Self::series_header`].
    fn series_cells(
        &self,
        spec: &ChartSpec,
        r: &SeriesRow,
        look: &RowLook,
        backend_width: usize,
    ) -> [Cell<'static>; 10] {
        let theme = self.app.theme();
        let format = |v: Option<f64>| {
            v.map_or_else(|| "—".to_string(), |v| spec.unit.format(v, spec.decimals))
        };
        let marker = if look.selected { "▶" } else { " " };
        let swatch = if look.hidden { "·" } else { "━" };
        let beyond = if spec.thresholds.alert.is_some() {
            Form::Age.seconds(r.stats.beyond_alert)
        } else {
            "–".into()
        };
        let since = r
            .stats
            .beyond_since
            .map_or_else(|| "–".to_string(), |t| clock(t, false));
        let legend = match backend_width {
            0 => r.legend.clone(),
            width => format!("{:<width$} {}", r.backend, r.legend),
        };
        let name = if look.hidden {
            format!("{legend} (hidden)")
        } else {
            legend
        };
        [
            Cell::from(format!("{marker}{swatch}"))
                .style(Style::default().fg(theme.series_color(look.colour))),
            Cell::from(name),
            Cell::from(format(r.stats.current)),
            Cell::from(format(r.stats.min)),
            Cell::from(format(r.stats.avg)),
            Cell::from(format(r.stats.max)),
            Cell::from(format(r.stats.p95)),
            Cell::from(beyond),
            Cell::from(since),
            Cell::from(r.status.label()).style(theme.status(r.status)),
        ]
    }
}

/// Side by side, the width of the backend column the series column starts with (its
/// header's at least; names are ASCII, checked when given); 0 for a run of one backend.
fn backend_column_width(rows: &[SeriesRow]) -> usize {
    match rows.iter().map(|r| r.backend.len()).max() {
        None | Some(0) => 0,
        Some(widest) => widest.max("Backend".len()),
    }
}

/// How a series' row is drawn: the selection marker, hidden or not, its colour's place.
struct RowLook {
    selected: bool,
    hidden: bool,
    colour: usize,
}

/// A series keeps its colour however the table re-sorts: colours follow label order.
fn colour_order<'a>(rows: &'a [SeriesRow]) -> impl Fn(&SeriesKey) -> usize + 'a {
    let mut keys: Vec<&SeriesKey> = rows.iter().map(|r| &r.key).collect();
    keys.sort();
    move |key| keys.binary_search(&key).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn narrow_series_tables_drop_statistics_before_names() {
        assert_eq!(shown_columns(160), [true; 10]);
        let since = 8;
        assert_eq!(
            shown_columns(100).map(|show| !show),
            std::array::from_fn(|i| i == since)
        );
        let marker_name_current_status = [
            true, true, true, false, false, false, false, false, false, true,
        ];
        assert_eq!(shown_columns(30), marker_name_current_status);
    }

    proptest! {
        #[test]
        fn names_get_their_room_whenever_the_table_allows(width in 0u16..400) {
            let shown = shown_columns(width);
            for column in [0, NAME_COLUMN, 2, 9] {
                prop_assert!(shown[column], "{column} always stays");
            }
            // Each column and a space, and borders in place of the last space.
            let taken = |shown| -> u16 { pick(COLUMN_WIDTHS, shown).iter().map(|w| w + 1).sum() };
            if width >= taken(shown_columns(0)) + 1 + NAME_MIN_WIDTH {
                prop_assert!(taken(shown) + 1 + NAME_MIN_WIDTH <= width);
            }
        }
    }
}
