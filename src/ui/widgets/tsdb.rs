//! The server's head cardinality (`/api/v1/status/tsdb`) and what each query of this
//! dashboard costs it, with a warning where a query returns more series than a panel keeps.

use super::PanelWidget;
use crate::model::Status;
use crate::store::Store;
use crate::view::server::query_costs;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

/// Entries of each top list shown.
const TOP: usize = 5;

/// Lines the panel's content takes: the taller of its two columns. The grid gives the
/// panel no more than that.
pub fn height(store: &Store) -> u16 {
    let Some(Ok(facts)) = store.server.facts.as_ref().map(|a| a.result.as_ref()) else {
        // A line saying what is awaited, or what failed (which may wrap once).
        return 2;
    };
    let tsdb = &facts.tsdb;
    let server = 3 + tsdb.series_by_metric.len().min(TOP) + tsdb.values_by_label.len().min(TOP);
    let dashboard = 2 + query_costs(store).len();
    u16::try_from(server.max(dashboard)).unwrap_or(u16::MAX)
}

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let Some(answer) = &data.store.server.facts else {
        Paragraph::new("waiting for Prometheus' status…")
            .style(theme.stale)
            .render(area, buf);
        return;
    };
    let facts = match &answer.result {
        Ok(facts) => facts,
        Err(e) => {
            Paragraph::new(format!("⚠ /api/v1/status: {e}"))
                .style(theme.error)
                .render(area, buf);
            return;
        }
    };
    let tsdb = &facts.tsdb;
    let mut server = vec![Line::styled(
        format!(
            "head: {} series · {} chunks · {} label pairs",
            tsdb.head_series, tsdb.head_chunks, tsdb.label_pairs
        ),
        theme.text,
    )];
    server.push(Line::styled("top metrics by series", theme.muted));
    server.extend(
        tsdb.series_by_metric
            .iter()
            .take(TOP)
            .map(|(name, n)| Line::styled(format!("{n:>8}  {name}"), theme.text)),
    );
    server.push(Line::styled("top labels by values", theme.muted));
    server.extend(
        tsdb.values_by_label
            .iter()
            .take(TOP)
            .map(|(name, n)| Line::styled(format!("{n:>8}  {name}"), theme.text)),
    );
    let mut dashboard = vec![Line::styled(
        "series per query of this dashboard",
        theme.muted,
    )];
    let costs = query_costs(data.store);
    let total: usize = costs.iter().map(|c| c.series).sum();
    dashboard.push(Line::styled(format!("{total:>8}  in all"), theme.text));
    for cost in costs {
        let (style, note) = if cost.cut > 0 {
            (
                theme.status(Status::Warn),
                format!("  ⚠ {} more than a panel shows", cost.cut),
            )
        } else {
            (theme.text, String::new())
        };
        dashboard.push(Line::styled(
            format!("{:>8}  {}{note}", cost.series, cost.expr),
            style,
        ));
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Fill(1)]).areas(area);
    Paragraph::new(server).render(left, buf);
    Paragraph::new(dashboard).render(right, buf);
}
