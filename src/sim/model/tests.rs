//! Scenario targets, checked the way the dashboard's PromQL would see them.

use std::time::Duration;

use super::Simulation;
use crate::sim::Scenario;
use crate::sim::exposition::render_exposition;
use crate::sim::testing::{ParsedExposition, increase_between, parse_exposition, quantile_between};

const API: &str = "http_request_duration_seconds";

fn scrape(simulation: &Simulation) -> ParsedExposition {
    parse_exposition(&render_exposition(simulation))
}

fn advance_secs(simulation: &mut Simulation, secs: u64) {
    simulation.advance(Duration::from_secs(secs));
}

fn assert_within(what: &str, value: f64, low: f64, high: f64) {
    assert!(
        (low..=high).contains(&value),
        "{what} = {value}, expected {low}..={high}"
    );
}

/// Share of API responses with a 5xx status between two scrapes.
fn server_error_share(before: &ParsedExposition, after: &ParsedExposition) -> f64 {
    let count = format!("{API}_count");
    let total = increase_between(before, after, &count, &[]);
    let errors: f64 = ["500", "503"]
        .iter()
        .map(|status| increase_between(before, after, &count, &[("status", status)]))
        .sum();
    errors / total
}

fn write_pool_utilisation(scrape: &ParsedExposition) -> f64 {
    let active = scrape.value(
        "db_pool_connections",
        &[("pool", "write"), ("state", "active")],
    );
    let idle = scrape.value(
        "db_pool_connections",
        &[("pool", "write"), ("state", "idle")],
    );
    active / (active + idle)
}

fn memory_used_share(scrape: &ParsedExposition) -> f64 {
    let labels = [("instance", "backend")];
    1.0 - scrape.value("node_memory_MemAvailable_bytes", &labels)
        / scrape.value("node_memory_MemTotal_bytes", &labels)
}

fn max_replication_lag(scrape: &ParsedExposition) -> f64 {
    ["replica-1", "replica-2", "replica-3"]
        .iter()
        .map(|replica| scrape.value("db_replication_lag_seconds", &[("replica", replica)]))
        .fold(f64::MIN, f64::max)
}

fn queued(scrape: &ParsedExposition, task_type: &str) -> f64 {
    scrape.value("ml_tasks_queued", &[("task_type", task_type)])
}

#[test]
fn normal_scenario_stays_within_targets() {
    for seed in [1, 2] {
        let mut simulation = Simulation::new(seed, Scenario::Normal);
        advance_secs(&mut simulation, 10);
        let mut before = scrape(&simulation);
        // Several 2-minute windows, so slow drifts get a chance to leave the targets.
        for _ in 0..3 {
            advance_secs(&mut simulation, 120);
            let after = scrape(&simulation);
            let window = 120.0;

            assert_within(
                "API p95",
                quantile_between(&before, &after, API, &[], 0.95),
                0.08,
                0.17,
            );
            assert_within(
                "API 5xx share",
                server_error_share(&before, &after),
                0.002,
                0.005,
            );
            let api_rate = increase_between(&before, &after, &format!("{API}_count"), &[]) / window;
            assert_within("API req/s", api_rate, 45.0, 55.0);
            for operation in [
                "GetProjects",
                "GetProject",
                "GetImages",
                "CreateSegmentationJob",
                "UpdateCellAnnotations",
            ] {
                let labels = [("operation", operation)];
                let p95 = quantile_between(
                    &before,
                    &after,
                    "graphql_request_duration_seconds",
                    &labels,
                    0.95,
                );
                assert_within(&format!("GraphQL {operation} p95"), p95, 0.05, 0.25);
                let errors = increase_between(&before, &after, "graphql_errors_total", &labels);
                let requests = increase_between(
                    &before,
                    &after,
                    "graphql_request_duration_seconds_count",
                    &labels,
                );
                assert_within(
                    &format!("GraphQL {operation} error share"),
                    errors / requests,
                    0.004,
                    0.02,
                );
            }
            for pool in ["read", "write"] {
                let p95 = quantile_between(
                    &before,
                    &after,
                    "db_query_duration_seconds",
                    &[("pool", pool)],
                    0.95,
                );
                assert_within(&format!("{pool} query p95"), p95, 0.02, 0.08);
            }
            let reads = increase_between(
                &before,
                &after,
                "db_read_write_split_total",
                &[("pool", "read")],
            ) / window;
            assert_within("read queries/s", reads, 270.0, 330.0);
            let ml = "ml_task_duration_seconds";
            let p95 = |task| quantile_between(&before, &after, ml, &[("task_type", task)], 0.95);
            assert_within("segmentation p95", p95("segmentation"), 15.0, 25.0);
            assert_within(
                "feature extraction p95",
                p95("feature_extraction"),
                5.0,
                10.0,
            );
            assert_within("thumbnail p95", p95("thumbnail"), 0.0, 1.0);
            let cdn = "cdn_response_time_seconds";
            let hit_p95 = quantile_between(&before, &after, cdn, &[("cache_status", "hit")], 0.95);
            let miss_p95 =
                quantile_between(&before, &after, cdn, &[("cache_status", "miss")], 0.95);
            assert_within("CDN hit p95", hit_p95, 0.01, 0.03);
            assert_within("CDN miss p95", miss_p95, 0.15, 0.4);
            let hits = increase_between(&before, &after, "cdn_cache_hits_total", &[]);
            let misses = increase_between(&before, &after, "cdn_cache_misses_total", &[]);
            assert_within("CDN hit ratio", hits / (hits + misses), 0.9, 0.95);

            let connections = after.sum("websocket_active_connections", &[]);
            assert_within("WebSocket connections", connections, 350.0, 650.0);
            let batching = after.value(
                "websocket_active_connections",
                &[("supports_batching", "true")],
            );
            assert_within("batching share", batching / connections, 0.75, 0.85);
            assert_within(
                "write pool utilisation",
                write_pool_utilisation(&after),
                0.3,
                0.55,
            );
            assert_within(
                "max replication lag",
                max_replication_lag(&after),
                0.02,
                0.5,
            );
            assert_within(
                "ML queue total",
                after.sum("ml_tasks_queued", &[]),
                10.0,
                40.0,
            );
            assert_within("memory used", memory_used_share(&after), 0.55, 0.72);
            for worker in ["ml-worker-1", "ml-worker-2", "ml-worker-3", "ml-worker-4"] {
                let labels = [("instance", worker)];
                assert_within(
                    "ML CPU",
                    after.value("ml_instance_cpu_usage_ratio", &labels),
                    0.3,
                    0.7,
                );
                let rate =
                    increase_between(&before, &after, "ml_load_balancer_requests_total", &labels)
                        / window;
                assert_within("ML worker req/s", rate, 4.5, 5.5);
            }
            before = after;
        }
    }
}

