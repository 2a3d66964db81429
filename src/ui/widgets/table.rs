//! Table panels: one line per series of the panel's instant queries, a column per label
//! (the layout's `columns`, else the labels that tell the series apart) and the value in
//! the panel's unit, coloured by its thresholds. Worst first when there are thresholds.

use super::PanelWidget;
use crate::model::Labels;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};
use std::collections::BTreeSet;

/// A column never takes more than this many cells; the value keeps its room.
const MAX_COLUMN: usize = 40;

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
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
    let lines: Vec<(Vec<String>, String, f64)> = series
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

    // The header takes a line; when series are left out, the last line counts them.
    let rows = usize::from(area.height.saturating_sub(1));
    let hidden = lines.len().saturating_sub(rows);
    let shown = if hidden > 0 {
        rows.saturating_sub(1)
    } else {
        lines.len()
    };
    let width = |i: usize| {
        lines
            .iter()
            .map(|(cells, _, _)| cells[i].chars().count())
            .chain([header_names[i].chars().count()])
            .max()
            .unwrap_or(0)
            .min(MAX_COLUMN) as u16
    };
    let value_width = lines
        .iter()
        .map(|(_, text, _)| text.chars().count())
        .chain(["Value".len()])
        .max()
        .unwrap_or(0) as u16;
    let mut widths: Vec<Constraint> = (0..header_names.len())
        .map(|i| Constraint::Max(width(i)))
        .collect();
    widths.push(Constraint::Length(value_width));

    let table_rows: Vec<Row> = lines
        .iter()
        .take(shown)
        .map(|(cells, text, value)| {
            let style = if thresholds.is_empty() {
                data.theme.text
            } else {
                data.theme.status(thresholds.classify(*value))
            };
            let mut row: Vec<Cell> = cells.iter().map(|c| Cell::from(c.as_str())).collect();
            let value_text = format!("{text:>w$}", w = usize::from(value_width));
            row.push(Cell::from(Span::styled(value_text, style)));
            Row::new(row).style(data.theme.text)
        })
        .collect();
    let mut header: Vec<String> = header_names;
    header.push(format!("{:>w$}", "Value", w = usize::from(value_width)));
    let table_area = Rect {
        height: area.height.saturating_sub(u16::from(hidden > 0)),
        ..area
    };
    Table::new(table_rows, widths)
        .header(Row::new(header).style(data.theme.muted))
        .column_spacing(1)
        .render(table_area, buf);
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
