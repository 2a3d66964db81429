//! KPI tables: one row per KPI with value, target, alert threshold and status; the row
//! takes the colour of its status, and the status is also spelled out.

use super::PanelData;
use crate::model::labels::legend;
use crate::model::{Direction, Status, Thresholds, Unit};
use crate::ui::status_bar::age;
use crate::view::reading;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Text;
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
    let rows = data.panel.kpis.iter().map(|kpi| {
        let Some(query) = data.store.query(kpi.query.id) else {
            return Row::new(vec![Cell::from(kpi.name.as_str())]);
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
        let status_text = match (r.status, r.age) {
            (Status::Stale, Some(a)) => format!("STALE {}", age(a)),
            (s, _) => s.label().to_string(),
        };
        let style = match r.status {
            Status::Ok => theme.text,
            other => theme.status(other),
        };
        Row::new(vec![
            Cell::from(kpi.name.as_str()),
            Cell::from(Text::from(value)),
            Cell::from(bound(
                kpi.thresholds.target,
                &kpi.thresholds,
                kpi.unit,
                kpi.decimals,
                false,
            )),
            Cell::from(bound(
                kpi.thresholds.alert,
                &kpi.thresholds,
                kpi.unit,
                kpi.decimals,
                true,
            )),
            Cell::from(status_text).style(theme.status(r.status)),
        ])
        .style(style)
    });
    let header = Row::new(["KPI", "Value", "Target", "Alert", "Status"]).style(theme.muted);
    let widths = [
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .render(area, buf);
}
