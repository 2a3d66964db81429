//! Against a real Prometheus evaluating the monitoring guide's alerting rules (sped up) on
//! the simulator's incident: Prometheus reports the three alerts pending, then firing; its
//! rule groups are healthy; and the local evaluator, fed with the same expressions queried
//! at Prometheus' own evaluation times, reaches the same alerts.

#![allow(clippy::unwrap_used)]

use spheroseg_top::alerts::{Evaluator, RuleFile};
use spheroseg_top::clock::unix_now;
use spheroseg_top::demo::{Stack, StackOptions};
use spheroseg_top::model::Labels;
use spheroseg_top::prom::{Alert, AlertState, RuleGroupStatus, RuleHealth, RuleKind};
use spheroseg_top::prom::{ClientOptions, PromClient};
use spheroseg_top::sim::Scenario;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;
use tokio::time::{Instant, sleep};

const ALERTS: [&str; 3] = [
    "HighAPIResponseTime",
    "DatabaseReplicationLag",
    "MLQueueBacklog",
];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(name)
}

/// Prometheus with the rule file, scraping the simulator in its incident. A missing
/// Prometheus fails the test: it must never pass by skipping.
async fn stack_with_rules(rules: PathBuf) -> Stack {
    match Stack::start(StackOptions {
        scenario: Scenario::Incident,
        rule_files: vec![rules],
        ..StackOptions::default()
    })
    .await
    {
        Ok(stack) => stack,
        Err(e) => panic!("this test needs a real Prometheus and could not start one:\n{e}"),
    }
}

fn client(stack: &Stack) -> PromClient {
    let options = ClientOptions {
        timeout: Duration::from_secs(5),
        bearer_token: None,
        ..ClientOptions::default()
    };
    PromClient::new(stack.prometheus_url(), options).unwrap()
}

/// When each alert was first seen pending and first seen firing, by our polls.
#[derive(Debug, Default)]
struct Seen {
    pending: Option<f64>,
    firing: Option<f64>,
    /// The earliest `activeAt` Prometheus reported for the alert.
    active_at: Option<f64>,
}

/// Polls `/api/v1/alerts` until all three alerts fire.
async fn watch_until_firing(client: &PromClient) -> (BTreeMap<&'static str, Seen>, f64) {
    let mut seen: BTreeMap<&str, Seen> = ALERTS.iter().map(|&n| (n, Seen::default())).collect();
    let first_poll = unix_now();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = unix_now();
        for alert in client.alerts().await.unwrap() {
            let Some(entry) = seen.get_mut(alert.name.as_str()) else {
                continue;
            };
            let first = match alert.state {
                AlertState::Pending => &mut entry.pending,
                AlertState::Firing => &mut entry.firing,
                AlertState::Inactive => continue,
            };
            first.get_or_insert(now);
            let active_at = entry.active_at.get_or_insert(alert.active_at);
            *active_at = active_at.min(alert.active_at);
        }
        if seen.values().all(|s| s.firing.is_some()) {
            return (seen, first_poll);
        }
        assert!(
            Instant::now() < deadline,
            "not every alert fired within 30 s: {seen:#?}"
        );
        sleep(Duration::from_millis(200)).await;
    }
}

/// What the comparison looks at first: each instance's labels and state.
fn summary(alerts: &[Alert]) -> BTreeSet<(String, AlertState)> {
    alerts
        .iter()
        .map(|a| (describe(&a.labels), a.state))
        .collect()
}

fn describe(labels: &Labels) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(",")
}

fn group<'a>(groups: &'a [RuleGroupStatus], name: &str) -> &'a RuleGroupStatus {
    groups
        .iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no group {name} in {groups:#?}"))
}

