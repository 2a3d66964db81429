//! KPI tables: one row per KPI with value, target, alert threshold and status; the row
//! takes the colour of its status, and the status is also spelled out.

use super::PanelData;
use crate::config::layout::Kpi;
use crate::model::labels::legend;
use crate::model::{Direction, Status, Thresholds, Unit};
use crate::ui::status_bar::age;
use crate::view::reading;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row, Table, Widget};

/// "< 200 ms" for a target, "> 500 ms" for an alert (signs flip when below is bad).
fn bound(
    value: Option<f64>,
    thresholds: &Thresholds,
    unit: Unit,
    decimals: Option<u8>,
    is_alert: bool,
) -> String {
    let Some(v) = value else {
        return "–".to_string();
    };
    let sign = match (thresholds.direction, is_alert) {
        (Direction::Above, false) | (Direction::Below, true) => "<",
        (Direction::Above, true) | (Direction::Below, false) => ">",
    };
    format!("{sign} {}", unit.format(v, decimals))
}

pub fn render(data: &PanelData, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let cells: Vec<([String; 5], Status)> = data
        .panel
        .kpis
        .iter()
        .map(|kpi| row_cells(data, kpi))
        .collect();
    let width = |col: usize, header: &str| {
        cells
            .iter()
            .map(|(c, _)| c[col].chars().count())
            .chain([header.len()])
            .max()
            .unwrap_or(0) as u16
    };
    // Target, alert and status take what they need; the name comes next, keeping room
    // for at least a number in the value column, which (with the series that produced
    // it) gets the rest.
    let (target, alert, status) = (width(2, "Target"), width(3, "Alert"), width(4, "Status"));
    let value_room = width(1, "Value").min(12);
    let name = width(0, "KPI").min(area.width.saturating_sub(target + alert + status + value_room + 4));
    let widths = [Constraint::Length(name), Constraint::Fill(1), Constraint::Length(target), Constraint::Length(alert), Constraint::Length(status)];
    let rows = cells.into_iter().map(|(c, status)| {
        let style = if status == Status::Ok {
            theme.text
        } else {
            theme.status(status)
        };
        let [name, value, target, alert, status_text] = c;
        Row::new(vec![
            Cell::from(name),
            Cell::from(value),
            Cell::from(target),
            Cell::from(alert),
            Cell::from(status_text).style(theme.status(status)),
        ])
        .style(style)
    });
    let header = Row::new(["KPI", "Value", "Target", "Alert", "Status"]).style(theme.muted);
    Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .render(area, buf);
}

/// The texts of one KPI row, and its status.
fn row_cells(data: &PanelData, kpi: &Kpi) -> ([String; 5], Status) {
    let target = bound(
        kpi.thresholds.target,
        &kpi.thresholds,
        kpi.unit,
        kpi.decimals,
        false,
    );
    let alert = bound(
        kpi.thresholds.alert,
        &kpi.thresholds,
        kpi.unit,
        kpi.decimals,
        true,
    );
    let Some(query) = data.store.query(kpi.query.id) else {
        return (
            [
                kpi.name.clone(),
                "—".into(),
                target,
                alert,
                Status::NoData.label().into(),
            ],
            Status::NoData,
        );
    };
    let r = reading(query, kpi.reduce, &kpi.thresholds, data.ctx);
    let mut value = r
        .value
        .map_or_else(|| "—".to_string(), |v| kpi.unit.format(v, kpi.decimals));
    // Name the series behind a reduced value: which replica lags, which pool is full.
    if query.current().nth(1).is_some()
        && let Some(series) = r.series
    {
        value = format!(
            "{value}  {}",
            legend(kpi.query.legend.as_deref(), &series.labels)
        );
    }
    let status = match (r.status, r.age) {
        (Status::Stale, Some(a)) => format!("STALE {}", age(a)),
        (s, _) => s.label().to_string(),
    };
    ([kpi.name.clone(), value, target, alert, status], r.status)
}
