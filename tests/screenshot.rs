//! Screenshots: the SVG of a screen parses as XML and its text is the screen's, cell for
//! cell; `e` saves the screen into --export-dir and says where; `spheroseg-top screenshot`
//! draws a tab off-screen after one poll of a real Prometheus scraping the simulator.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ratatui::buffer::Buffer;
use spheroseg_top::app::{Action, Effect, Msg};
use spheroseg_top::config::Layout;
use spheroseg_top::config::colour_depth::rgb;
use spheroseg_top::sim::Scenario;
use spheroseg_top::ui::svg::{self, Canvas};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

/// The lines an SVG screenshot shows: its `<text>` runs by row, in column order.
fn svg_lines(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}"));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let mut rows: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    for text in root.descendants().filter(|n| n.has_tag_name("text")) {
        let at = |name: &str| (text.attribute(name).unwrap().parse::<f64>().unwrap() * 10.0) as i64;
        let content: String = text.children().filter_map(|c| c.text()).collect();
        rows.entry(at("y")).or_default().push((at("x"), content));
    }
    rows.into_values()
        .map(|mut runs| {
            runs.sort();
            runs.into_iter().map(|(_, t)| t).collect()
        })
        .collect()
}

fn fills(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter_map(|n| n.attribute("fill"))
        .map(str::to_string)
        .collect()
}

fn hex(colour: ratatui::style::Color) -> String {
    let (r, g, b) = rgb(colour).unwrap();
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_svg_is_the_screen_and_e_saves_it() {
    let stack = stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    wait_for(
        &url,
        "max(db_replication_lag_seconds) > 5",
        Duration::from_secs(20),
    )
    .await;
    let mut app = app(Layout::load("spheroseg").unwrap(), &url);
    app.update(Msg::Action(Action::Resize(120, 36)));
    poll_until_complete(&mut app, &url).await;

    for tab in 0..app.layout().tabs.len() {
        app.update(Msg::Action(Action::SelectTab(tab)));
        let buffer: Buffer = svg::frame(&app, 120, 36);
        let svg = svg::to_svg(&buffer, Canvas::for_theme(app.theme()));
        assert_eq!(svg_lines(&svg), lines(&buffer), "tab {tab}");
        assert_eq!(svg::to_text(&buffer), lines(&buffer).join("\n") + "\n");
    }
    app.update(Msg::Action(Action::SelectTab(0)));
    let buffer = svg::frame(&app, 120, 36);
    let svg = svg::to_svg(&buffer, Canvas::for_theme(app.theme()));
    let text = lines(&buffer).join("\n");
    assert!(text.contains('┌') || text.contains('╭'), "borders:\n{text}");
    assert!(
        text.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "braille charts:\n{text}"
    );
    let fills = fills(&svg);
    let alert = hex(app.theme().alert.fg.unwrap());
    assert!(
        fills.contains(&alert),
        "the theme's alert colour {alert} is in {fills:?}"
    );

    // `e`: an effect for the event loop, which saves both files and names them.
    let dir = tempfile::tempdir().unwrap();
    let mut app = app.with_export_dir(dir.path().to_path_buf());
    app.take_effects();
    app.update(Msg::Action(Action::Screenshot));
    assert_eq!(app.take_effects(), vec![Effect::Screenshot]);
    spheroseg_top::launch::screenshot::save(&mut app);
    let notice = app.notice().unwrap().to_string();
    let saved: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 2, "{saved:?}");
    let svg_path = saved
        .iter()
        .find(|p| p.extension().unwrap() == "svg")
        .unwrap();
    assert!(notice.contains(&svg_path.display().to_string()), "{notice}");
    let name = svg_path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("spheroseg-top-")
            && name.len() == "spheroseg-top-20260101-120000.svg".len(),
        "{name}"
    );
    let saved_svg = std::fs::read_to_string(svg_path).unwrap();
    let text = std::fs::read_to_string(svg_path.with_extension("txt")).unwrap();
    assert_eq!(svg_lines(&saved_svg).join("\n") + "\n", text);
    assert_eq!(text.lines().count(), 36, "the size the app was given");

    // The subcommand, as a user runs it.
    let out = dir.path().join("database.svg");
    let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args([
            "--prometheus",
            &url,
            "screenshot",
            "--tab",
            "database",
            "--size",
            "100x30",
            "-o",
        ])
        .arg(&out)
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = svg_lines(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(lines.len(), 30);
    assert!(lines.iter().all(|l| l.chars().count() >= 100), "{lines:#?}");
    let screen = lines.join("\n");
    assert!(
        screen.contains("Replication lag") && screen.contains("ALERT"),
        "{screen}"
    );
}
