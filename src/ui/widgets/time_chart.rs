//! A line chart over absolute time: one line per series, target and alert thresholds as
//! lines, the stretches beyond the alert threshold marked along the x axis, and an optional
//! inspect cursor. Drill views use it at any zoom; x labels are clock times.

use super::axes;
use super::plot::{Mark, Plot};
use crate::config::Theme;
use crate::model::duration::Form;
use crate::model::{Thresholds, Unit};
use chrono::{Local, TimeZone};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout as LayoutSplit, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};
use std::borrow::Cow;
use std::time::Duration;

/// A threshold drawn across the chart: its legend, style and two end points.
type ThresholdLine = (String, Style, [(f64, f64); 2]);

pub struct ChartLine {
    pub name: String,
    pub style: Style,
    /// Points in time order, already thinned to the chart's resolution.
    pub points: Vec<(f64, f64)>,
}

pub struct TimeChart<'a> {
    pub lines: Vec<ChartLine>,
    pub start: f64,
    pub end: f64,
    pub thresholds: Thresholds,
    pub unit: Unit,
    pub decimals: Option<u8>,
    /// Which of `alert_columns.len()` equal slices of the range were beyond the alert threshold.
    pub alert_columns: Vec<bool>,
    pub cursor: Option<f64>,
    pub show_legend: bool,
    /// Label the x axis relative to its end ("-15m … now") rather than with clock times.
    pub relative: bool,
    /// Series left out of `lines`, said under the axis.
    pub hidden_lines: usize,
    /// Annotation marks, drawn as vertical lines.
    pub markers: Vec<ChartMarker>,
    pub theme: &'a Theme,
}

/// A moment drawn across a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartMarker {
    pub time: f64,
    pub style: Style,
}

/// The vertical lines to draw for `markers`, from `y_min` to `y_max`.
fn marker_lines(markers: &[ChartMarker], y_min: f64, y_max: f64) -> Vec<(Style, [(f64, f64); 2])> {
    markers
        .iter()
        .map(|m| (m.style, [(m.time, y_min), (m.time, y_max)]))
        .collect()
}

/// A Unix time as the clock on the wall shows it; the date too when the range spans days.
pub fn clock(t: f64, with_date: bool) -> String {
    let format = if with_date { "%m-%d %H:%M" } else { "%H:%M:%S" };
    Local
        .timestamp_opt(t.floor() as i64, 0)
        .single()
        .map_or_else(|| format!("{t:.0}"), |time| time.format(format).to_string())
}

impl TimeChart<'_> {
    /// The y range: every value, zero, and the nearest threshold kept in view so "how far
    /// from target" is visible at a glance.
    fn y_bounds(&self) -> (f64, f64) {
        let values = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let reference = self
            .thresholds
            .target
            .or(self.thresholds.alert)
            .unwrap_or(f64::NEG_INFINITY);
        let hi = hi.max(reference).max(0.0);
        let y_max = if hi > 0.0 { hi * 1.1 } else { 1.0 };
        let y_min = if lo.is_finite() { lo.min(0.0) } else { 0.0 };
        (y_min, y_max)
    }

    /// The target and alert lines that fit under `y_max`.
    fn threshold_lines(&self, y_max: f64) -> Vec<ThresholdLine> {
        let theme = self.theme;
        [
            (self.thresholds.target, "target", theme.warn),
            (self.thresholds.alert, "alert", theme.alert),
        ]
        .into_iter()
        .filter_map(|(v, name, style)| {
            let v = v?;
            (v <= y_max).then(|| {
                (
                    format!("{name} {}", self.unit.format(v, self.decimals)),
                    style,
                    [(self.start, v), (self.end, v)],
                )
            })
        })
        .collect()
    }

    /// One mark on the x axis (at `y_min`) in the middle of each slice beyond the alert line.
    fn alert_marks(&self, y_min: f64) -> Vec<(f64, f64)> {
        let columns = self.alert_columns.len().max(1) as f64;
        let width = (self.end - self.start) / columns;
        self.alert_columns
            .iter()
            .enumerate()
            .filter(|(_, marked)| **marked)
            .map(|(i, _)| (self.start + (i as f64 + 0.5) * width, y_min))
            .collect()
    }

    /// The time axis' labels: clock times (or "-15m … now").
    fn x_labels(&self) -> [String; 3] {
        let with_date = self.end - self.start > 86_400.0;
        let label = |t: f64| {
            if !self.relative {
                clock(t, with_date)
            } else if self.end - t < 0.5 {
                "now".to_string()
            } else {
                format!(
                    "-{}",
                    Form::Setting.duration(Duration::from_secs_f64(self.end - t))
                )
            }
        };
        [
            label(self.start),
            label((self.start + self.end) / 2.0),
            label(self.end),
        ]
    }

    /// The value axis' labels from `y_min` to `y_max`: both ends and the middle.
    fn y_labels(&self, y_min: f64, y_max: f64) -> [String; 3] {
        let format = |v: f64| self.unit.format(v, self.decimals);
        [format(y_min), format((y_min + y_max) / 2.0), format(y_max)]
    }

    /// What is drawn over the graph, in order (each over the ones before): the series, the
    /// thresholds, the stretches beyond the alert line, the annotations and the cursor.
    fn layers(&self, y_min: f64, y_max: f64) -> Vec<Layer<'_>> {
        let line = |name, style, points| Layer {
            name,
            style,
            points,
            mark: Mark::Line,
        };
        let mut layers: Vec<Layer> = (self.lines.iter())
            .map(|l| {
                let name = Some(Cow::Borrowed(l.name.as_str()));
                line(name, l.style, Cow::Borrowed(l.points.as_slice()))
            })
            .collect();
        for (name, style, points) in self.threshold_lines(y_max) {
            layers.push(line(Some(name.into()), style, points.to_vec().into()));
        }
        let alert_marks = self.alert_marks(y_min);
        if !alert_marks.is_empty() {
            layers.push(Layer {
                name: Some("beyond alert".into()),
                style: self.theme.alert,
                points: alert_marks.into(),
                mark: Mark::Points,
            });
        }
        for (style, points) in marker_lines(&self.markers, y_min, y_max) {
            layers.push(line(None, style, points.to_vec().into()));
        }
        if let Some(t) = self.cursor {
            let points = vec![(t, y_min), (t, y_max)];
            layers.push(line(None, self.theme.text, points.into()));
        }
        layers
    }

    /// Under the time axis, at its right end: how many series are left out.
    fn x_title(&self) -> Option<Line<'static>> {
        (self.hidden_lines > 0).then(|| {
            Line::from(Span::styled(
                format!("+{} more series", self.hidden_lines),
                self.theme.muted,
            ))
        })
    }
}

