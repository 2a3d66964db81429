//! The incident report of a recording: a scripted ten-minute incident (replica-2's
//! replication lag past its alert threshold from 08:03 to 08:08, the ML queue backed up
//! from 08:04 to 08:07, DatabaseReplicationLag pending then firing, two markers) recorded
//! with the real recorder, read back and reported on.

#![allow(clippy::unwrap_used)]

use spheroseg_top::alerts::RuleFile;
use spheroseg_top::app::{App, SourceInfo};
use spheroseg_top::config::{Layout, Theme};
use spheroseg_top::event::DataEvent;
use spheroseg_top::model::Labels;
use spheroseg_top::prom::Sample;
use spheroseg_top::prom::{Alert, AlertSource, AlertState};
use spheroseg_top::report;
use spheroseg_top::session::{ConfigText, Recorder, Recording};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// 2027-01-15 08:00:00 UTC.
const T0: f64 = 1_800_000_000.0;
/// Seconds between refresh cycles.
const REFRESH: u32 = 5;
/// Length of the incident, seconds.
const LENGTH: u32 = 600;

use spheroseg_top::model::labels::from_pairs as labels;

/// Replica-2's lag at `t` seconds into the incident: jumps past the alert threshold at
/// 3:00, climbs to 9 s by 5:00, eases to 6 s by 8:00 and is back at 0.2 s at 8:00.
fn replica_2_lag(t: u32) -> f64 {
    let t = f64::from(t);
    match t {
        _ if t < 180.0 => 0.2,
        _ if t < 300.0 => 6.0 + 3.0 * (t - 180.0) / 120.0,
        _ if t < 360.0 => 9.0,
        _ if t < 480.0 => 9.0 - 3.0 * (t - 360.0) / 120.0,
        _ => 0.2,
    }
}

/// The ML queue: past its target from 3:30, past its alert threshold from 4:00 to 7:00
/// (peaking at 164 at 5:30), past its target until 7:30.
fn ml_queue(t: u32) -> f64 {
    let t = f64::from(t);
    match t {
        _ if t < 210.0 => 12.0,
        _ if t < 240.0 => 70.0,
        _ if t < 420.0 => 164.0 - (t - 330.0).abs() * 34.0 / 90.0,
        _ if t < 450.0 => 80.0,
        _ => 20.0,
    }
}

/// Every KPI query's answer at `t`; everything but the lag and the queue is comfortably
/// within target.
fn answer(expr: &str, t: u32) -> Vec<(Labels, f64)> {
    let one = |v: f64| vec![(Labels::new(), v)];
    let by = |label: &str, values: &[(&str, f64)]| -> Vec<(Labels, f64)> {
        values
            .iter()
            .map(|(name, v)| (labels(&[(label, name)]), *v))
            .collect()
    };
    match expr {
        "db_replication_lag_seconds" => by(
            "replica",
            &[("replica-1", 0.2), ("replica-2", replica_2_lag(t))],
        ),
        "sum(ml_tasks_queued)" => one(ml_queue(t)),
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))" => {
            one(0.085)
        }
        e if e.starts_with("sum(rate(http_request_duration_seconds_count{status=~\"5..\"}") => {
            one(0.002)
        }
        "sum(websocket_active_connections)" => one(240.0),
        "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes" => {
            by("instance", &[("node-1", 0.52), ("node-2", 0.61)])
        }
        "histogram_quantile(0.95, rate(db_query_duration_seconds_bucket[5m]))" => {
            by("pool", &[("read", 0.012), ("write", 0.031)])
        }
        e if e.starts_with("sum by (pool) (db_pool_connections{state=\"active\"})") => {
            by("pool", &[("read", 0.35), ("write", 0.42)])
        }
        "histogram_quantile(0.95, rate(ml_task_duration_seconds_bucket[5m]))" => {
            by("task_type", &[("segmentation", 12.5), ("preview", 3.2)])
        }
        "ml_instance_cpu_usage_ratio" => by("instance", &[("ml-1", 0.45), ("ml-2", 0.5)]),
        // The local rule's expression: the replicas past 5 s.
        "db_replication_lag_seconds > 5" => answer("db_replication_lag_seconds", t)
            .into_iter()
            .filter(|(_, v)| *v > 5.0)
            .collect(),
        other => panic!("the fixture has no answer for the KPI query {other:?}"),
    }
}

