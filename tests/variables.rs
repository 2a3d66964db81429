//! Template variables against a real Prometheus scraping the simulator: a chain
//! job → instance gets its options from the server, the panels' queries go out expanded
//! and return data, and a choice made in the picker re-polls only what uses it.

#![allow(clippy::unwrap_used)]

mod common;

use common::wired::Wired;
use common::*;
use spheroseg_top::app::focus::Dir;
use spheroseg_top::app::{Action, App};
use spheroseg_top::config::Layout;
use spheroseg_top::config::Source;
use spheroseg_top::sim::Scenario;
use spheroseg_top::variables::Selection;
use std::time::Duration;

/// job → instance (multi) and job → replica (multi, All by default), and a panel of each.
const LAYOUT: &str = include_str!("fixtures/variables.toml");
fn layout() -> Layout {
    Layout::parse(Source {
        origin: "variables.toml".into(),
        text: LAYOUT.to_string(),
    })
    .unwrap()
}

fn selection(app: &App, name: &str) -> Selection {
    app.variable_values()
        .into_iter()
        .find(|(v, _)| v.name == name)
        .map(|(_, s)| s.clone())
        .unwrap()
}

fn has_data(app: &App, id: usize) -> bool {
    app.store()
        .query(id)
        .is_some_and(|q| q.last_eval.is_some() && !q.series.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_variables_gets_its_options_from_prometheus_and_queries_go_out_expanded() {
    let stack = stack(Scenario::Normal).await;
    let url = stack.prometheus_url().to_string();
    wait_for(&url, "scrape_samples_scraped", Duration::from_secs(30)).await;
    wait_for(&url, "db_replication_lag_seconds", Duration::from_secs(30)).await;

    let app = app(layout(), &url).with_variables(Vec::new(), Duration::from_secs(1));
    let mut wired = Wired::start(app, &url);

    // job → instance: the instance's options are asked with the job chosen.
    wired
        .run_until(
            "job and instance to be chosen and both panels to answer",
            |app| {
                !selection(app, "instance").values.is_empty()
                    && has_data(app, 0)
                    && has_data(app, 1)
            },
        )
        .await;
    let app = &wired.app;
    assert_eq!(selection(app, "job").values, ["spheroseg"]);
    let instance = selection(app, "instance").values[0].clone();
    assert!(instance.starts_with("127.0.0.1:"), "instance {instance}");
    // A multi variable's value is regex-escaped; the built-in waits for the step.
    let escaped = instance.replace('.', "\\\\.");
    let expr = &app.layout().queries[0].expr;
    assert!(
        expr.contains(&format!(r#"job="spheroseg", instance=~"{escaped}""#)),
        "{expr}"
    );
    assert!(expr.contains("[$__rate_interval]"), "{expr}");
    // As polled: 4 scrapes of 1s against a refresh of 1s.
    assert!(app.polled_queries()[0].expr.contains("[4s]"));
    // All replicas, every option written out.
    assert!(selection(app, "replica").all);
    let lag = &app.layout().queries[1].expr;
    assert!(lag.contains(r#"replica=~"(replica-1|replica-2"#), "{lag}");
    let screen = lines(&render(app, 120, 30)).join("\n");
    assert!(screen.contains("job=spheroseg"), "{screen}");
    assert!(screen.contains(&format!("Instance={instance}")), "{screen}");
    assert!(screen.contains("replica=All"), "{screen}");
    assert!(
        screen.contains(&format!("Scrapes of {instance}")),
        "{screen}"
    );
    let series = app.store().query(1).unwrap().series.len();
    assert!(series >= 2, "every replica's lag: {series} series");

    // The picker: v, filter the variables to "rep", Enter; the values come live.
    wired.act(Action::PickVariables);
    for c in "rep".chars() {
        wired.act(Action::Input(c));
    }
    wired.act(Action::Submit);
    wired
        .run_until("the replicas to be listed", |app| {
            app.picker_rows().len() >= 3
        })
        .await;
    let rows = wired.app.picker_rows();
    assert_eq!(rows[0], "$__all", "All first: {rows:?}");
    // Untick All (ticked: the current choice), tick the first replica, apply.
    wired.act(Action::Input(' '));
    wired.act(Action::Focus(Dir::Down));
    wired.act(Action::Input(' '));
    let first = rows[1].clone();
    wired.expands.clear();
    wired.act(Action::Submit);
    assert!(wired.app.picker().is_none(), "Enter applies and closes");
    assert_eq!(
        selection(&wired.app, "replica").values,
        std::slice::from_ref(&first)
    );
    // Only the lag panel's query uses $replica: only it is re-polled, from a fresh history.
    wired.flush().await;
    assert_eq!(wired.expands, [vec![1]]);
    assert!(
        !has_data(&wired.app, 1),
        "the lag panel's history starts over"
    );
    wired
        .run_until("the lag panel to answer for one replica", |app| {
            has_data(app, 1)
        })
        .await;
    let series = &wired.app.store().query(1).unwrap().series;
    assert!(
        series
            .iter()
            .all(|s| s.labels.get("replica") == Some(&first)),
        "only {first}: {:?}",
        series.iter().map(|s| &s.labels).collect::<Vec<_>>()
    );
    let screen = lines(&render(&wired.app, 120, 30)).join("\n");
    assert!(screen.contains(&format!("replica={first}")), "{screen}");
    assert!(screen.contains(&format!("Lag of {first}")), "{screen}");
}

/// `--var` the layout cannot take stops the run before the terminal is touched: exit 2 and
/// a message naming the flag, with no Prometheus needed.
#[test]
fn a_var_the_layout_cannot_take_is_a_clear_error() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/variables.toml");
    let run = |var: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
            .args(["--prometheus", "http://127.0.0.1:9", "--layout", fixture])
            .args(["--var", var])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code(), stderr)
    };
    for (var, message) in [
        (
            "nope=1",
            "--var nope=1: the layout has no variable \"nope\" (declared: [\"job\", \"instance\", \"replica\"])",
        ),
        ("replica", "--var replica: expected NAME=VALUE"),
        ("job=All", "--var job=All: \"job\" does not offer All"),
        (
            "instance=a,",
            "--var instance=a,: empty value among several",
        ),
    ] {
        let (code, stderr) = run(var);
        assert_eq!(code, Some(2), "{var}: {stderr}");
        assert!(stderr.contains(message), "{var}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // `check`, `snapshot` and `screenshot` take the choice as the dashboard does.
    for command in [
        vec!["check"],
        vec!["snapshot"],
        vec!["screenshot", "-o", "x.svg"],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
            .args(["--prometheus", "http://127.0.0.1:9", "--layout", fixture])
            .args(&command)
            .args(["--var", "nope=1"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(
            stderr.contains("no variable \"nope\""),
            "{command:?}: {stderr}"
        );
    }
}
