//! Table panels: one line per series of the panel's instant queries, a column per label
//! (the layout's `columns`, else the labels that tell the series apart) and the value in
//! the panel's unit, coloured by its thresholds. Worst first when there are thresholds.

use super::PanelWidget;
use super::columns::{Column, ellipsis, fitted, widths};
use crate::model::Labels;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};
use std::collections::BTreeSet;

/// One series' line: its label cells, its value as shown and the value itself.
type SeriesLine = (Vec<String>, String, f64);

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let (header_names, lines) = series_lines(data);
    // The header takes a line; when series are left out, the last line counts them.
    let rows = usize::from(area.height.saturating_sub(1));
    let hidden = lines.len().saturating_sub(rows);
    let shown = if hidden > 0 {
        rows.saturating_sub(1)
    } else {
        lines.len()
    };
    let table_area = Rect {
        height: area.height.saturating_sub(u16::from(hidden > 0)),
        ..area
    };
    table(data, header_names, &lines, shown, area.width).render(table_area, buf);
    if hidden > 0 {
        let more = format!("… {} more", lines.len() - shown);
        Line::from(Span::styled(more, data.theme.muted)).render(
            Rect {
                y: table_area.bottom(),
                height: 1,
                ..area
            },
            buf,
        );
    }
}

/// The header's label columns and a line per series, worst first when there are
/// thresholds (else in label order).
fn series_lines(data: &PanelWidget) -> (Vec<String>, Vec<SeriesLine>) {
    let panel = data.panel;
    let mut series = data.current_series();
    let thresholds = &panel.thresholds;
    if thresholds.is_empty() {
        series.sort_by(|a, b| a.1.labels.cmp(&b.1.labels));
    } else {
        let badness = |v: f64| {
            if v.is_nan() {
                f64::NEG_INFINITY
            } else {
                thresholds.direction.badness(v)
            }
        };
        series.sort_by(|a, b| badness(b.2).total_cmp(&badness(a.2)));
    }
    let labels: Vec<&Labels> = series.iter().map(|(_, s, _)| &s.labels).collect();
    let columns = panel
        .columns
        .clone()
        .unwrap_or_else(|| differing_labels(&labels));
    // Several queries, or series nothing tells apart, are named by their legend.
    let by_legend = panel.queries.len() > 1 || columns.is_empty();
    let mut header_names: Vec<String> = Vec::new();
    if by_legend {
        header_names.push("Series".to_string());
    }
    header_names.extend(columns.iter().cloned());
    let lines = series
        .iter()
        .map(|(name, s, value)| {
            let mut cells = Vec::with_capacity(header_names.len());
            if by_legend {
                cells.push(name.clone());
            }
            cells.extend(
                columns
                    .iter()
                    .map(|c| s.labels.get(c).cloned().unwrap_or_default()),
            );
            (cells, data.format(*value), *value)
        })
        .collect();
    (header_names, lines)
}

/// The table of the first `shown` lines in `width` columns: labels as wide as their
/// longest value, cut with `…` when the panel is narrower (the one rule of every table,
/// `columns`); the value is never cut (as wide as every line's, shown or not), and alone
/// coloured by the thresholds.
fn table<'a>(
    data: &PanelWidget,
    header_names: Vec<String>,
    lines: &[SeriesLine],
    shown: usize,
    width: u16,
) -> Table<'a> {
    let value_width = lines
        .iter()
        .map(|(_, text, _)| text.chars().count())
        .chain(["Value".len()])
        .max()
        .unwrap_or(0);
    let mut kinds = vec![Column::Content; header_names.len()];
    kinds.push(Column::Name);
    let mut header: Vec<String> = header_names;
    header.push(format!("{:>value_width$}", "Value"));
    let cells: Vec<Vec<String>> = std::iter::once(header)
        .chain(lines.iter().take(shown).map(|(cells, text, _)| {
            let mut row = cells.clone();
            row.push(format!("{text:>value_width$}"));
            row
        }))
        .collect();
    let widths = widths(&kinds, &cells, width, 1);
    let mut rows = cells.into_iter();
    let header = rows
        .next()
        .map(|c| fitted(&kinds, &widths, c).style(data.theme.muted));
    let thresholds = &data.panel.thresholds;
    let table_rows: Vec<Row> = rows
        .zip(lines)
        .map(|(mut cells, (_, _, value))| {
            let style = if thresholds.is_empty() {
                data.theme.text
            } else {
                data.theme.status(thresholds.classify(*value))
            };
            let value_text = cells.pop().unwrap_or_default();
            let mut row: Vec<Cell> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| Cell::from(ellipsis(c, *w)))
                .collect();
            row.push(Cell::from(Span::styled(value_text, style)));
            Row::new(row).style(data.theme.text)
        })
        .collect();
    let mut table =
        Table::new(table_rows, widths.iter().map(|w| Constraint::Length(*w))).column_spacing(1);
    if let Some(header) = header {
        table = table.header(header);
    }
    table
}

/// Labels whose values are not the same on every series (a missing label counts as a
/// value), in name order; `__name__` only when the series are different metrics.
fn differing_labels(series: &[&Labels]) -> Vec<String> {
    let names: BTreeSet<&String> = series.iter().flat_map(|l| l.keys()).collect();
    names
        .into_iter()
        .filter(|name| {
            let mut values = series.iter().map(|l| l.get(*name));
            let first = values.next().flatten();
            values.any(|v| v != first)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::differing_labels;

    use crate::model::labels::from_pairs as labels;

    #[test]
    fn only_labels_that_tell_series_apart_become_columns() {
        let a = labels(&[("job", "node"), ("instance", "a:9100"), ("mode", "idle")]);
        let b = labels(&[("job", "node"), ("instance", "b:9100")]);
        assert_eq!(differing_labels(&[&a, &b]), ["instance", "mode"]);
        assert!(differing_labels(&[&a]).is_empty());
    }
}