/// One thing drawn over the graph; named ones are listed in the legend.
/// A series' name and points are borrowed from the chart: a frame copies none of them.
struct Layer<'a> {
    name: Option<Cow<'a, str>>,
    style: Style,
    points: Cow<'a, [(f64, f64)]>,
    mark: Mark,
}

/// The legend's place at the graph's top left, as ratatui's `Chart` sizes it: shown only
/// within half the graph's width and 60 % of its height, and above the x title's row.
fn legend_area(graph: Rect, names: &[Line], x_title: bool) -> Option<Rect> {
    let inner = u16::try_from(names.iter().map(Line::width).max()?).ok()?;
    let (width, height) = (inner + 2, u16::try_from(names.len()).ok()? + 2);
    let [max_width] = LayoutSplit::horizontal([Constraint::Percentage(50)])
        .flex(Flex::Start)
        .areas(graph);
    let [max_height] = LayoutSplit::vertical([Constraint::Percentage(60)])
        .flex(Flex::Start)
        .areas(graph);
    let fits = inner > 0 && width <= max_width.width && height <= max_height.height;
    let room = i32::from(graph.height) - i32::from(height) - i32::from(x_title);
    (fits && room >= 0).then(|| Rect::new(graph.left(), graph.top(), width, height))
}

impl Widget for TimeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // The style the legend and the x title start from, as ratatui's Chart samples it.
        let Some(original) = buf.cell((area.x, area.y)).map(|c| c.style()) else {
            return;
        };
        if area.is_empty() {
            return;
        }
        let (y_min, y_max) = self.y_bounds();
        let (x_labels, y_labels) = (self.x_labels(), self.y_labels(y_min, y_max));
        let graph = axes::draw(area, buf, &x_labels, &y_labels, self.theme.axis);
        if graph.is_empty() {
            return;
        }
        let layers = self.layers(y_min, y_max);
        let mut plot = Plot::new(graph, [self.start, self.end], [y_min, y_max]);
        for layer in &layers {
            let color = layer.style.fg.unwrap_or(Color::Reset);
            plot.layer(&layer.points, color, layer.mark);
        }
        plot.render(graph, buf);

        let title = (self.x_title()).filter(|t| width_of(t) < graph.width && graph.height > 2);
        if let Some(title) = &title {
            let (x, y) = (graph.right() - width_of(title), graph.bottom() - 1);
            buf.set_style(Rect::new(x, y, width_of(title), 1), original);
            buf.set_line(x, y, title, width_of(title));
        }
        if !self.show_legend {
            return;
        }
        let names: Vec<Line> = (layers.iter())
            .filter_map(|l| Some(Line::from(l.name.clone()?).patch_style(l.style)))
            .collect();
        if let Some(legend) = legend_area(graph, &names, title.is_some()) {
            buf.set_style(legend, original);
            Block::bordered().render(legend, buf);
            for (row, name) in (legend.y + 1..).zip(names) {
                name.render(Rect::new(legend.x + 1, row, legend.width - 2, 1), buf);
            }
        }
    }
}

