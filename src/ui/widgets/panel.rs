//! The frame every panel shares: border and title in the panel's status, a badge naming
//! the status, and a line explaining errors, staleness or cut results.

use super::PanelWidget;
use super::{
    alert_list, alerts, bar, chart, gauge, kpi_backends, kpi_table, slo, sparkline, stat, table,
    targets, tsdb,
};
use crate::config::Theme;
use crate::config::layout::{Content, Panel, PanelKind};
use crate::model::Status;
use crate::model::duration::Form;
use crate::store::QueryData;
use crate::view::alert_groups::AlertsView;
use crate::view::{health, panel_status_across};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

/// Why a panel's data is not simply fresh, in words.
fn problem(data: &PanelWidget) -> Option<(Status, String)> {
    let mut ids: Vec<usize> = data.panel.query_ids().collect();
    // The selected KPI row's problem is the one to read first.
    if let Some(selected) = data.focus.and_then(|k| data.panel.kpis.get(k)) {
        ids.retain(|id| *id != selected.query.id);
        ids.insert(0, selected.query.id);
    }
    for id in ids {
        let Some(query) = data.store.query(id) else {
            continue;
        };
        let since = query
            .last_eval
            .map(|at| format!(" (last value {} ago)", Form::Age.seconds(data.ctx.now - at)))
            .unwrap_or_default();
        let kpis = data.panel.kind.content() == Content::Kpis;
        match health(query, data.ctx) {
            Some(Status::Error) => {
                let err = query
                    .error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Some((Status::Error, format!("⚠ {err}{since}")));
            }
            Some(Status::Stale) => return Some((Status::Stale, format!("stale{since}"))),
            Some(Status::NoData) if query.last_eval.is_none() && !kpis => {
                return Some((Status::NoData, "waiting for data…".to_string()));
            }
            Some(Status::NoData) if kpis => {
                let why =
                    crate::view::why_empty::reason(&query.expr, &data.store.server, data.ctx.now);
                let kpi = data.panel.kpis.iter().find(|k| k.query.id == id);
                if let (Some(why), Some(kpi)) = (why, kpi) {
                    return Some((Status::NoData, format!("{}: {why}", kpi.name)));
                }
            }
            Some(Status::NoData) => {
                let why =
                    crate::view::why_empty::reason(&query.expr, &data.store.server, data.ctx.now)
                        .map_or_else(
                            || "the query returned no series".to_string(),
                            |r| r.to_string(),
                        );
                return Some((Status::NoData, format!("no data: {why}")));
            }
            _ if !query.warnings.is_empty() => {
                return Some((
                    Status::Warn,
                    format!("◐ partial data: {}", query.warnings.join("; ")),
                ));
            }
            _ if query.dropped_series > 0 => {
                return Some((
                    Status::Warn,
                    format!(
                        "showing {} series; {} more not shown",
                        query.series.len(),
                        query.dropped_series
                    ),
                ));
            }
            _ => {}
        }
    }
    None
}

/// What is wrong with the panel's data in each backend, each named, the worst status
/// first; with one backend, [`problem`] as it is.
fn problems(data: &PanelWidget) -> Option<(Status, String)> {
    if data.backends.len() <= 1 {
        return problem(data);
    }
    let mut found: Vec<(Status, String)> = (data.backends.iter())
        .filter_map(|backend| {
            let one = PanelWidget {
                store: backend.store,
                backends: std::slice::from_ref(backend),
                ..*data
            };
            problem(&one).map(|(status, text)| (status, format!("{}: {text}", backend.name)))
        })
        .collect();
    found.sort_by_key(|(status, _)| std::cmp::Reverse(*status));
    let status = found.first()?.0;
    let texts: Vec<String> = found.into_iter().map(|(_, text)| text).collect();
    Some((status, texts.join(" · ")))
}

/// Every query of the panel, in every backend it is drawn for.
fn panel_queries<'a>(data: &'a PanelWidget) -> impl Iterator<Item = &'a QueryData> + 'a {
    data.stores()
        .flat_map(move |store| data.panel.query_ids().filter_map(move |id| store.query(id)))
}

