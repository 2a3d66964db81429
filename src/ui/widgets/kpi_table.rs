//! KPI tables: one row per KPI with value, target, alert threshold and status; the row
//! takes the colour of its status, and the status is also spelled out. Several backends
//! side by side are drawn by `kpi_backends.rs`.

use super::PanelWidget;
use crate::config::layout::Kpi;
use crate::model::duration::Form;
use crate::model::labels::legend;
use crate::model::{Bound, Status};
use crate::view::reading;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let table = |short: bool| -> Vec<([String; 5], Status)> {
        data.panel
            .kpis
            .iter()
            .enumerate()
            .map(|(i, kpi)| {
                let (mut cells, status) = row_cells(data, kpi, short);
                // The selected row is marked in text too, for monochrome terminals.
                if data.focus == Some(i) {
                    cells[0] = format!("▸{}", cells[0]);
                }
                (cells, status)
            })
            .collect()
    };
    let widths = |cells: &[([String; 5], Status)]| {
        [0, 1, 2, 3, 4].map(|col| {
            cells
                .iter()
                .map(|(c, _)| Line::raw(c[col].as_str()).width())
                .chain([HEADERS[col].len()])
                .max()
                .unwrap_or(0) as u16
        })
    };
    let mut cells = table(false);
    let mut wanted = widths(&cells);
    let mut columns = fit_columns(area.width, wanted);
    // Names that do not fit give way to their `short` form before anything is cut.
    if columns[0] < wanted[0] && data.panel.kpis.iter().any(|k| k.short.is_some()) {
        cells = table(true);
        wanted = widths(&cells);
        columns = fit_columns(area.width, wanted);
    }
    let pick = |row: [String; 5]| -> Vec<String> {
        row.into_iter()
            .zip(columns)
            .filter(|(_, w)| *w > 0)
            .map(|(c, _)| c)
            .collect()
    };
    let rows: Vec<(Vec<String>, Style, Style)> = (cells.into_iter().enumerate())
        .map(|(i, (c, status))| {
            let mut style = if status == Status::Ok {
                theme.text
            } else {
                theme.status(status)
            };
            if data.focus == Some(i) {
                style = style.patch(theme.selection);
            }
            (pick(c), style, theme.status(status))
        })
        .collect();
    let header = pick(HEADERS.map(String::from));
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
    draw(area, buf, (&header, theme.muted), &rows, &widths);
}

/// The table as ratatui's `Table` draws it with one column between columns: the header
/// row, then a row per KPI in its style, its last cell (the status) in its own; the
/// columns placed by the same layout. Drawn here because `Table` built a row, a cell, a
/// text, a line and a span for every cell and styled each of them, every frame: most of
/// a KPI table's cost (a test holds the two equal).
fn draw(
    area: Rect,
    buf: &mut Buffer,
    (header, header_style): (&[String], Style),
    rows: &[(Vec<String>, Style, Style)],
    widths: &[Constraint],
) {
    if area.is_empty() {
        return;
    }
    let columns = Layout::horizontal(widths.iter().copied())
        .flex(Flex::Start)
        .spacing(1)
        .split(Rect::new(0, 0, area.width, 1));
    let lines = std::iter::once((header, header_style, None)).chain(
        rows.iter()
            .map(|(cells, style, last)| (cells.as_slice(), *style, Some(*last))),
    );
    for (y, (cells, style, last_style)) in (area.top()..area.bottom()).zip(lines) {
        buf.set_style(Rect::new(area.x, y, area.width, 1), style);
        for (i, (text, column)) in cells.iter().zip(columns.iter()).enumerate() {
            let cell = Rect::new(area.x + column.x, y, column.width, 1);
            if let Some(last) = last_style.filter(|_| i + 1 == cells.len()) {
                buf.set_style(cell, last);
            }
            Span::raw(text.as_str()).render(cell, buf);
        }
    }
}

pub(super) const HEADERS: [&str; 5] = ["KPI", "Value", "Target", "Alert", "Status"];