/// DatabaseReplicationLag as Prometheus reports it: pending at 3:00, firing at 3:30 (its
/// `for` is 30 s here), gone at 8:00.
fn alerts(t: u32) -> Vec<Alert> {
    if !(180..480).contains(&t) {
        return Vec::new();
    }
    let value = replica_2_lag(t);
    vec![Alert {
        name: "DatabaseReplicationLag".into(),
        labels: labels(&[
            ("alertname", "DatabaseReplicationLag"),
            ("replica", "replica-2"),
            ("severity", "critical"),
        ]),
        annotations: [
            ("summary", "High database replication lag".to_string()),
            ("description", format!("Replication lag is {value}s")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        state: if t < 210 {
            AlertState::Pending
        } else {
            AlertState::Firing
        },
        active_at: T0 + 180.0,
        value,
        source: AlertSource::Server,
    }]
}

/// The same alert as a local rule (`--rules`), with the same 30 s `for`.
const LOCAL_RULES: &str = "groups:
  - name: replication
    rules:
      - alert: DatabaseReplicationLag
        expr: db_replication_lag_seconds > 5
        for: 30s
        labels:
          severity: critical
        annotations:
          summary: High database replication lag
";

/// Records the incident at `path` as a live session at 5 s refresh would have; with
/// `local_rules`, the session also evaluated [`LOCAL_RULES`].
fn record_incident(path: &Path, local_rules: bool) {
    let layout = Layout::load("spheroseg").unwrap();
    let theme = Theme::load("default").unwrap();
    let mut app = App::new(
        layout,
        theme,
        SourceInfo {
            label: "http://prometheus.internal:9090".into(),
            refresh: Duration::from_secs(u64::from(REFRESH)),
            note: None,
        },
    );
    let mut rule_texts = Vec::new();
    let mut polled: BTreeSet<usize> = BTreeSet::new();
    if local_rules {
        let origin = Path::new("rules/replication.yml");
        app = app.with_rules(&[RuleFile::parse(origin, LOCAL_RULES).unwrap()]);
        rule_texts.push(ConfigText {
            origin: origin.display().to_string(),
            text: LOCAL_RULES.to_string(),
        });
        let rule_query = app
            .layout()
            .queries
            .iter()
            .position(|q| q.expr == "db_replication_lag_seconds > 5");
        polled.insert(rule_query.expect("the rule's expression is polled"));
    }
    let mut header = spheroseg_top::app::restore::header(&app, rule_texts);
    header.created = T0;
    // The report names the recording version; keep the snapshot independent of releases.
    header.app_version = "0.1.0-test".into();
    let kpi_queries: BTreeSet<usize> = app
        .layout()
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.panels)
        .flat_map(|p| &p.kpis)
        .map(|k| k.query.id)
        .chain(polled)
        .collect();
    let mut recorder = Recorder::create(path, &header).unwrap();
    for t in (0..=LENGTH).step_by(REFRESH as usize) {
        let at = T0 + f64::from(t);
        recorder.record_at(at, &DataEvent::Clock(at)).unwrap();
        for (n, &id) in kpi_queries.iter().enumerate() {
            let samples = answer(&app.layout().queries[id].expr, t)
                .into_iter()
                .map(|(labels, value)| Sample {
                    labels,
                    time: at,
                    value,
                })
                .collect();
            recorder
                .record_at(
                    at + 0.010 * (n as f64 + 1.0),
                    &DataEvent::Instant {
                        id,
                        at,
                        result: Ok(samples),
                        latency: Duration::from_millis(12),
                    },
                )
                .unwrap();
        }
        recorder
            .record_at(
                at + 0.200,
                &DataEvent::Alerts {
                    at,
                    result: Ok(alerts(t)),
                },
            )
            .unwrap();
        match t {
            190 => recorder.mark(T0 + 192.0, "failover started").unwrap(),
            480 => recorder.mark(T0 + 483.0, "lag recovered").unwrap(),
            _ => {}
        }
    }
    recorder.finish().unwrap();
}

#[test]
fn a_recorded_incident_reads_like_a_postmortem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.sgtrec");
    record_incident(&path, false);
    let recording = Recording::open(&path).unwrap();
    let report = report::build(&recording).unwrap();

    assert!(report.complete);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.cycles, 121);
    insta::assert_snapshot!(report.to_markdown());

    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let alert = &json["alerts"][0];
    assert_eq!(alert["name"], "DatabaseReplicationLag");
    assert_eq!(alert["labels"]["replica"], "replica-2");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["sources"][0], "server");
    assert_eq!(alert["pending_at"]["unix"], T0 + 180.0);
    assert_eq!(alert["pending_at"]["iso"], "2027-01-15T08:03:00.000Z");
    assert_eq!(alert["fired_at"]["iso"], "2027-01-15T08:03:30.200Z");
    assert_eq!(alert["resolved_at"]["iso"], "2027-01-15T08:08:00.200Z");
    assert_eq!(alert["peak_value"], 9.0);
    assert_eq!(json["alerts"].as_array().unwrap().len(), 1);

    let kpi = |name: &str| {
        json["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .unwrap()
            .clone()
    };
    let lag = kpi("Replication lag");
    assert_eq!(lag["left_target"], true);
    assert_eq!(lag["worst"]["value"], 9.0);
    assert_eq!(lag["worst"]["series"], "replica-2");
    assert!((lag["beyond_alert_seconds"].as_f64().unwrap() - 300.0).abs() < 0.1);
    let queue = kpi("Queue size");
    assert!((queue["beyond_target_seconds"].as_f64().unwrap() - 240.0).abs() < 0.1);
    assert!((queue["beyond_alert_seconds"].as_f64().unwrap() - 180.0).abs() < 0.1);
    assert_eq!(queue["worst"]["value"], 164.0);
    assert_eq!(kpi("Error rate")["left_target"], false);
    // Each KPI once, though the Overview and the subsystem tabs both show most of them.
    assert_eq!(json["kpis"].as_array().unwrap().len(), 10);

    let kinds: Vec<&str> = json["moments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["marker", "worst", "marker"]);
    assert_eq!(json["notes"][1]["note"], "lag recovered");
}

#[test]
fn a_cut_recording_still_gives_a_report_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.sgtrec");
    record_incident(&path, false);
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.sgtrec");
    // The header (preamble, then the JSON with the layout's text) is most of a file
    // this short; cut in the data after it, in the middle of a block: the recorder was
    // killed mid-incident.
    let header_len = 18 + u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    let data = bytes.len() - header_len;
    std::fs::write(&cut, &bytes[..header_len + data * 3 / 5]).unwrap();

    let recording = Recording::open(&cut).unwrap();
    let report = report::build(&recording).unwrap();
    assert!(!report.complete);
    assert!(
        report.warnings.iter().any(|w| w.kind == "truncated"),
        "{:?}",
        report.warnings
    );
    let end = report.end.as_ref().unwrap().unix;
    assert!(end > T0 && end < T0 + f64::from(LENGTH), "{end}");

    let markdown = report.to_markdown();
    assert!(
        markdown.contains("> **Warning:** the recording is incomplete or damaged"),
        "{markdown}"
    );
    assert!(markdown.contains("truncated at byte"), "{markdown}");
    assert!(markdown.contains("the file was not closed"), "{markdown}");
    // What was read is still reported: the alert had fired before the cut.
    assert!(
        markdown.contains("| DatabaseReplicationLag |"),
        "{markdown}"
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["complete"], false);
    assert_eq!(json["warnings"][0]["kind"], "truncated");
}

