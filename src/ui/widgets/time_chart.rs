//! A line chart over absolute time: one line per series, target and alert thresholds as
//! lines, the stretches beyond the alert threshold marked along the x axis, and an optional
//! inspect cursor. Drill views use it at any zoom; x labels are clock times.

use crate::config::Theme;
use crate::model::duration::Form;
use crate::model::{Thresholds, Unit};
use chrono::{Local, TimeZone};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Widget};
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

    /// The time axis: clock times (or "-15m … now"), and how many series are left out.
    fn x_axis(&self) -> Axis<'static> {
        let axis = self.theme.axis;
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
        let x_labels = vec![
            Span::styled(label(self.start), axis),
            Span::styled(label((self.start + self.end) / 2.0), axis),
            Span::styled(label(self.end), axis),
        ];
        let mut x_axis = Axis::default()
            .bounds([self.start, self.end])
            .labels(x_labels)
            .style(axis);
        if self.hidden_lines > 0 {
            x_axis = x_axis.title(Span::styled(
                format!("+{} more series", self.hidden_lines),
                self.theme.muted,
            ));
        }
        x_axis
    }

    /// The value axis from `y_min` to `y_max`, labelled at both ends and the middle.
    fn y_axis(&self, y_min: f64, y_max: f64) -> Axis<'static> {
        let axis = self.theme.axis;
        let format = |v: f64| self.unit.format(v, self.decimals);
        let y_labels = vec![
            Span::styled(format(y_min), axis),
            Span::styled(format((y_min + y_max) / 2.0), axis),
            Span::styled(format(y_max), axis),
        ];
        Axis::default()
            .bounds([y_min, y_max])
            .labels(y_labels)
            .style(axis)
    }
}

/// A line through `points` without a legend entry.
fn line(style: Style, points: &[(f64, f64)]) -> Dataset<'_> {
    Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(points)
}

impl Widget for TimeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let (y_min, y_max) = self.y_bounds();
        let thresholds = self.threshold_lines(y_max);
        let alert_marks = self.alert_marks(y_min);
        let cursor = self.cursor.map(|t| [(t, y_min), (t, y_max)]);
        let marker_lines = marker_lines(&self.markers, y_min, y_max);

        let mut datasets: Vec<Dataset> = self
            .lines
            .iter()
            .map(|l| line(l.style, &l.points).name(l.name.clone()))
            .collect();
        for (name, style, points) in &thresholds {
            datasets.push(line(*style, points).name(name.clone()));
        }
        if !alert_marks.is_empty() {
            datasets.push(
                Dataset::default()
                    .name("beyond alert")
                    .marker(Marker::HalfBlock)
                    .graph_type(GraphType::Scatter)
                    .style(theme.alert)
                    .data(&alert_marks),
            );
        }
        for (style, points) in &marker_lines {
            datasets.push(line(*style, points));
        }
        if let Some(points) = &cursor {
            datasets.push(line(theme.text, points));
        }

        let legend = if self.show_legend {
            Some(LegendPosition::TopLeft)
        } else {
            None
        };
        Chart::new(datasets)
            .x_axis(self.x_axis())
            .y_axis(self.y_axis(y_min, y_max))
            .legend_position(legend)
            .hidden_legend_constraints((Constraint::Percentage(50), Constraint::Percentage(60)))
            .render(area, buf);
    }
}
