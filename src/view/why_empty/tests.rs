use super::*;
use crate::event::ServerData;
use crate::model::Labels;
use crate::prom::status::SeriesList;

use crate::model::labels::from_pairs as labels;

fn series(state: &mut ServerState, selector: &str, found: Vec<Labels>) {
    let total = found.len();
    state.ingest(
        100.0,
        ServerRequest::Series {
            selector: selector.into(),
        },
        Ok(ServerData::Series(SeriesList {
            series: found,
            total,
        })),
    );
}

fn node_target(health: TargetHealth, error: Option<&str>) -> Target {
    Target {
        pool: "node".into(),
        labels: labels(&[("job", "node"), ("instance", "127.0.0.1:9100")]),
        scrape_url: "http://127.0.0.1:9100/metrics".into(),
        health,
        last_error: error.map(str::to_string),
        last_scrape: Some(99.0),
        last_scrape_duration: 0.001,
        scrape_interval: None,
        scrape_timeout: None,
        samples: None,
    }
}

#[test]
fn a_metric_without_series_does_not_exist() {
    let mut state = ServerState::default();
    let expr = "sum(ml_tasks_queued)";
    assert_eq!(reason(expr, &state, 0.0), None, "nothing known yet");
    assert_eq!(
        requests(expr, &state, 0.0),
        vec![
            ServerRequest::Targets,
            ServerRequest::Series {
                selector: "ml_tasks_queued".into()
            }
        ]
    );
    series(&mut state, "ml_tasks_queued", vec![]);
    assert_eq!(
        reason(expr, &state, 0.0).unwrap().to_string(),
        "metric ml_tasks_queued does not exist on this server"
    );
}

#[test]
fn a_matcher_that_selects_nothing_is_named_with_the_values_there_are() {
    let mut state = ServerState::default();
    let expr = r#"db_replication_lag_seconds{replica="replica-9"}"#;
    series(&mut state, expr, vec![]);
    assert_eq!(
        requests(expr, &state, 0.0)[1],
        ServerRequest::Series {
            selector: "db_replication_lag_seconds".into()
        }
    );
    series(
        &mut state,
        "db_replication_lag_seconds",
        vec![labels(&[("replica", "replica-1")])],
    );
    let ask = ServerRequest::LabelValues {
        name: "replica".into(),
        selector: "db_replication_lag_seconds".into(),
    };
    assert_eq!(requests(expr, &state, 0.0)[1], ask);
    let values = ["replica-1", "replica-2", "replica-3"]
        .map(String::from)
        .to_vec();
    state.ingest(100.0, ask, Ok(ServerData::Values(values)));
    assert_eq!(
        reason(expr, &state, 0.0).unwrap().to_string(),
        r#"no series with replica="replica-9"; replica has 3 values"#
    );
    assert_eq!(requests(expr, &state, 50.0), vec![ServerRequest::Targets]);
    assert_eq!(
        requests(expr, &state, 150.0).len(),
        2,
        "expired answers are asked again"
    );
}

#[test]
fn series_only_on_a_down_target_name_the_target_and_its_error() {
    let mut state = ServerState::default();
    let expr = r#"1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}"#;
    let node = vec![labels(&[("job", "node"), ("instance", "127.0.0.1:9100")])];
    series(
        &mut state,
        r#"node_memory_MemAvailable_bytes{job="node"}"#,
        node.clone(),
    );
    series(
        &mut state,
        r#"node_memory_MemTotal_bytes{job="node"}"#,
        node,
    );
    let up = node_target(TargetHealth::Up, None);
    state.ingest(
        50.0,
        ServerRequest::Targets,
        Ok(ServerData::Targets(vec![up])),
    );
    assert!(matches!(
        reason(expr, &state, 100.0),
        Some(Reason::Filtered { series: 1, .. })
    ));
    let refused = "Get \"http://127.0.0.1:9100/metrics\": dial tcp 127.0.0.1:9100: connect: connection refused";
    let down = node_target(TargetHealth::Down, Some(refused));
    state.ingest(
        58.0,
        ServerRequest::Targets,
        Ok(ServerData::Targets(vec![down])),
    );
    assert_eq!(
        reason(expr, &state, 100.0).unwrap().to_string(),
        "target node 127.0.0.1:9100 down: connection refused, 42 s"
    );
}

#[test]
fn a_label_the_metric_lacks() {
    let mut state = ServerState::default();
    let expr = r#"up{shard="a"}"#;
    series(&mut state, expr, vec![]);
    series(&mut state, "up", vec![labels(&[("job", "x")])]);
    state.ingest(
        100.0,
        ServerRequest::LabelValues {
            name: "shard".into(),
            selector: "up".into(),
        },
        Ok(ServerData::Values(vec![])),
    );
    assert_eq!(
        reason(expr, &state, 0.0).unwrap().to_string(),
        "no series of up has the label shard"
    );
}

#[test]
fn reasons_serialise_with_their_kind() {
    let reason = Reason::NoMetric {
        metric: "ml_tasks_queued".into(),
    };
    assert_eq!(
        serde_json::to_string(&reason).unwrap(),
        r#"{"kind":"no_metric","metric":"ml_tasks_queued"}"#
    );
}

#[test]
fn a_job_no_series_has_is_told_by_its_down_target() {
    // The node exporter was never up: no series of job="node" at all, but the metric
    // exists elsewhere (the simulator exports it too).
    let mut state = ServerState::default();
    let expr = r#"node_memory_MemAvailable_bytes{job="node"}"#;
    series(
        &mut state,
        r#"node_memory_MemAvailable_bytes{job="node"}"#,
        vec![],
    );
    series(
        &mut state,
        "node_memory_MemAvailable_bytes",
        vec![labels(&[
            ("job", "spheroseg"),
            ("instance", "127.0.0.1:9101"),
        ])],
    );
    state.ingest(
        100.0,
        ServerRequest::LabelValues {
            name: "job".into(),
            selector: "node_memory_MemAvailable_bytes".into(),
        },
        Ok(ServerData::Values(vec!["spheroseg".into()])),
    );
    assert_eq!(
        reason(expr, &state, 100.0).unwrap().to_string(),
        r#"no series with job="node"; job has 1 value"#,
        "no target known yet"
    );
    state.ingest(
        100.0,
        ServerRequest::Targets,
        Ok(ServerData::Targets(vec![node_target(
            TargetHealth::Down,
            Some("connection refused"),
        )])),
    );
    let told = reason(expr, &state, 100.0).unwrap().to_string();
    assert!(
        told.starts_with("target node 127.0.0.1:9100 down: connection refused"),
        "{told}"
    );
    state.ingest(
        101.0,
        ServerRequest::Targets,
        Ok(ServerData::Targets(vec![node_target(
            TargetHealth::Up,
            None,
        )])),
    );
    assert!(
        reason(expr, &state, 101.0)
            .unwrap()
            .to_string()
            .starts_with("no series with"),
        "an up target explains nothing"
    );
}
