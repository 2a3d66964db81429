//! KPI tables: one row per KPI with value, target, alert threshold and status; the row
//! takes the colour of its status, and the status is also spelled out.

use super::PanelWidget;
use crate::config::layout::Kpi;
use crate::model::duration::Form;
use crate::model::labels::legend;
use crate::model::{Bound, Status};
use crate::view::reading;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let (cells, columns) = fitted(data, area.width);
    let pick = |row: [String; 5]| -> Vec<String> {
        row.into_iter()
            .zip(columns)
            .filter(|(_, w)| *w > 0)
            .map(|(c, _)| c)
            .collect()
    };
    let status_column = columns.iter().filter(|w| **w > 0).count() - 1;
    let rows = cells
        .into_iter()
        .enumerate()
        .map(|(i, (c, status, values))| {
            let mut style = if status == Status::Ok {
                theme.text
            } else {
                theme.status(status)
            };
            if data.focus == Some(i) {
                style = style.patch(theme.selection);
            }
            let mut texts: Vec<Cell> = pick(c).into_iter().map(Cell::from).collect();
            // Side by side, each backend's value in the colour of its own status.
            if !values.is_empty() {
                let spans = values
                    .into_iter()
                    .enumerate()
                    .flat_map(|(i, (text, status))| {
                        let gap = Span::raw(if i == 0 { "" } else { "  " });
                        [gap, Span::styled(text, theme.status(status))]
                    });
                texts[1] = Cell::from(Line::from(spans.collect::<Vec<_>>()));
            }
            if let Some(last) = texts.pop() {
                texts.push(last.style(theme.status(status)));
            }
            debug_assert_eq!(texts.len(), status_column + 1);
            Row::new(texts).style(style)
        });
    let header = Row::new(pick(HEADERS.map(String::from))).style(theme.muted);
    let widths: Vec<Constraint> = columns
        .iter()
        .filter(|w| **w > 0)
        .enumerate()
        .map(|(i, w)| {
            if i == 1 {
                Constraint::Fill(1)
            } else {
                Constraint::Length(*w)
            }
        })
        .collect();
    Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .render(area, buf);
}

/// The rows' texts and the columns' widths at `width` cells: names in their short form
/// (and backends' names cut) when the whole ones do not fit.
fn fitted(data: &PanelWidget, width: u16) -> (Vec<KpiRow>, [u16; 5]) {
    let table = |short: bool| -> Vec<KpiRow> {
        data.panel
            .kpis
            .iter()
            .enumerate()
            .map(|(i, kpi)| {
                let mut row = if data.backends.len() > 1 {
                    side_by_side(data, kpi, short)
                } else {
                    row_cells(data, kpi, short)
                };
                // The selected row is marked in text too, for monochrome terminals.
                if data.focus == Some(i) {
                    row.0[0] = format!("▸{}", row.0[0]);
                }
                row
            })
            .collect()
    };
    let widths = |cells: &[KpiRow]| {
        [0, 1, 2, 3, 4].map(|col| {
            cells
                .iter()
                .map(|(c, _, _)| Line::raw(c[col].as_str()).width())
                .chain([HEADERS[col].len()])
                .max()
                .unwrap_or(0) as u16
        })
    };
    // Side by side, every backend's value must show: the name gives way first.
    let several = data.backends.len() > 1;
    let fit = |wanted: [u16; 5]| fit_columns(width, wanted, if several { wanted[1] } else { 12 });
    let mut cells = table(false);
    let mut wanted = widths(&cells);
    let mut columns = fit(wanted);
    // Names that do not fit give way to their `short` form before anything is cut.
    if columns[0] < wanted[0] && (several || data.panel.kpis.iter().any(|k| k.short.is_some())) {
        cells = table(true);
        wanted = widths(&cells);
        columns = fit(wanted);
    }
    (cells, columns)
}

const HEADERS: [&str; 5] = ["KPI", "Value", "Target", "Alert", "Status"];

/// A row's cells, its status and, side by side, each backend's value and status.
type KpiRow = ([String; 5], Status, Vec<(String, Status)>);

/// Column widths for `available` cells: the status always stays, then as much of the
/// name and value as fit; target and alert are dropped (width 0) first on narrow panels,
/// as the row's colour and status word already say where the value stands.
fn fit_columns(available: u16, wanted: [u16; 5], value_cap: u16) -> [u16; 5] {
    let [name, value, target, alert, status] = wanted;
    let spacing = |n: u16| n.saturating_sub(1);
    let value_room = value.min(value_cap);
    let full = target + alert + status + value_room + spacing(5);
    if available >= full + name.min(12) {
        return [name.min(available - full), value, target, alert, status];
    }
    let compact = status + value_room + spacing(3);
    [
        name.min(available.saturating_sub(compact)),
        value,
        0,
        0,
        status,
    ]
}

