//! A KPI table with several backends side by side: a value column per backend, headed by
//! its name, each value in the colour of its own status (with its glyph when not fine:
//! never colour alone); the row's status is the worst, naming the backends at it. As the
//! panel narrows, the thresholds go first, then the names in the status, then the status
//! word (its glyph stays), then the KPI's name is cut: every backend's value always shows.

use super::PanelWidget;
use super::kpi_table::HEADERS;
use crate::config::layout::Kpi;
use crate::model::{Bound, Status};
use crate::view::reading;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table, Widget};

/// One KPI across the backends.
struct KpiRow {
    name: String,
    short: Option<String>,
    /// Each backend's value (with its glyph when not fine) and status.
    values: Vec<(String, Status)>,
    target: String,
    alert: String,
    /// The worst of the values' statuses.
    status: Status,
}

/// How much a row says, from the most to the least.
#[derive(Clone, Copy, PartialEq)]
enum Room {
    /// Thresholds, the status with the backends at it.
    Everything,
    /// The status with the backends at it.
    NoThresholds,
    /// The status word; backends' names cut to two letters.
    Word,
    /// The status glyph, and what room is left for the KPI's name.
    Glyph,
}

const ROOMS: [Room; 4] = [
    Room::Everything,
    Room::NoThresholds,
    Room::Word,
    Room::Glyph,
];

pub fn render(data: &PanelWidget, area: Rect, buf: &mut Buffer) {
    let theme = data.theme;
    let rows: Vec<KpiRow> = data.panel.kpis.iter().map(|kpi| row(data, kpi)).collect();
    // The first way that keeps whole KPI names (their short form counts as whole), else
    // the first with their short form that leaves them some room.
    let tried: Vec<(Room, bool, Texts)> = ROOMS
        .iter()
        .flat_map(|&room| [(room, false), (room, true)])
        .map(|(room, short)| (room, short, texts(data, &rows, room, short)))
        .collect();
    let whole = tried
        .iter()
        .find(|(room, _, table)| table.fits(area.width, *room, |_, name| name));
    let cut = || {
        tried
            .iter()
            .filter(|(_, short, _)| *short)
            .find(|(room, _, table)| table.fits(area.width, *room, cut_name))
    };
    let last = || tried.last();
    let Some((_, _, table)) = whole.or_else(cut).or_else(last) else {
        return;
    };
    let widths = table.widths(area.width);
    let lines = rows
        .iter()
        .zip(&table.rows)
        .enumerate()
        .map(|(i, (row, cells))| {
            let mut style = if row.status == Status::Ok {
                theme.text
            } else {
                theme.status(row.status)
            };
            if data.focus == Some(i) {
                style = style.patch(theme.selection);
            }
            // Each value in its own status' colour, the status in the row's.
            let last = cells.len() - 1;
            let status_of = |col: usize| match col {
                0 => None,
                col if col <= row.values.len() => Some(row.values[col - 1].1),
                col if col == last => Some(row.status),
                _ => None,
            };
            let cells = cells.iter().enumerate().map(|(col, text)| {
                let cell = Cell::from(text.as_str());
                match status_of(col) {
                    Some(status) => cell.style(theme.status(status)),
                    None => cell,
                }
            });
            Row::new(cells.collect::<Vec<_>>()).style(style)
        });
    let header = Row::new(table.header.clone()).style(theme.muted);
    Table::new(lines, widths.into_iter().map(Constraint::Length))
        .header(header)
        .column_spacing(1)
        .render(area, buf);
}

/// What a cut KPI name keeps at least: six cells, four beside the status glyph alone (the
/// values come first).
fn cut_name(room: Room, whole: u16) -> u16 {
    whole.min(if room == Room::Glyph { 4 } else { 6 })
}

