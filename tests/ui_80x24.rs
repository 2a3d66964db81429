//! The classic 80x24 SSH window is first class: every tab's number and status glyph stay in
//! the tab bar at any width from 60 (other tabs' names shorten or drop first, the active
//! tab's stays whole), and every KPI row keeps its value and status, its name shortened
//! through the layout's `short` key before anything else goes. Against a real Prometheus
//! scraping the simulator in its incident, so the rows hold real values and statuses.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use spheroseg_top::app::{Action, App, Msg};
use spheroseg_top::config::Layout;
use spheroseg_top::config::layout::PanelKind;
use spheroseg_top::sim::Scenario;
use spheroseg_top::view::{reading, tab_status};
use std::time::Duration;

/// rate(...[5m]) needs two scrapes; histogram_quantile over it as well.
const WARM_UP: &str = "sum(rate(http_request_duration_seconds_count[5m])) > 0";
const STATUS_WORDS: [&str; 6] = ["OK", "WARN", "ALERT", "ERROR", "STALE", "NO DATA"];

fn tab_bar_keeps_every_tab(app: &App, width: u16) {
    let screen = lines(&render(app, width, 24));
    let bar = &screen[0];
    let active = &app.layout().tabs[app.tab()].title;
    assert!(
        bar.contains(&format!(" {} {active} ", app.tab() + 1)),
        "{width}: active tab whole: {bar}"
    );
    assert!(
        !bar.contains('‹') && !bar.contains('›'),
        "{width}: nothing scrolled away: {bar}"
    );
    for (i, tab) in app.layout().tabs.iter().enumerate() {
        let glyph = tab_status(tab, app.store(), app.context()).glyph();
        let number = (i + 1).to_string();
        let shown = bar.match_indices(&number).any(|(at, _)| {
            bar[at..]
                .chars()
                .take(30)
                .collect::<String>()
                .contains(glyph)
        });
        assert!(shown, "{width}: tab {number} with its {glyph}: {bar}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tab_at_80x24_keeps_tab_numbers_glyphs_values_and_statuses() {
    let stack = stack(Scenario::Incident).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, WARM_UP, Duration::from_secs(20)).await;
    wait_for(
        &url,
        "max(db_replication_lag_seconds) > 5",
        Duration::from_secs(20),
    )
    .await;
    let mut app = app(Layout::load("spheroseg").unwrap(), &url);
    app.update(Msg::Action(Action::Resize(80, 24)));
    poll_until_complete(&mut app, &url).await;

    for tab in 0..app.layout().tabs.len() {
        app.update(Msg::Action(Action::SelectTab(tab)));
        for width in [60, 72, 80] {
            tab_bar_keeps_every_tab(&app, width);
        }
        let screen = lines(&render(&app, 80, 24));
        let text = screen.join("\n");
        let layout_tab = &app.layout().tabs[tab];
        for panel in layout_tab.rows.iter().flat_map(|r| &r.panels) {
            if panel.kind != PanelKind::KpiTable {
                continue;
            }
            for kpi in &panel.kpis {
                let name = kpi.short.as_deref().unwrap_or(&kpi.name);
                // The row, not a panel title that happens to hold the same word.
                let row = |l: &&String| {
                    ["║", "┃", "│"].iter().any(|border| {
                        l.contains(&format!("{border}{name} "))
                            || l.contains(&format!("{border}▸{name} "))
                    })
                };
                let Some(line) = screen.iter().find(row) else {
                    // A panel may be below the fold at 24 lines: then none of its rows show.
                    continue;
                };
                let query = app.store().query(kpi.query.id).unwrap();
                let r = reading(query, kpi.reduce, &kpi.thresholds, app.context());
                let value = r
                    .value
                    .map_or_else(|| "—".to_string(), |v| kpi.unit.format(v, kpi.decimals));
                assert!(
                    line.contains(&value) && line.contains(r.status.label()),
                    "tab {}: {} keeps {value} and {}:\n{text}",
                    layout_tab.title,
                    kpi.name,
                    r.status.label()
                );
            }
        }
        assert!(
            STATUS_WORDS.iter().any(|w| text.contains(w)) || tab > 0,
            "{text}"
        );
    }
}
