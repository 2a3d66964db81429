//! Grafana's 24-column grid as layout rows: panels whose boxes overlap vertically share a
//! row (its height the band they span), side by side in the order of their columns, with
//! their grid widths as relative widths. Reading order is kept: top to bottom, left to right.

use super::panels::{Grid, PanelOut};

/// One layout row: its relative height and its panels, with what was approximated.
#[derive(Debug)]
pub struct RowOut {
    pub height: u16,
    pub panels: Vec<PanelOut>,
}

/// The rows of one tab. A panel stacked under another within a taller panel's band joins
/// that band's row; the note says so.
/// Notes name the panel by its `entry`.
pub fn rows(mut panels: Vec<PanelOut>) -> (Vec<RowOut>, Vec<(usize, String)>) {
    panels.sort_by_key(|p| (p.grid.y, p.grid.x));
    let mut bands: Vec<(u32, u32, Vec<PanelOut>)> = Vec::new();
    for panel in panels {
        let Grid { y, h, .. } = panel.grid;
        match bands.last_mut() {
            Some((_, end, members)) if y < *end => {
                *end = (*end).max(y + u32::from(h));
                members.push(panel);
            }
            _ => bands.push((y, y + u32::from(h), vec![panel])),
        }
    }
    let mut notes = Vec::new();
    let rows = bands
        .into_iter()
        .map(|(start, end, mut members)| {
            members.sort_by_key(|p| (p.grid.x, p.grid.y));
            for p in &members {
                if p.grid.y > start {
                    notes.push((
                        p.entry,
                        "stacked under another panel beside a taller one in Grafana; placed side by side in its row".to_string(),
                    ));
                }
            }
            RowOut {
                height: u16::try_from(end - start).unwrap_or(u16::MAX).max(1),
                panels: members,
            }
        })
        .collect();
    (rows, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::PanelKind;
    use crate::model::{Thresholds, Unit};

    fn panel(id: i64, x: u16, y: u32, w: u16, h: u16) -> PanelOut {
        PanelOut {
            title: id.to_string(),
            kind: PanelKind::Chart,
            series: vec![("up".into(), None)],
            unit: Unit::None,
            decimals: None,
            min: None,
            max: None,
            thresholds: Thresholds::default(),
            reduce: None,
            window: None,
            description: None,
            mappings: Vec::new(),
            columns: None,
            grid: Grid { x, y, w, h },
            id: Some(id),
            grafana_type: "timeseries".into(),
            remarks: Vec::new(),
            entry: usize::try_from(id).unwrap(),
        }
    }

    #[test]
    fn bands_become_rows_in_reading_order() {
        let (rows, notes) = rows(vec![
            panel(3, 0, 8, 24, 6),
            panel(2, 12, 0, 12, 8),
            panel(1, 0, 0, 12, 8),
        ]);
        let ids: Vec<Vec<i64>> = rows
            .iter()
            .map(|r| r.panels.iter().filter_map(|p| p.id).collect())
            .collect();
        assert_eq!(ids, [vec![1, 2], vec![3]]);
        assert_eq!((rows[0].height, rows[1].height), (8, 6));
        assert!(notes.is_empty());
    }

    #[test]
    fn a_panel_stacked_beside_a_tall_one_joins_its_row_with_a_note() {
        let (rows, notes) = rows(vec![
            panel(1, 0, 0, 12, 16),
            panel(2, 12, 0, 12, 8),
            panel(3, 12, 8, 12, 8),
        ]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].height, 16);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].0, 3);
    }
}