#[test]
fn incident_crosses_alert_thresholds_within_two_seconds() {
    let mut simulation = Simulation::new(5, Scenario::Normal);
    advance_secs(&mut simulation, 30);
    simulation.set_scenario(Scenario::Incident);
    advance_secs(&mut simulation, 2);
    let early = scrape(&simulation);
    assert!(early.value("db_replication_lag_seconds", &[("replica", "replica-2")]) >= 6.0);
    assert!(queued(&early, "segmentation") > 100.0);
    assert_eq!(
        early.value("spheroseg_sim_scenario", &[("scenario", "incident")]),
        1.0
    );

    // A full 5-minute window of incident traffic, as `rate(...[5m])` would see it.
    advance_secs(&mut simulation, 300);
    let after = scrape(&simulation);
    assert_within(
        "API p95",
        quantile_between(&early, &after, API, &[], 0.95),
        0.8,
        1.5,
    );
    assert_within(
        "API 5xx share",
        server_error_share(&early, &after),
        0.07,
        0.10,
    );
    let read_p95 = quantile_between(
        &early,
        &after,
        "db_query_duration_seconds",
        &[("pool", "read")],
        0.95,
    );
    assert_within("read query p95", read_p95, 0.15, 0.4);
    let segmentation_p95 = quantile_between(
        &early,
        &after,
        "ml_task_duration_seconds",
        &[("task_type", "segmentation")],
        0.95,
    );
    assert_within("segmentation p95", segmentation_p95, 35.0, 50.0);

    let lags: Vec<f64> = ["replica-1", "replica-2", "replica-3"]
        .iter()
        .map(|replica| after.value("db_replication_lag_seconds", &[("replica", replica)]))
        .collect();
    assert_within("replica-2 lag", lags[1], 6.0, 15.0);
    assert!(lags[0] < 0.5 && lags[2] < 0.5, "{lags:?}");
    assert_within(
        "segmentation queue",
        queued(&after, "segmentation"),
        120.0,
        170.0,
    );
    assert_within(
        "write pool utilisation",
        write_pool_utilisation(&after),
        0.85,
        0.95,
    );
    assert!(
        after.value(
            "db_pool_connections",
            &[("pool", "write"), ("state", "waiting")]
        ) > 0.0
    );
    assert_within(
        "WebSocket connections",
        after.sum("websocket_active_connections", &[]),
        650.0,
        900.0,
    );
    assert_within("memory used", memory_used_share(&after), 0.82, 0.88);

    let worker_rate = |worker| {
        increase_between(
            &early,
            &after,
            "ml_load_balancer_requests_total",
            &[("instance", worker)],
        ) / 300.0
    };
    assert!(worker_rate("ml-worker-3") > 1.8 * worker_rate("ml-worker-1"));
    let hot_cpu = after.value(
        "ml_instance_cpu_usage_ratio",
        &[("instance", "ml-worker-3")],
    );
    assert_within("hot worker CPU", hot_cpu, 0.85, 0.93);
}

#[test]
fn switching_back_recovers_quickly() {
    let mut simulation = Simulation::new(9, Scenario::Incident);
    advance_secs(&mut simulation, 20);
    simulation.set_scenario(Scenario::Normal);
    advance_secs(&mut simulation, 2);
    let recovered = scrape(&simulation);
    assert!(max_replication_lag(&recovered) < 0.5);
    assert!(recovered.sum("ml_tasks_queued", &[]) <= 40.0);
    assert_eq!(
        recovered.value("spheroseg_sim_scenario", &[("scenario", "normal")]),
        1.0
    );
}

#[test]
fn counters_never_decrease() {
    let mut simulation = Simulation::new(13, Scenario::Normal);
    let mut previous = scrape(&simulation);
    for step in 0..12 {
        if step == 6 {
            simulation.set_scenario(Scenario::Incident);
        }
        simulation.advance(Duration::from_millis(700));
        let current = scrape(&simulation);
        let mut grew = false;
        for (old, new) in previous.samples.iter().zip(&current.samples) {
            assert_eq!(
                (&old.name, &old.labels),
                (&new.name, &new.labels),
                "series order changed"
            );
            let family = current.family_of(&new.name);
            if matches!(current.types[family].as_str(), "counter" | "histogram") {
                assert!(
                    new.value >= old.value,
                    "{} went down: {old:?} -> {new:?}",
                    new.name
                );
                grew |= new.value > old.value;
            }
        }
        assert!(grew, "nothing accumulated in step {step}");
        let messages = |scrape: &ParsedExposition| scrape.value("websocket_messages_total", &[]);
        assert!(
            messages(&current) > messages(&previous),
            "websocket_messages_total is stuck"
        );
        previous = current;
    }
}