/// Replays rule evaluation locally: every alerting rule's expression queried at each of
/// Prometheus' evaluation times from `from` to `last`, fed to a fresh evaluator.
async fn evaluate_locally(
    client: &PromClient,
    file: &RuleFile,
    from: f64,
    last: f64,
    interval: f64,
) -> Evaluator {
    let mut evaluator = Evaluator::from_files(std::slice::from_ref(file));
    let steps = ((last - from) / interval).ceil().max(0.0) as usize;
    let queries: Vec<(usize, String)> = evaluator
        .queries()
        .map(|(i, q)| (i, q.to_string()))
        .collect();
    for k in (0..=steps).rev() {
        let at = last - k as f64 * interval;
        for (index, expr) in &queries {
            let result = client
                .instant(expr, query_time(at))
                .await
                .map(|a| a.samples);
            evaluator.evaluate(*index, at, result.as_deref());
        }
    }
    evaluator
}

/// Whether the last scrape before `at` may not have been stored yet when Prometheus
/// evaluated at `at`: then the server saw one sample less than a query made later.
async fn scrape_in_flight(client: &PromClient, at: f64) -> bool {
    let time = query_time(at);
    let value = |samples: Vec<spheroseg_top::prom::Sample>| samples.first().map(|s| s.value);
    let scraped = value(
        client
            .instant("timestamp(up{job=\"spheroseg\"})", time)
            .await
            .unwrap()
            .samples,
    );
    let took = value(
        client
            .instant("scrape_duration_seconds{job=\"spheroseg\"}", time)
            .await
            .unwrap()
            .samples,
    );
    match (scraped, took) {
        (Some(scraped), Some(took)) => time - scraped < took + 0.05,
        _ => true,
    }
}