#[test]
fn local_rules_are_evaluated_again_and_merged_with_the_servers_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.sgtrec");
    record_incident(&path, true);
    let report = report::build(&Recording::open(&path).unwrap()).unwrap();
    // The server and the local rule report the same alert instance: one row, both sources.
    assert_eq!(report.alerts.len(), 1, "{:#?}", report.alerts);
    let alert = &report.alerts[0];
    assert_eq!(alert.sources, [AlertSource::Server, AlertSource::Local]);
    assert_eq!(alert.pending_at.unix, T0 + 180.0);
    let fired = alert.fired_at.as_ref().unwrap().unix;
    assert!((T0 + 210.0..T0 + 211.0).contains(&fired), "{fired}");
    let resolved = alert.resolved_at.as_ref().unwrap().unix;
    assert!((T0 + 480.0..T0 + 481.0).contains(&resolved), "{resolved}");
    assert!(report.to_markdown().contains("| server, local |"));
}

#[test]
fn an_empty_recording_gives_a_short_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sgtrec");
    let app = App::new(
        Layout::load("spheroseg").unwrap(),
        Theme::load("default").unwrap(),
        SourceInfo {
            label: "http://prometheus.internal:9090".into(),
            refresh: Duration::from_secs(5),
            note: None,
        },
    );
    let mut header = spheroseg_top::app::restore::header(&app, vec![]);
    header.created = T0;
    Recorder::create(&path, &header).unwrap().finish().unwrap();
    let report = report::build(&Recording::open(&path).unwrap()).unwrap();
    assert!(report.start.is_none() && report.alerts.is_empty() && report.moments.is_empty());
    let markdown = report.to_markdown();
    assert!(
        markdown.starts_with("# Incident report: SpherosegV4, recorded 2027-01-15T08:00:00Z\n"),
        "{markdown}"
    );
    assert!(markdown.contains("nothing (the recording holds no data)"));
    assert!(markdown.contains("No alert fired. No KPI had a current value."));
    assert!(markdown.contains("Never had a current value: API response time (p95)"));
}