/// "partial data" when the server warned about a query of the panel, for the title: a
/// partial answer never passes for a plain OK, however small the panel is.
fn partial_data(data: &PanelWidget) -> Option<&'static str> {
    panel_queries(data)
        .any(|q| !q.warnings.is_empty() && q.error.is_none())
        .then_some(" PARTIAL DATA ")
}

/// "500 of 100,000 series" when a query of the panel was cut, for the title: it stays
/// visible however small the panel is.
fn cut_series(data: &PanelWidget) -> Option<String> {
    let query = panel_queries(data).find(|q| q.dropped_series > 0)?;
    let shown = query.returned_series.saturating_sub(query.dropped_series);
    Some(format!(
        " {} of {} series ",
        thousands(shown),
        thousands(query.returned_series)
    ))
}

/// 100000 → "100,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The border every panel and drill chart shares: its status as colour and (at ALERT) a
/// thick line, a badge naming the status, and focus as a double border with a marker, so
/// focus never hides the status colour and survives a monochrome terminal.
pub fn frame<'a>(
    title: &str,
    status: Status,
    badge: Option<Status>,
    focused: bool,
    theme: &Theme,
) -> PanelFrame<'a> {
    let border_style = match (status, focused) {
        (Status::Warn | Status::Alert, _) => theme.status(status),
        (_, true) => theme.border_focus,
        _ => theme.border,
    };
    let border_type = match (focused, status) {
        (true, _) => BorderType::Double,
        (false, Status::Alert) => BorderType::Thick,
        _ => BorderType::Rounded,
    };
    let title = if focused {
        Span::styled(format!("▶ {title} "), theme.title.patch(theme.border_focus))
    } else {
        Span::styled(format!(" {title} "), theme.title)
    };
    let mut frame = PanelFrame {
        border_type,
        border_style,
        titles: vec![Line::from(title)],
    };
    if let Some(badge) = badge.filter(|b| *b != Status::Ok) {
        frame = frame.title(
            Line::from(Span::styled(
                format!(" {} ", badge.label()),
                theme.status(badge),
            ))
            .alignment(Alignment::Right),
        );
    }
    frame
}

/// A panel's border and titles, drawn as ratatui's bordered `Block` draws them, but as four
/// strips (top with the titles, bottom, left, right) rather than one block: a block styles
/// every cell of its area first, a no-op for a panel's default style that still cost a
/// tenth of a frame's instructions. A test holds the two pictures equal.
pub struct PanelFrame<'a> {
    border_type: BorderType,
    border_style: Style,
    titles: Vec<Line<'a>>,
}

impl<'a> PanelFrame<'a> {
    pub fn title(mut self, title: impl Into<Line<'a>>) -> Self {
        self.titles.push(title.into());
        self
    }

    /// The area inside the border.
    pub fn inner(&self, area: Rect) -> Rect {
        Block::bordered().inner(area)
    }

    fn block(&self, borders: Borders) -> Block<'a> {
        Block::new()
            .borders(borders)
            .border_type(self.border_type)
            .border_style(self.border_style)
    }

    pub fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.height < 3 || area.width < 3 {
            let block = self.block(Borders::ALL);
            return self
                .titles
                .into_iter()
                .fold(block, Block::title)
                .render(area, buf);
        }
        let (x, y, width, height) = (area.x, area.y, area.width, area.height);
        let sides = height - 2;
        self.block(Borders::LEFT)
            .render(Rect::new(x, y + 1, 1, sides), buf);
        self.block(Borders::RIGHT)
            .render(Rect::new(area.right() - 1, y + 1, 1, sides), buf);
        self.block(Borders::BOTTOM | Borders::LEFT | Borders::RIGHT)
            .render(Rect::new(x, area.bottom() - 1, width, 1), buf);
        let top = self.block(Borders::TOP | Borders::LEFT | Borders::RIGHT);
        (self.titles.into_iter())
            .fold(top, Block::title)
            .render(Rect::new(x, y, width, 1), buf);
    }
}