fn width_of(line: &Line) -> u16 {
    u16::try_from(line.width()).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;
    use ratatui::symbols::Marker;
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition};

    /// An axis with `labels` in the axis style.
    fn axis(labels: &[String], bounds: [f64; 2], style: Style) -> Axis<'static> {
        let labels: Vec<Span> = (labels.iter())
            .map(|l| Span::styled(l.clone(), style))
            .collect();
        Axis::default().bounds(bounds).labels(labels).style(style)
    }

    /// The chart as ratatui's `Chart` drew it whole, a canvas layer per line: the picture
    /// the one-pass painter must give, cell for cell.
    fn reference(chart: &TimeChart, area: Rect, buf: &mut Buffer) {
        let (y_min, y_max) = chart.y_bounds();
        let layers = chart.layers(y_min, y_max);
        let datasets: Vec<Dataset> = (layers.iter())
            .map(|l| {
                let (marker, kind) = match l.mark {
                    Mark::Line => (Marker::Braille, GraphType::Line),
                    Mark::Points => (Marker::HalfBlock, GraphType::Scatter),
                };
                let dataset = Dataset::default()
                    .marker(marker)
                    .graph_type(kind)
                    .style(l.style)
                    .data(&l.points);
                match &l.name {
                    Some(name) => dataset.name(name.clone()),
                    None => dataset,
                }
            })
            .collect();
        let mut x_axis = axis(
            &chart.x_labels(),
            [chart.start, chart.end],
            chart.theme.axis,
        );
        if let Some(title) = chart.x_title() {
            x_axis = x_axis.title(title);
        }
        Chart::new(datasets)
            .x_axis(x_axis)
            .y_axis(axis(
                &chart.y_labels(y_min, y_max),
                [y_min, y_max],
                chart.theme.axis,
            ))
            .legend_position(chart.show_legend.then_some(LegendPosition::TopLeft))
            .hidden_legend_constraints((Constraint::Percentage(50), Constraint::Percentage(60)))
            .render(area, buf);
    }

    fn chart(theme: &Theme, hidden_lines: usize, show_legend: bool) -> TimeChart<'_> {
        let wave = |phase: f64, scale: f64| -> Vec<(f64, f64)> {
            (0..120)
                .map(|i| {
                    let t = f64::from(i) * 5.0;
                    (t, scale * (1.0 + ((t / 40.0) + phase).sin()))
                })
                .collect()
        };
        let line = |name: &str, color, points| ChartLine {
            name: name.into(),
            style: Style::default().fg(color),
            points,
        };
        TimeChart {
            // Crossing lines, so that cells are shared; one point beyond the end.
            lines: vec![
                line("replica-1", Color::Cyan, wave(0.0, 0.4)),
                line("replica-2", Color::Magenta, wave(0.5, 0.5)),
                line(
                    "a long series name",
                    Color::Yellow,
                    vec![(10.0, 0.1), (700.0, 2.0)],
                ),
            ],
            start: 0.0,
            end: 600.0,
            thresholds: Thresholds {
                target: Some(0.7),
                alert: Some(0.95),
                ..Thresholds::default()
            },
            unit: Unit::Seconds,
            decimals: None,
            alert_columns: (0..40).map(|i| i % 7 < 2).collect(),
            cursor: Some(333.0),
            show_legend,
            relative: true,
            hidden_lines,
            markers: vec![ChartMarker {
                time: 120.0,
                style: Style::default().fg(Color::Blue),
            }],
            theme,
        }
    }

    #[test]
    fn the_one_pass_painter_draws_what_ratatui_s_chart_drew() {
        let theme = Theme::load("default").unwrap_or_else(|e| panic!("{e}"));
        for (width, height) in [
            (100, 30),
            (61, 17),
            (40, 9),
            (23, 6),
            (12, 4),
            (5, 3),
            (1, 1),
        ] {
            for (hidden, legend) in [(0, true), (4, true), (4, false)] {
                let area = Rect::new(2, 1, width, height);
                let canvas = Rect::new(0, 0, width + 4, height + 2);
                let (mut ours, mut theirs) = (Buffer::empty(canvas), Buffer::empty(canvas));
                chart(&theme, hidden, legend).render(area, &mut ours);
                reference(&chart(&theme, hidden, legend), area, &mut theirs);
                assert_eq!(
                    ours, theirs,
                    "{width}x{height}, {hidden} hidden, legend {legend}"
                );
            }
        }
    }
}