/// The KPI's name (`short`: its short form, if it has one), target and alert threshold.
fn fixed_cells(kpi: &Kpi, short: bool) -> (String, String, String) {
    let name = match (&kpi.short, short) {
        (Some(short), true) => short.clone(),
        _ => kpi.name.clone(),
    };
    let target = kpi.thresholds.text(Bound::Target, kpi.unit, kpi.decimals);
    let alert = kpi.thresholds.text(Bound::Alert, kpi.unit, kpi.decimals);
    (name, target, alert)
}

/// A row with one value per backend ("eu 120ms  us 310ms"; `short`: names cut to two
/// letters), each judged against the row's thresholds; the row's status is the worst, and
/// names the backends at it when not all are.
fn side_by_side(data: &PanelWidget, kpi: &Kpi, short: bool) -> KpiRow {
    let (name, target, alert) = fixed_cells(kpi, short);
    let names = backend_names(data.backends, short);
    let values: Vec<(String, Status)> = data
        .backends
        .iter()
        .zip(&names)
        .map(|(backend, name)| {
            let Some(query) = backend.store.query(kpi.query.id) else {
                return (format!("{name} —"), Status::NoData);
            };
            let r = reading(query, kpi.reduce, &kpi.thresholds, data.ctx);
            let value = r
                .value
                .map_or_else(|| "—".to_string(), |v| kpi.unit.format(v, kpi.decimals));
            // Never colour alone: a backend that is not fine carries its status' glyph.
            let glyph = if r.status == Status::Ok {
                ""
            } else {
                r.status.glyph()
            };
            (format!("{name} {value}{glyph}"), r.status)
        })
        .collect();
    let worst = values
        .iter()
        .map(|(_, s)| *s)
        .max()
        .unwrap_or(Status::NoData);
    let at_worst: Vec<&str> = names
        .iter()
        .zip(&values)
        .filter(|(_, (_, s))| *s == worst)
        .map(|(n, _)| n.as_str())
        .collect();
    let mut status = worst.label().to_string();
    if at_worst.len() < values.len() {
        status = format!("{status} {}", at_worst.join(" "));
    }
    let joined = values
        .iter()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join("  ");
    ([name, joined, target, alert, status], worst, values)
}

/// The backends' names as a row shows them: whole, or (`short`) their first two letters
/// when those still tell them apart.
fn backend_names(backends: &[crate::app::Backend], short: bool) -> Vec<String> {
    let whole: Vec<String> = backends.iter().map(|b| b.name.to_string()).collect();
    if !short {
        return whole;
    }
    let cut: Vec<String> = whole.iter().map(|n| n.chars().take(2).collect()).collect();
    let distinct = cut.iter().collect::<std::collections::BTreeSet<_>>().len() == cut.len();
    if distinct { cut } else { whole }
}

/// The texts of one KPI row, and its status.
fn row_cells(data: &PanelWidget, kpi: &Kpi, short: bool) -> KpiRow {
    let (name, target, alert) = fixed_cells(kpi, short);
    let Some(query) = data.store.query(kpi.query.id) else {
        return (
            [
                name,
                "—".into(),
                target,
                alert,
                Status::NoData.label().into(),
            ],
            Status::NoData,
            Vec::new(),
        );
    };
    let r = reading(query, kpi.reduce, &kpi.thresholds, data.ctx);
    let mut value = r
        .value
        .map_or_else(|| "—".to_string(), |v| kpi.unit.format(v, kpi.decimals));
    // An empty answer says why, where its value would be.
    if crate::view::why_empty::is_empty(query)
        && let Some(why) =
            crate::view::why_empty::reason(&query.expr, &data.store.server, data.ctx.now)
    {
        value = format!("— {why}");
    }
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
        (Status::Stale, Some(a)) => format!("STALE {}", Form::Age.seconds(a)),
        (s, _) => s.label().to_string(),
    };
    ([name, value, target, alert, status], r.status, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::fit_columns;

    #[test]
    fn narrow_tables_drop_thresholds_before_names() {
        assert_eq!(fit_columns(80, [23, 15, 8, 8, 6], 12), [23, 15, 8, 8, 6]);
        let narrow = fit_columns(26, [23, 15, 8, 8, 6], 12);
        assert_eq!((narrow[2], narrow[3], narrow[4]), (0, 0, 6));
        assert!(narrow[0] >= 5, "{narrow:?}");
    }
}