/// The title, with the `/` filter on the panels it narrows (alerts and rules).
fn filtered_title(panel: &Panel, alerts: &AlertsView) -> String {
    match &alerts.filter {
        Some(filter) if panel.kind.is_filtered() => {
            format!("{} · /{}", panel.title, filter.text())
        }
        _ => panel.title.clone(),
    }
}

impl Widget for PanelWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let stores: Vec<&crate::store::Store> = self.backends.iter().map(|b| b.store).collect();
        let status = panel_status_across(self.panel, &stores, self.ctx);
        let title = filtered_title(self.panel, self.alerts);
        let mut block = frame(&title, status, Some(status), self.focus.is_some(), theme);
        if let Some(partial) = partial_data(&self) {
            block = block.title(Span::styled(partial, theme.status(Status::Warn)));
        }
        if let Some(cut) = cut_series(&self) {
            block = block.title(Span::styled(cut, theme.status(Status::Warn)));
        }
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.is_empty() {
            return;
        }
        // A chart overlays every backend's lines on one axis; the rest draw once each.
        let per_backend = self.panel.kind != PanelKind::Chart
            && matches!(
                self.panel.kind.content(),
                Content::Series | Content::Slos | Content::Server
            );
        if self.backends.len() > 1 && per_backend {
            small_multiples(&self, inner, buf);
        } else {
            self.content(inner, buf);
        }
    }
}

/// A series, SLO or server panel once per backend, each named: side by side when that
/// leaves each closer to square (a stat's number), else one above the other (a chart's
/// lines, a table).
fn small_multiples(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let n = data.backends.len() as u32;
    let (width, height) = (u32::from(area.width), u32::from(area.height));
    // A cell twice as wide as tall looks square; the split whose cells come closer wins.
    let squareness = |w: u32, h: u32| (f64::from(w) / f64::from(2 * h.max(1))).ln().abs();
    // A table (SLOs, targets, cardinality) needs its width: backends one above the other.
    let table = matches!(data.panel.kind.content(), Content::Slos | Content::Server);
    let beside = !table && squareness(width / n, height) <= squareness(width, height / n);
    // A server table's backends take the lines their content needs, the last the rest.
    let server_lines = |store| match data.panel.kind {
        PanelKind::Targets => Some(targets::height(store, area.width)),
        PanelKind::Tsdb => Some(tsdb::height(store)),
        _ => None,
    };
    let mut stacked: Vec<Constraint> = (data.backends.iter())
        .map(|b| server_lines(b.store).map_or(Constraint::Fill(1), |h| Constraint::Length(h + 1)))
        .collect();
    if let Some(last) = stacked.last_mut() {
        *last = Constraint::Fill(1);
    }
    let cells = if beside {
        Layout::horizontal(vec![Constraint::Fill(1); n as usize]).split(area)
    } else {
        Layout::vertical(stacked).split(area)
    };
    for (i, (backend, cell)) in data.backends.iter().zip(cells.iter()).enumerate() {
        let [name, content] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(*cell);
        let link = match backend.connection {
            crate::event::Connection::Connected => "",
            crate::event::Connection::Connecting => " ○",
            crate::event::Connection::Unreachable { .. } => " ✖",
        };
        Line::styled(format!("{}{link}", backend.name), data.theme.muted)
            .alignment(Alignment::Center)
            .render(name, buf);
        let one = PanelWidget {
            store: backend.store,
            backends: &data.backends[i..=i],
            ..*data
        };
        if !content.is_empty() {
            one.content(content, buf);
        }
    }
}