/// Column widths for `available` cells: the status always stays, then as much of the
/// name and value as fit; target and alert are dropped (width 0) first on narrow panels,
/// as the row's colour and status word already say where the value stands.
fn fit_columns(available: u16, wanted: [u16; 5]) -> [u16; 5] {
    let [name, value, target, alert, status] = wanted;
    let spacing = |n: u16| n.saturating_sub(1);
    let value_room = value.min(12);
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

/// The texts of one KPI row, and its status.
fn row_cells(data: &PanelWidget, kpi: &Kpi, short: bool) -> ([String; 5], Status) {
    let name = match (&kpi.short, short) {
        (Some(short), true) => short.clone(),
        _ => kpi.name.clone(),
    };
    let target = kpi.thresholds.text(Bound::Target, kpi.unit, kpi.decimals);
    let alert = kpi.thresholds.text(Bound::Alert, kpi.unit, kpi.decimals);
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
    ([name, value, target, alert, status], r.status)
}

#[cfg(test)]
mod tests {
    use super::{draw, fit_columns};
    use ratatui::buffer::Buffer;
    use ratatui::layout::{Constraint, Rect};
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::widgets::{Cell, Row, Table, Widget};

    #[test]
    fn the_table_is_drawn_as_ratatui_s_table_draws_it() {
        let text = |s: &str| s.to_string();
        let header: Vec<String> = ["KPI", "Value", "Target", "Alert", "Status"]
            .map(text)
            .to_vec();
        let ok = Style::default().fg(Color::White);
        let alert = Style::default().fg(Color::Red).add_modifier(Modifier::BOLD);
        let selected = ok.bg(Color::DarkGray);
        let rows: Vec<(Vec<String>, Style, Style)> = vec![
            (
                ["▸API response time", "126 ms", "< 200 ms", "> 500 ms", "OK"]
                    .map(text)
                    .to_vec(),
                selected,
                ok,
            ),
            (
                [
                    "Replication lag",
                    "9.56 s  replica-2 界",
                    "< 1.00 s",
                    "> 5.00 s",
                    "ALERT",
                ]
                .map(text)
                .to_vec(),
                alert,
                alert,
            ),
            (
                [
                    "Error rate",
                    "— no series match",
                    "",
                    "> 5.00%",
                    "STALE 12s",
                ]
                .map(text)
                .to_vec(),
                ok,
                alert,
            ),
        ];
        let widths = |value_fill: bool| -> Vec<Constraint> {
            [18, 14, 8, 8, 9]
                .into_iter()
                .enumerate()
                .map(|(i, w)| {
                    if i == 1 && value_fill {
                        Constraint::Fill(1)
                    } else {
                        Constraint::Length(w)
                    }
                })
                .collect()
        };
        for fill in [true, false] {
            for width in 1..90 {
                for height in 1..6 {
                    let area = Rect::new(2, 1, width, height);
                    let canvas = Rect::new(0, 0, width + 4, height + 2);
                    let base = Style::default().bg(Color::Blue);
                    let (mut ours, mut theirs) = (Buffer::empty(canvas), Buffer::empty(canvas));
                    ours.set_style(canvas, base);
                    theirs.set_style(canvas, base);
                    draw(
                        area,
                        &mut ours,
                        (&header, Style::default().fg(Color::Gray)),
                        &rows,
                        &widths(fill),
                    );
                    let table_rows = rows.iter().map(|(cells, style, last)| {
                        let mut cells: Vec<Cell> =
                            cells.iter().map(|c| Cell::from(c.as_str())).collect();
                        if let Some(status) = cells.pop() {
                            cells.push(status.style(*last));
                        }
                        Row::new(cells).style(*style)
                    });
                    Table::new(table_rows, widths(fill))
                        .header(
                            Row::new(header.iter().map(String::as_str))
                                .style(Style::default().fg(Color::Gray)),
                        )
                        .column_spacing(1)
                        .render(area, &mut theirs);
                    assert_eq!(ours, theirs, "{width}x{height}, fill {fill}");
                }
            }
        }
    }

    #[test]
    fn narrow_tables_drop_thresholds_before_names() {
        assert_eq!(fit_columns(80, [23, 15, 8, 8, 6]), [23, 15, 8, 8, 6]);
        let narrow = fit_columns(26, [23, 15, 8, 8, 6]);
        assert_eq!((narrow[2], narrow[3], narrow[4]), (0, 0, 6));
        assert!(narrow[0] >= 5, "{narrow:?}");
    }
}