/// Prometheus queries at its evaluation time truncated to the millisecond.
fn query_time(at: f64) -> f64 {
    (at * 1000.0).floor() / 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_and_the_local_evaluator_agree_on_the_guides_alerts() {
    let path = fixture("spheroseg-fast.yml");
    let file = RuleFile::load(&path).unwrap();
    let stack = stack_with_rules(path.clone()).await;
    let client = client(&stack);

    // Prometheus: each alert pending first, then firing.
    let (seen, first_poll) = watch_until_firing(&client).await;
    let rules: BTreeMap<&str, f64> = file
        .alerting_rules()
        .map(|r| (r.name.as_str(), r.for_duration.as_secs_f64()))
        .collect();
    for (name, s) in &seen {
        let active_at = s.active_at.unwrap();
        // Pending is observable unless the alert already fired before our first poll.
        if active_at + rules[name] > first_poll + 0.5 {
            let (pending, firing) = (s.pending, s.firing.unwrap());
            assert!(
                pending.is_some_and(|p| p < firing),
                "{name} was not seen pending before firing: {s:?}"
            );
        } else {
            eprintln!("{name} fired before the first poll; its pending phase was not observable");
        }
    }

    // The same rules, evaluated here at Prometheus' evaluation times, give the same alerts.
    // A snapshot is consistent when the group's last evaluation did not move while the
    // alerts were read. A disagreement is retried on a later snapshot: Prometheus may have
    // evaluated while a scrape it already took was not yet stored, which a later query sees.
    let mut report = String::new();
    let mut agreed = false;
    for attempt in 1..=4 {
        let before = client.rules().await.unwrap();
        let server = client.alerts().await.unwrap();
        let after = client.rules().await.unwrap();
        let alerting = group(&before, "spheroseg");
        let first_active = server.iter().map(|a| a.active_at).reduce(f64::min);
        let (Some(wall), Some(first_active)) = (alerting.last_evaluation, first_active) else {
            continue;
        };
        if group(&after, "spheroseg").last_evaluation != Some(wall) {
            continue;
        }
        // `lastEvaluation` is the wall clock when the evaluation started; the evaluation
        // time itself is on the group's grid, which every `activeAt` lies on. Evaluating
        // from the earliest `activeAt` on sees what Prometheus saw from then on, without
        // guessing when its rule manager started.
        let interval = alerting.interval;
        let last = first_active + ((wall - first_active) / interval).floor() * interval;
        let local = evaluate_locally(&client, &file, first_active, last, interval).await;
        let local_alerts = local.alerts();
        let (mine, theirs) = (summary(&local_alerts), summary(&server));
        for status in local.rule_statuses() {
            assert_eq!(status.health, RuleHealth::Ok, "{status:#?}");
        }
        let firing: BTreeSet<&str> = server
            .iter()
            .filter(|a| a.state == AlertState::Firing)
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(firing, BTreeSet::from(ALERTS), "an alert stopped firing");
        if mine != theirs {
            report.push_str(&format!(
                "attempt {attempt} at {last:.3}:\n  only local:  {:#?}\n  only server: {:#?}\n",
                mine.difference(&theirs).collect::<Vec<_>>(),
                theirs.difference(&mine).collect::<Vec<_>>()
            ));
            sleep(Duration::from_millis(1500)).await;
            continue;
        }
        // Same instances and states; they became active at the same evaluation, and unless
        // a scrape was in flight at the last evaluation, have the same values and the same
        // expanded annotations.
        // The scrape phase is fixed for the whole run, so an in-flight scrape at the last
        // evaluation means one at every evaluation: activation may then differ by one.
        let exact = !scrape_in_flight(&client, last).await;
        let slack = if exact { 0.001 } else { interval + 0.001 };
        let by_labels: BTreeMap<&Labels, &Alert> = server.iter().map(|a| (&a.labels, a)).collect();
        for alert in &local_alerts {
            let theirs = by_labels[&alert.labels];
            assert!(
                (alert.active_at - theirs.active_at).abs() < slack,
                "active_at differs: local {alert:#?}\nserver {theirs:#?}"
            );
            if exact {
                assert_eq!(alert.value, theirs.value, "{alert:#?}\n{theirs:#?}");
                assert_eq!(alert.annotations, theirs.annotations);
            }
        }
        eprintln!(
            "attempt {attempt}: {} alerts agree at {last:.3}{}; e.g. {:?}",
            local_alerts.len(),
            if exact {
                ", values and annotations too"
            } else {
                " (a scrape was in flight: values not compared)"
            },
            local_alerts.first().map(|a| &a.annotations)
        );
        agreed = true;
        break;
    }
    assert!(agreed, "local and server alerts differ:\n{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_reports_the_rule_groups_healthy() {
    let stack = stack_with_rules(fixture("spheroseg-fast.yml")).await;
    let client = client(&stack);
    // Every rule is healthy once evaluated (rate windows need two scrapes first).
    let deadline = Instant::now() + Duration::from_secs(20);
    let groups = loop {
        let groups = client.rules().await.unwrap();
        let rules = || groups.iter().flat_map(|g| &g.rules);
        if rules().count() == 5 && rules().all(|r| r.health == RuleHealth::Ok) {
            break groups;
        }
        assert!(
            Instant::now() < deadline,
            "rules not all healthy within 20 s: {groups:#?}"
        );
        sleep(Duration::from_millis(200)).await;
    };
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["spheroseg", "spheroseg_recording"]);
    for group in &groups {
        assert!(group.file.ends_with("spheroseg-fast.yml"), "{}", group.file);
        assert_eq!(group.interval, 1.0);
        assert!(group.last_evaluation.is_some());
        for rule in &group.rules {
            assert_eq!(rule.last_error, None);
            assert!(rule.last_evaluation.is_some(), "{rule:#?}");
        }
    }
    let alerting = &groups[0].rules;
    let names: Vec<&str> = alerting.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ALERTS);
    assert!(alerting.iter().all(|r| r.kind == RuleKind::Alerting));
    assert_eq!(alerting[2].duration, 5.0);
    assert_eq!(alerting[1].labels["severity"], "critical");
    let recording = &groups[1].rules;
    assert_eq!(recording[0].name, "instance:api_request_rate");
    assert!(
        recording
            .iter()
            .all(|r| r.kind == RuleKind::Recording && r.state.is_none())
    );
}
