//! The `table` panel kind as a user meets it, drawn with TestBackend: one line per series,
//! the labels that tell the series apart as columns (or those the layout names), the value
//! in the panel's unit (or its mapping's word) coloured by the thresholds, worst first, and
//! "… N more" when the series do not fit.

#![allow(clippy::unwrap_used)]

mod common;

use spheroseg_top::app::Msg;
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::model::Status;
use spheroseg_top::prom::Sample;
use std::time::Duration;

const LAYOUT: &str = r#"
title = "tables"
[[tab]]
title = "Tables"
[[tab.row]]
[[tab.row.panel]]
title = "Disk used"
kind = "table"
query = 'disk_used_ratio'
unit = "ratio"
target = 0.8
alert = 0.9
[[tab.row.panel]]
title = "Targets"
kind = "table"
query = 'up'
columns = ["instance"]
[[tab.row.panel.mapping]]
value = 1
text = "up"
[[tab.row.panel.mapping]]
value = 0
text = "down"
[[tab.row.panel]]
title = "Worst target"
kind = "stat"
query = 'up'
reduce = "min"
[[tab.row.panel.mapping]]
value = 0
text = "down"
"#;

fn sample(pairs: &[(&str, &str)], value: f64) -> Sample {
    Sample {
        labels: common::labels(pairs),
        time: 100.0,
        value,
    }
}

fn screen(disks: usize, height: u16) -> (Vec<String>, ratatui::buffer::Buffer) {
    let layout = Layout::parse(Source {
        origin: "tables.toml".into(),
        text: LAYOUT.into(),
    })
    .unwrap();
    let mut app = common::app(layout, "http://127.0.0.1:9");
    let disk: Vec<Sample> = (0..disks)
        .map(|i| {
            let value = [0.5, 0.95, 0.85][i % 3];
            sample(
                &[
                    ("job", "node"),
                    ("instance", &format!("host-{i}")),
                    ("mountpoint", "/"),
                ],
                value,
            )
        })
        .collect();
    let up = vec![
        sample(&[("job", "node"), ("instance", "a:9100")], 1.0),
        sample(&[("job", "node"), ("instance", "b:9100")], 0.0),
    ];
    app.update(Msg::Tick(100.5));
    for (id, result) in [(0, disk), (1, up)] {
        app.update(Msg::Data(DataEvent::Instant {
            id,
            at: 100.0,
            result: Ok(result),
            latency: Duration::ZERO,
        }));
    }
    let buffer = common::render(&app, 100, height);
    (common::lines(&buffer), buffer)
}

#[test]
fn a_table_lists_series_worst_first_with_differing_labels_and_coloured_values() {
    let (lines, buffer) = screen(3, 20);
    let text = lines.join("\n");
    // `job` and `mountpoint` are the same on every series: only `instance` is a column.
    let header = lines.iter().find(|l| l.contains("instance")).unwrap();
    assert!(
        header.contains("Value") && !header.contains("mountpoint"),
        "{text}"
    );
    let order: Vec<usize> = ["host-1", "host-2", "host-0"]
        .iter()
        .map(|h| lines.iter().position(|l| l.contains(h)).unwrap())
        .collect();
    assert!(
        order[0] < order[1] && order[1] < order[2],
        "worst first:\n{text}"
    );
    let row = &lines[order[0]];
    assert!(row.contains("95.0%"), "{text}");
    // The alerting value takes the alert colour.
    let at = row[..row.find("95.0%").unwrap()].chars().count();
    let cell = &buffer[(u16::try_from(at).unwrap(), u16::try_from(order[0]).unwrap())];
    let alert = Theme::load("default").unwrap().status(Status::Alert);
    assert_eq!(Some(cell.fg), alert.fg, "{text}");

    // Columns named by the layout, values named by its mappings.
    assert!(text.contains("a:9100") && text.contains("up"), "{text}");
    assert!(text.contains("b:9100") && text.contains("down"), "{text}");
    // A stat shows its mapped word too, naming the series it picked.
    assert!(text.contains("down  instance=b:9100"), "{text}");
}

#[test]
fn series_that_do_not_fit_are_counted() {
    let (lines, _) = screen(40, 16);
    let text = lines.join("\n");
    let listed = lines.iter().filter(|l| l.contains("host-")).count();
    assert!(listed > 5, "{text}");
    assert!(text.contains(&format!("… {} more", 40 - listed)), "{text}");
}