/// The texts of every row for one [`Room`], and the header.
struct Texts {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Texts {
    /// Each column's widest text.
    fn wanted(&self) -> Vec<u16> {
        (0..self.header.len())
            .map(|col| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|cells| Line::raw(cells[col].as_str()).width() as u16)
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Whether everything fits in `width`, the KPI's name given `least(room, whole)` cells.
    fn fits(&self, width: u16, room: Room, least: fn(Room, u16) -> u16) -> bool {
        let wanted = self.wanted();
        let others: u16 = wanted[1..].iter().sum::<u16>() + wanted.len() as u16 - 1;
        let name = least(room, wanted[0]);
        others + name <= width
    }

    /// Column widths: every column as wide as its widest text, the name with what is left.
    fn widths(&self, width: u16) -> Vec<u16> {
        let mut wanted = self.wanted();
        let others: u16 = wanted[1..].iter().sum::<u16>() + wanted.len() as u16 - 1;
        wanted[0] = wanted[0].min(width.saturating_sub(others));
        wanted
    }
}

/// The rows' texts as `room` allows, the KPIs' names in their `short` form if they have one.
fn texts(data: &PanelWidget, rows: &[KpiRow], room: Room, short: bool) -> Texts {
    let names = backend_names(data, matches!(room, Room::Word | Room::Glyph));
    let mut header = vec![HEADERS[0].to_string()];
    header.extend(names.iter().cloned());
    if room == Room::Everything {
        header.extend([HEADERS[2].to_string(), HEADERS[3].to_string()]);
    }
    header.push(if room == Room::Glyph {
        String::new()
    } else {
        HEADERS[4].to_string()
    });
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let name = match (&row.short, short) {
                (Some(short), true) => short.clone(),
                _ => row.name.clone(),
            };
            // The selected row is marked in text too, for monochrome terminals.
            let mark = if data.focus == Some(i) { "▸" } else { "" };
            let mut cells = vec![format!("{mark}{name}")];
            cells.extend(row.values.iter().map(|(text, _)| text.clone()));
            if room == Room::Everything {
                cells.extend([row.target.clone(), row.alert.clone()]);
            }
            cells.push(status_text(row, &names, room));
            cells
        })
        .collect();
    Texts { header, rows }
}

/// "ALERT eu": the worst status, and the backends at it when not all are.
fn status_text(row: &KpiRow, names: &[String], room: Room) -> String {
    match room {
        Room::Glyph => row.status.glyph().to_string(),
        Room::Word => row.status.label().to_string(),
        Room::Everything | Room::NoThresholds => {
            let at_worst: Vec<&str> = names
                .iter()
                .zip(&row.values)
                .filter(|(_, (_, s))| *s == row.status)
                .map(|(n, _)| n.as_str())
                .collect();
            if at_worst.len() == row.values.len() {
                row.status.label().to_string()
            } else {
                format!("{} {}", row.status.label(), at_worst.join(" "))
            }
        }
    }
}

/// The backends' names as the header shows them: whole, or (`short`) their first two
/// letters when those still tell them apart.
fn backend_names(data: &PanelWidget, short: bool) -> Vec<String> {
    let whole: Vec<String> = data.backends.iter().map(|b| b.name.to_string()).collect();
    if !short {
        return whole;
    }
    let cut: Vec<String> = whole.iter().map(|n| n.chars().take(2).collect()).collect();
    let distinct = cut.iter().collect::<std::collections::BTreeSet<_>>().len() == cut.len();
    if distinct { cut } else { whole }
}

/// One KPI read in every backend's store, each value judged against the row's thresholds.
fn row(data: &PanelWidget, kpi: &Kpi) -> KpiRow {
    let values: Vec<(String, Status)> = data
        .backends
        .iter()
        .map(|backend| {
            let Some(query) = backend.store.query(kpi.query.id) else {
                return ("—".to_string(), Status::NoData);
            };
            let r = reading(query, kpi.reduce, &kpi.thresholds, data.ctx);
            let value = r
                .value
                .map_or_else(|| "—".to_string(), |v| kpi.unit.format(v, kpi.decimals));
            let glyph = if r.status == Status::Ok {
                ""
            } else {
                r.status.glyph()
            };
            (format!("{value}{glyph}"), r.status)
        })
        .collect();
    KpiRow {
        name: kpi.name.clone(),
        short: kpi.short.clone(),
        status: values
            .iter()
            .map(|(_, s)| *s)
            .max()
            .unwrap_or(Status::NoData),
        values,
        target: kpi.thresholds.text(Bound::Target, kpi.unit, kpi.decimals),
        alert: kpi.thresholds.text(Bound::Alert, kpi.unit, kpi.decimals),
    }
}
