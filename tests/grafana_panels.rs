//! `import grafana` on what downloaded dashboards hold (issue 21, panels and files): files
//! as editors and Grafana 12 save them, saved repeats, old tables and graphs, and three
//! more real dashboards (tests/fixtures/grafana, see its README).

#![allow(clippy::unwrap_used)]

use spheroseg_top::config::{Layout, Source};
use spheroseg_top::import::grafana::{self, Conversion, Input};
use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Bytes allocated and not yet freed by this test binary, and the most there were.
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every call is passed on to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: as the caller promised for `ptr`, `layout` and `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The conversion of `text` and the most heap it took beyond what was held before.
fn converted_with_peak(text: String) -> (Conversion, usize) {
    let input = [Input {
        origin: "big.json".into(),
        text,
    }];
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let conversion = grafana::convert(&input).unwrap();
    (conversion, PEAK.load(Ordering::Relaxed) - before)
}

fn convert(text: &str) -> Conversion {
    grafana::convert(&[Input {
        origin: "d.json".into(),
        text: text.into(),
    }])
    .unwrap_or_else(|e| panic!("refused: {e}"))
}

fn load(conversion: &Conversion) -> Layout {
    let text = conversion.layout.clone().expect("a layout was written");
    Layout::parse(Source {
        origin: "imported.toml".into(),
        text,
    })
    .unwrap_or_else(|e| panic!("the imported layout does not load:\n{e}"))
}

/// A dashboard of `panels` (JSON text) titled `title` (JSON string contents).
fn dashboard(title: &str, panels: &str) -> String {
    format!(r#"{{"schemaVersion": 39, "title": "{title}", "panels": [{panels}]}}"#)
}

const STAT: &str = r#"{"type": "stat", "title": "Up", "targets": [{"expr": "up", "refId": "A"}]}"#;

/// `import grafana FILE` run as a user runs it: exit code and stderr.
fn import(file: &Path, extra: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(["import", "grafana"])
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_byte_order_mark_is_read_past() {
    let conversion = convert(&format!("\u{feff}{}", dashboard("bom", STAT)));
    assert_eq!(load(&conversion).tabs.len(), 1);
}

#[test]
fn a_v1beta1_resource_with_a_classic_spec_is_read_and_v2_still_refused() {
    let resource = format!(
        r#"{{"apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard",
            "metadata": {{"name": "abc"}}, "spec": {}}}"#,
        dashboard("k8s", STAT)
    );
    let conversion = convert(&resource);
    assert_eq!(conversion.report.dashboards[0].title, "k8s");
    load(&conversion);
    let v2 = r#"{"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard",
        "spec": {"title": "x", "elements": {}, "layout": {}}}"#;
    let refused = grafana::convert(&[Input {
        origin: "d.json".into(),
        text: v2.into(),
    }]);
    assert!(refused.err().unwrap().to_string().contains("schema v2"));
}

#[test]
fn an_empty_dashboard_is_bad_input_not_a_strict_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.json");
    std::fs::write(&file, dashboard("empty", "")).unwrap();
    let (code, stderr) = import(&file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nothing in the dashboards could be converted"));
}

#[test]
fn rows_nested_twenty_deep_each_become_a_tab() {
    let mut panel = STAT.to_string();
    for depth in (0..20).rev() {
        panel = format!(
            r#"{{"type": "row", "title": "r{depth}", "collapsed": true, "panels": [{panel}]}}"#
        );
    }
    let conversion = convert(&dashboard("nested", &panel));
    let layout = load(&conversion);
    // The leaf's own row holds it; the rows around it hold only rows and say so.
    assert_eq!(layout.tabs.len(), 1);
    assert_eq!(layout.tabs[0].title, "r19");
    let outer = &conversion.report.entries[0];
    assert_eq!((outer.what, outer.title.as_str()), ("row", "r0"));
    assert_eq!(outer.because, ["it holds only rows, each a tab of its own"]);
}

#[test]
fn control_characters_in_titles_reach_neither_the_layout_s_comments_nor_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ctl.json");
    let panel = r#"{"type": "stat", "title": "p\u0001q\u001b[31m", "targets": [{"expr": "up"}]},
        {"type": "x\u001b]0;owned\u0007", "title": "plugin", "targets": [{"expr": "up"}]}"#;
    std::fs::write(&file, dashboard(r"bell\u0007\nx", panel)).unwrap();
    let out = dir.path().join("out.toml");
    let (code, stderr) = import(&file, &["-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{stderr:?}"
    );
    let layout = std::fs::read_to_string(&out).unwrap();
    assert!(layout.contains("\"bell\\u0007\\nx\""), "{layout}");
    load(&convert(&dashboard(r"bell\u0007\nx", panel)));
}

#[test]
fn a_large_dashboard_takes_memory_bounded_by_its_size_and_gives_a_layout_that_loads() {
    // 50 MB of title: written four times before (210 MB of layout, 1000 MB resident).
    let title = "t".repeat(50 << 20);
    let (conversion, peak) = converted_with_peak(dashboard(&title, STAT));
    let layout = conversion.layout.clone().unwrap();
    assert!(layout.len() < 16 << 10, "{} bytes", layout.len());
    assert!(layout.contains(&format!("title = '{}…'", &title[..1000])));
    assert!(conversion.report.to_text().len() < 1 << 10);
    assert!(peak < 2 * title.len(), "{} MiB", peak >> 20);
    load(&conversion);

    // 20 MB of panels: a layout past what the loader reads was written (48 MB of 16 at
    // 50 MB, which no command could open) and held several times over (896 MB resident).
    let panel = |i: usize| {
        format!(
            r#"{{"type": "timeseries", "title": "panel {i}", "description": "{}",
                "gridPos": {{"x": {}, "y": {}, "w": 12, "h": 8}},
                "targets": [{{"expr": "rate(node_cpu_seconds_total[5m])", "refId": "A"}}]}}"#,
            "d".repeat(400),
            i % 2 * 12,
            i / 2 * 8
        )
    };
    let panels: Vec<String> = (0..32_000).map(panel).collect();
    let text = dashboard("many", &panels.join(","));
    drop(panels);
    let size = text.len();
    let (conversion, peak) = converted_with_peak(text);
    // The dashboard's tree alone is four times its text (serde_json's Value).
    assert!(
        peak < 12 * size,
        "{} MiB for {} MiB",
        peak >> 20,
        size >> 20
    );
    let full = conversion
        .report
        .entries
        .iter()
        .filter(|e| e.because == ["the layout is full: a layout file holds at most 16 MiB"])
        .count();
    assert!(full > 0 && full < 32_000, "{full}");
    let layout = conversion.layout.clone().unwrap();
    assert!(layout.len() < 16 << 20, "{} MiB", layout.len() >> 20);
    load(&conversion);
}

fn fixture(name: &str) -> Conversion {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/grafana/{name}.json"));
    grafana::convert(&[Input {
        origin: format!("{name}.json"),
        text: std::fs::read_to_string(path).unwrap(),
    }])
    .unwrap()
}

fn panels(layout: &Layout) -> impl Iterator<Item = &spheroseg_top::config::layout::Panel> {
    layout
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.panels)
}

/// The layout's panel titled `title`.
fn panel<'a>(layout: &'a Layout, title: &str) -> &'a spheroseg_top::config::layout::Panel {
    panels(layout)
        .find(|p| p.title == title)
        .unwrap_or_else(|| panic!("no panel {title}"))
}

/// The report's reasons for the panel titled `title`.
fn because<'a>(conversion: &'a Conversion, title: &str) -> &'a [String] {
    &conversion
        .report
        .entries
        .iter()
        .find(|e| e.title == title)
        .unwrap_or_else(|| panic!("no entry {title}"))
        .because
}

#[test]
fn saved_repeat_copies_are_left_out_and_the_original_shows_every_value() {
    let conversion = fixture("alertmanager-fusakla");
    let layout = load(&conversion);
    let titles: Vec<&str> = panels(&layout).map(|p| p.title.as_str()).collect();
    // 23 charts were each drawn 4 times (the author's 4 pods).
    let memory = titles
        .iter()
        .filter(|t| **t == "Memory usage for $instance")
        .count();
    assert_eq!(memory, 1, "{titles:?}");
    let copies = conversion
        .report
        .entries
        .iter()
        .filter(|e| {
            e.because
                .iter()
                .any(|b| b.starts_with("a copy Grafana saved of #"))
        })
        .count();
    assert_eq!(copies, 69);
    assert!(
        because(&conversion, "Memory usage for $instance").contains(
            &"repeated per $instance in Grafana; one panel here shows every value".into()
        )
    );
}

#[test]
fn old_table_styles_give_columns_names_and_units_or_are_reported() {
    let conversion = fixture("alertmanager-fusakla");
    let layout = load(&conversion);
    let table = panel(&layout, "Instance versions and up time");
    // A hidden `/.*/` after `instance` and `version`: those two are the columns.
    assert_eq!(
        table.columns.as_deref(),
        Some(&["instance".to_string(), "version".to_string()][..])
    );
    // The value columns' aliases name the series.
    let names: Vec<Option<&str>> = table.queries.iter().map(|q| q.legend.as_deref()).collect();
    assert_eq!(
        names,
        [
            Some("Up time"),
            Some("Last reload"),
            Some("Last reload sucessfull")
        ]
    );
    let why = because(&conversion, "Instance versions and up time").join("; ");
    assert!(
        why.contains("column names `instance` → `Instance`, `version` → `Version` are not kept"),
        "{why}"
    );
    assert!(
        why.contains("the value columns' units (s, short) are not kept"),
        "{why}"
    );

    // One value column's unit becomes the table's.
    let single = dashboard(
        "t",
        r#"{"type": "table", "title": "Disk", "styles": [
            {"pattern": "Time", "type": "hidden"},
            {"pattern": "device", "type": "hidden"},
            {"pattern": "Value", "type": "number", "unit": "bytes", "decimals": 1}],
            "targets": [{"expr": "node_filesystem_avail_bytes", "refId": "A"}]}"#,
    );
    let conversion = convert(&single);
    let panel = &load(&conversion).tabs[0].rows[0].panels[0];
    assert_eq!(panel.unit, spheroseg_top::model::Unit::Bytes);
    assert_eq!(
        because(&conversion, "Disk"),
        ["hidden columns `device` are shown when they tell series apart"]
    );
}

#[test]
fn series_overrides_and_singlestat_value_names_are_reported() {
    let conversion = fixture("prometheus-2-stats-grafana");
    assert_eq!(
        because(&conversion, "Compaction Activity"),
        [
            "series `duration-p99` on Grafana's right y axis (unit s) share the left one here, in the panel's unit"
        ]
    );
    assert_eq!(
        because(&conversion, "WAL Corruptions"),
        ["Grafana's max over time becomes the max of the series' latest values"]
    );
    let layout = load(&conversion);
    let wal = panel(&layout, "WAL Corruptions");
    assert_eq!(wal.reduce, spheroseg_top::config::layout::Reduce::Max);

    let conversion = fixture("alertmanager-fusakla");
    let why = because(&conversion, "Notifications sent from $instance").join("; ");
    assert!(
        why.contains(
            "series `/Failed.*/` drawn below zero in Grafana (negative-Y) are drawn above it here"
        ),
        "{why}"
    );
    assert!(
        why.contains("per-series styles (color) are not converted"),
        "{why}"
    );
}

mod common;

/// A layout of one panel (TOML keys after its title) drawn 60×12 with `samples` for its
/// query `x`, each a `name` label and a value.
fn drawn(panel: &str, samples: &[(&str, f64)]) -> Vec<String> {
    let text = format!(
        "title = 't'\n[[tab]]\ntitle = 'T'\n[[tab.row]]\n[[tab.row.panel]]\ntitle = 'P'\nquery = 'x'\nlegend = '{{{{name}}}}'\n{panel}"
    );
    let layout = Layout::parse(Source {
        origin: "bar.toml".into(),
        text,
    })
    .unwrap();
    let mut app = common::app(layout, "http://127.0.0.1:9");
    let result = samples
        .iter()
        .map(|(name, value)| spheroseg_top::prom::Sample {
            labels: common::labels(&[("name", name)]),
            time: 100.0,
            value: *value,
        })
        .collect();
    app.update(spheroseg_top::app::Msg::Tick(100.5));
    app.update(spheroseg_top::app::Msg::Data(
        spheroseg_top::event::DataEvent::Instant {
            id: 0,
            at: 100.0,
            result: Ok(result),
            latency: std::time::Duration::ZERO,
        },
    ));
    // As a terminal shows it: a wide character covers the cell after it.
    let buffer = common::render(&app, 60, 12);
    (0..buffer.area.height)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < buffer.area.width {
                let symbol = buffer[(x, y)].symbol();
                line.push_str(symbol);
                x += u16::try_from(unicode_width::UnicodeWidthStr::width(symbol).max(1)).unwrap();
            }
            line
        })
        .collect()
}

#[test]
fn a_bar_runs_from_the_panels_min_to_its_max_and_wide_labels_keep_the_value_on_the_panel() {
    let lines = drawn(
        "kind = 'bar'\nunit = 'percent'\nmin = 0.0\nmax = 100.0",
        &[("内存使用率", 6.5), ("cpu", 50.0)],
    );
    let text = lines.join("\n");
    let line = |name: &str| lines.iter().find(|l| l.contains(name)).unwrap().clone();
    let blocks = |l: &str| l.chars().filter(|c| *c == '█').count();
    let (memory, cpu) = (line("内存使用率"), line("cpu"));
    // 6.5 % of 100 is a short bar, 50 % half of the width; before, 6.5 was drawn full
    // width when alone, and 50 always was.
    assert!(blocks(&memory) <= 3, "{text}");
    assert!(blocks(&cpu) >= 15 && blocks(&cpu) <= 30, "{text}");
    // The value ends where the other line's value ends: inside the panel's border.
    let end = |l: &str, value: &str| {
        let at = l.find(value).unwrap() + value.len();
        unicode_width::UnicodeWidthStr::width(&l[..at])
    };
    assert!(memory.contains("6.5%"), "{text}");
    assert_eq!(end(&memory, "6.5%"), end(&cpu, "50.0%"), "{text}");
}

mod conn_support;

use conn_support::{Server, free_port, wait_for_data};

/// A Debian server binary on free loopback ports (`{port}`, and `{port2}` as a free one).
fn server(binary: &str, args: &[&str]) -> Server {
    let other = free_port().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace("{port2}", &other)).collect();
    Server::spawn(binary, tempfile::tempdir().unwrap(), free_port(), &args)
}

/// A real Prometheus scraping itself (job `prometheus`), `node` and `alertmanager` every
/// second, sending an always-firing alert to that Alertmanager.
fn prometheus(node: &Server, alertmanager: &Server) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let am = format!("127.0.0.1:{}", alertmanager.port);
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['rules.yml']\n\
         alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{am}']\n\
         scrape_configs:\n\
         \x20 - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n\
         \x20 - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n\
         \x20 - job_name: alertmanager\n    static_configs:\n      - targets: ['{am}']\n",
        node.port
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    std::fs::write(
        dir.path().join("rules.yml"),
        "groups:\n  - name: always\n    rules:\n      - alert: Always\n        expr: vector(1)\n",
    )
    .unwrap();
    Server::spawn(
        &conn_support::prometheus_binary(),
        dir,
        port,
        &[
            "--config.file={dir}/prometheus.yml".into(),
            "--storage.tsdb.path={dir}/data".into(),
            "--web.listen-address=127.0.0.1:{port}".into(),
            "--log.level=warn".into(),
        ],
    )
}

/// The fixture imported to a layout file in `dir`, then `screenshot` of `tab` (200×60)
/// on `url` with `vars`, as text.
fn shown(name: &str, dir: &Path, url: &str, tab: &str, vars: &[String]) -> String {
    let layout = dir.join(format!("{name}.toml"));
    std::fs::write(&layout, fixture(name).layout.unwrap()).unwrap();
    let out = dir.join(format!("{name}.txt"));
    let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args([
            "screenshot",
            "--size",
            "200x60",
            "--tab",
            tab,
            "--prometheus",
            url,
        ])
        .arg("--layout")
        .arg(&layout)
        .arg("-o")
        .arg(&out)
        .args(vars.iter().flat_map(|v| ["--var", v.as_str()]))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

/// The line holding a panel's title, and the next `n` lines of the screen.
fn around(screen: &str, title: &str, n: usize) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(title))
        .unwrap_or_else(|| panic!("no {title}:\n{screen}"));
    lines[at..(at + n + 1).min(lines.len())].join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_real_dashboards_show_values_from_real_servers() {
    let node = server(
        "prometheus-node-exporter",
        &["--web.listen-address=127.0.0.1:{port}"],
    );
    let am_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        am_dir.path().join("am.yml"),
        "route:\n  receiver: r\n  group_wait: 0s\nreceivers:\n  - name: r\n",
    )
    .unwrap();
    let alertmanager = Server::spawn(
        "prometheus-alertmanager",
        am_dir,
        free_port(),
        &[
            "--config.file={dir}/am.yml".into(),
            "--storage.path={dir}/data".into(),
            "--web.listen-address=127.0.0.1:{port}".into(),
            format!("--cluster.listen-address=127.0.0.1:{}", free_port()),
        ],
    );
    let mut prom = prometheus(&node, &alertmanager);
    let url = format!("http://127.0.0.1:{}", prom.port);
    let client = spheroseg_top::prom::PromClient::new(&url, conn_support::options()).unwrap();
    for expr in [
        "rate(prometheus_tsdb_head_samples_appended_total[5m])",
        "rate(node_cpu_seconds_total[1m])",
        "alertmanager_alerts{state=\"active\"} > 0",
    ] {
        wait_for_data(&client, expr, &mut prom, Duration::from_secs(90)).await;
    }
    let dir = tempfile::tempdir().unwrap();

    // Prometheus 2.0 Stats: values, and the panel whose p99 metric was renamed draws its
    // live series under its header's own status, saying why the other is empty.
    let screen = shown(
        "prometheus-2-stats-grafana",
        dir.path(),
        &url,
        "Prometheus 2.0 Stats",
        &[],
    );
    // Whole screen lines: the panels beside it are in them too.
    let memory = around(&screen, "Memory Profile", 3);
    assert!(memory.contains("MiB") || memory.contains("GiB"), "{screen}");
    let gc = around(&screen, "Head Block GC Activity", 8);
    assert!(!gc.lines().next().unwrap().contains("NO DATA"), "{screen}");
    let compaction = around(&screen, "Compaction Activity", 12);
    assert!(
        compaction.contains("no data: metric prometheus_tsdb_compaction_duration_bucket"),
        "{screen}"
    );
    assert!(screen.contains("WAL Corruptions"), "{screen}");

    // Alertmanager (FUSAKLA): the Alertmanager Prometheus scrapes, one active alert.
    let am = format!("127.0.0.1:{}", alertmanager.port);
    let screen = shown(
        "alertmanager-fusakla",
        dir.path(),
        &url,
        "General info",
        &[format!("instance={am}")],
    );
    // Titles are cut to their panel's width; the one alert is the only 1.00 on the line.
    assert!(
        around(&screen, "Number of active alert", 1).contains("1.00"),
        "{screen}"
    );
    let table = around(&screen, "Instance versions and up time", 4);
    assert!(table.contains(&am) && table.contains("Up time"), "{screen}");

    // Node Exporter / Nodes (node-mixin): job="node", the hidden cluster at All.
    let target = format!("127.0.0.1:{}", node.port);
    let screen = shown(
        "node-mixin-nodes",
        dir.path(),
        &url,
        "CPU",
        &["cluster=All".into(), format!("instance={target}")],
    );
    assert!(around(&screen, "CPU Usage", 3).contains('%'), "{screen}");
    assert!(!screen.contains("NO DATA"), "{screen}");
}