impl PanelWidget<'_> {
    /// What is inside the frame: the kind's drawing, with a line saying what is wrong.
    fn content(&self, inner: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let has_values = panel_queries(self).any(|q| q.current().next().is_some());
        let problem = problems(self);
        // Nothing to draw yet: the explanation takes the whole panel.
        if !has_values && self.panel.kind.content() == Content::Series {
            let (status, text) = problem.unwrap_or((Status::NoData, "no data".to_string()));
            Paragraph::new(text)
                .style(theme.status(status))
                .wrap(Wrap { trim: true })
                .alignment(Alignment::Center)
                .render(inner, buf);
            return;
        }
        let content = match &problem {
            Some((status, text)) if inner.height > 2 => {
                let [content, note] =
                    Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
                Line::from(Span::styled(text.clone(), theme.status(*status))).render(note, buf);
                content
            }
            _ => inner,
        };
        match self.panel.kind {
            PanelKind::KpiTable if self.backends.len() > 1 => {
                kpi_backends::render(self, content, buf);
            }
            PanelKind::KpiTable => kpi_table::render(self, content, buf),
            PanelKind::Chart => chart::render(self, content, buf),
            PanelKind::Sparkline => sparkline::render(self, content, buf),
            PanelKind::Stat => stat::render(self, content, buf),
            PanelKind::Gauge => gauge::render(self, content, buf),
            PanelKind::Bar => bar::render(self, content, buf),
            PanelKind::Alerts => alert_list::render_alerts(self, content, buf),
            PanelKind::Rules => alerts::render_rules(self, content, buf),
            PanelKind::Alertmanager => alerts::render_alertmanager(self, content, buf),
            PanelKind::Table => table::render(self, content, buf),
            PanelKind::Targets => targets::render(self, content, buf),
            PanelKind::Tsdb => tsdb::render(self, content, buf),
            PanelKind::Slo => {
                let rows = crate::view::slo::rows(&self.panel.slos, self.store, self.ctx.now);
                slo::render(rows, self.theme, self.focus, content, buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(500), "500");
        assert_eq!(super::thousands(2_000), "2,000");
        assert_eq!(super::thousands(100_000), "100,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_frame_in_strips_draws_what_one_bordered_block_drew() {
        use super::*;
        use ratatui::style::{Color, Modifier};
        let theme = Theme::load("default").unwrap_or_else(|e| panic!("{e}"));
        let whole = |frame: &PanelFrame, titles: &[Line<'static>], area: Rect, buf: &mut Buffer| {
            let block = Block::bordered()
                .border_type(frame.border_type)
                .border_style(frame.border_style);
            titles
                .iter()
                .cloned()
                .fold(block, Block::title)
                .render(area, buf);
        };
        let extra: Line<'static> =
            Span::styled("partial data", Style::default().fg(Color::Yellow)).into();
        let cases = [
            (Status::Ok, None, false),
            (Status::Warn, Some(Status::Warn), false),
            (Status::Alert, Some(Status::Alert), false),
            (Status::Ok, Some(Status::NoData), true),
        ];
        for (status, badge, focused) in cases {
            for (width, height) in [(60, 12), (24, 3), (9, 5), (3, 3), (2, 2), (1, 7), (40, 1)] {
                for more in [false, true] {
                    let make = || {
                        let frame =
                            frame("A rather long panel title", status, badge, focused, &theme);
                        if more {
                            frame.title(extra.clone())
                        } else {
                            frame
                        }
                    };
                    let titles = make().titles.clone();
                    let area = Rect::new(1, 1, width, height);
                    let canvas = Rect::new(0, 0, width + 2, height + 2);
                    // A styled background shows any cell drawn differently.
                    let base = Style::default()
                        .bg(Color::Blue)
                        .add_modifier(Modifier::BOLD);
                    let (mut ours, mut theirs) = (Buffer::empty(canvas), Buffer::empty(canvas));
                    ours.set_style(canvas, base);
                    theirs.set_style(canvas, base);
                    let strips = make();
                    assert_eq!(strips.inner(area), Block::bordered().inner(area));
                    whole(&strips, &titles, area, &mut theirs);
                    strips.render(area, &mut ours);
                    assert_eq!(
                        ours, theirs,
                        "{status:?} {width}x{height} focused {focused}"
                    );
                }
            }
        }
    }
}
