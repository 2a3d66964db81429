//! Table columns sized by what they hold: a name column is as wide as its longest cell and
//! never cut; the free-text columns share what is left and end in `…` when cut.

use ratatui::text::Line;
use ratatui::widgets::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// As wide as its widest cell (header included), never narrower: a name.
    Name,
    /// As wide as its widest cell, but cut (from the right) before a name is when the
    /// table is narrower than its content.
    Content,
    /// A share of what the content columns leave, by weight; cut text ends in `…`.
    Fill(u16),
}

/// The width of every column of `cells` (rows of equal length, header first) in `total`
/// columns with `spacing` between them.
pub fn widths(columns: &[Column], cells: &[Vec<String>], total: u16, spacing: u16) -> Vec<u16> {
    let content = |i: usize| {
        cells
            .iter()
            .filter_map(|row| row.get(i))
            .map(|cell| Line::raw(cell.as_str()).width())
            .max()
            .unwrap_or(0)
    };
    let mut out: Vec<u16> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Column::Name | Column::Content => u16::try_from(content(i)).unwrap_or(u16::MAX),
            Column::Fill(_) => 0,
        })
        .collect();
    let gaps = spacing.saturating_mul(u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0));
    let used = |out: &[u16]| out.iter().fold(gaps, |a, w| a.saturating_add(*w));
    // Too narrow: the other content columns give way, last first, so names stay whole.
    for i in (0..columns.len()).rev() {
        let over = used(&out).saturating_sub(total);
        if over == 0 {
            break;
        }
        if columns[i] == Column::Content {
            out[i] = out[i].saturating_sub(over);
        }
    }
    let left = total.saturating_sub(used(&out));
    let weights: u16 = columns
        .iter()
        .map(|c| match c {
            Column::Fill(w) => *w,
            Column::Name | Column::Content => 0,
        })
        .sum();
    if weights == 0 {
        return out;
    }
    let mut given = 0;
    let last_fill = columns.iter().rposition(|c| matches!(c, Column::Fill(_)));
    for (i, column) in columns.iter().enumerate() {
        if let Column::Fill(w) = column {
            // The last fill column takes the rounding remainder.
            let share = if Some(i) == last_fill {
                left - given
            } else {
                (u32::from(left) * u32::from(*w) / u32::from(weights)) as u16
            };
            out[i] = share;
            given += share;
        }
    }
    out
}

/// `text` cut to `width` columns, ending in `…` when cut.
pub fn ellipsis(text: &str, width: u16) -> String {
    let width = usize::from(width);
    if Line::raw(text).width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = Line::raw(c.to_string()).width();
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Rows of `cells` with the fill columns cut to their width.
pub fn fitted(columns: &[Column], widths: &[u16], cells: Vec<String>) -> Row<'static> {
    Row::new(
        cells.into_iter().zip(columns.iter().zip(widths)).map(
            |(cell, (column, width))| match column {
                Column::Name => cell,
                Column::Fill(_) | Column::Content => ellipsis(&cell, *width),
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_columns_fit_their_longest_cell_and_fill_takes_the_rest() {
        let cells = vec![
            vec!["Alert".to_string(), "Labels".into(), "Description".into()],
            vec![
                "LocalDatabaseReplicationLagCritical".into(),
                "replica=replica-2".into(),
                "lag".into(),
            ],
        ];
        let columns = [Column::Name, Column::Fill(2), Column::Fill(3)];
        let w = widths(&columns, &cells, 100, 1);
        assert_eq!(w[0], 35, "the name is never cut");
        assert_eq!(w[0] + w[1] + w[2] + 2, 100);
        assert_eq!(w[1], 25);
        // Too narrow: the fill columns get nothing, the name keeps its width.
        assert_eq!(widths(&columns, &cells, 20, 1), vec![35, 0, 0]);
    }

    #[test]
    fn when_content_does_not_fit_the_other_columns_give_way_before_the_name() {
        let cells = vec![vec![
            "FIRING".to_string(),
            "DatabaseReplicationLag".into(),
            "server".into(),
        ]];
        let columns = [Column::Content, Column::Name, Column::Content];
        // 6 + 22 + 6 and two gaps need 36.
        assert_eq!(widths(&columns, &cells, 36, 1), vec![6, 22, 6]);
        assert_eq!(widths(&columns, &cells, 32, 1), vec![6, 22, 2]);
        assert_eq!(widths(&columns, &cells, 26, 1), vec![2, 22, 0]);
    }

    #[test]
    fn cut_text_ends_in_an_ellipsis() {
        assert_eq!(ellipsis("route=/api/images", 8), "route=/…");
        assert_eq!(ellipsis("short", 8), "short");
        assert_eq!(ellipsis("abc", 0), "");
        assert_eq!(ellipsis("abcd", 1), "…");
        assert_eq!(Line::raw(ellipsis("ab→cd→ef", 5)).width(), 5);
    }
}
