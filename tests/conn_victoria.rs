//! VictoriaMetrics single-node (Debian's `victoria-metrics`) as a Prometheus-compatible
//! backend: it scrapes the same simulator as a real Prometheus, and the default layout's
//! KPI rows, asked of it under its `/prometheus` prefix and through `vmauth` with a bearer
//! token, have values, equal to Prometheus' within what two independent scrapes of a
//! jittering simulator allow. The binaries must be installed (`bash .ci/run` does): a
//! missing one fails the test.

#![allow(clippy::unwrap_used)]

mod conn_support;

use conn_support::{Server, free_port, options, scrape_config, vmauth};
use spheroseg_top::clock::unix_now;
use spheroseg_top::config::Layout;
use spheroseg_top::demo::{Stack, StackOptions};
use spheroseg_top::model::Labels;
use spheroseg_top::prom::{ClientOptions, PromClient, PromError, Sample};
use std::collections::BTreeMap;
use std::time::Duration;

const TOKEN: &str = "vm-t0ken-for-tests";

/// How far VictoriaMetrics' value of a KPI may be from Prometheus', relative to the larger
/// of the two and of the KPI's thresholds: both scrape the same simulator every second, but
/// at their own instants, so gauges differ by a second's jitter and rates by the requests of
/// a second at either end of their (a few seconds long) windows, and VictoriaMetrics' rate()
/// does not extrapolate as Prometheus' does. The thresholds keep a ratio of a handful of
/// errors (0.25% against a 1% target and a 5% alert) from counting ±1 error as ±40%: what
/// matters is that the row reads the same against its thresholds.
const TOLERANCE: f64 = 0.25;

fn victoria_metrics(target: std::net::SocketAddr) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scrape.yml"), scrape_config(target)).unwrap();
    Server::spawn(
        "victoria-metrics",
        dir,
        free_port(),
        &[
            "-httpListenAddr=127.0.0.1:{port}".into(),
            "-storageDataPath={dir}/data".into(),
            "-promscrape.config={dir}/scrape.yml".into(),
            // Fresh samples are queryable after 1 s rather than 30 s, like Prometheus'.
            "-search.latencyOffset=1s".into(),
            "-search.disableCache".into(),
            "-loggerLevel=ERROR".into(),
        ],
    )
}

/// Every KPI row of the default layout: its name, query and target.
fn kpi_queries() -> Vec<(String, String, f64)> {
    let layout = Layout::load("spheroseg").unwrap();
    let mut queries = Vec::new();
    for panel in layout
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.panels)
    {
        for kpi in &panel.kpis {
            let expr = layout.queries[kpi.query.id].expr.clone();
            if !queries.iter().any(|(_, e, _)| *e == expr) {
                let thresholds = [kpi.thresholds.target, kpi.thresholds.alert];
                let scale = thresholds.into_iter().flatten().fold(0.0, f64::max);
                queries.push((kpi.name.clone(), expr, scale));
            }
        }
    }
    assert!(
        queries.len() >= 8,
        "the default layout's KPI rows: {queries:?}"
    );
    queries
}

fn by_labels(samples: Vec<Sample>) -> BTreeMap<Labels, f64> {
    samples
        .into_iter()
        .map(|s| {
            let mut labels = s.labels;
            // VictoriaMetrics keeps __name__ where Prometheus drops it (e.g. after a division).
            labels.remove("__name__");
            (labels, s.value)
        })
        .collect()
}

/// Waits until every query answers with data on `client`.
async fn wait_for_every_kpi(
    name: &str,
    client: &PromClient,
    queries: &[(String, String, f64)],
    server: &mut Server,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    for (kpi, expr, _) in queries {
        loop {
            let answer = client.instant(expr, unix_now() - 1.0).await;
            if answer.as_ref().is_ok_and(|a| !a.samples.is_empty()) {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{name} exited ({status}):\n{}", server.log());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name}: no data for KPI {kpi} `{expr}`: {answer:?}\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victoria_metrics_gives_the_kpis_prometheus_gives() {
    let stack = Stack::start(StackOptions::default())
        .await
        .unwrap_or_else(|e| panic!("this test needs a real Prometheus:\n{e}"));
    let mut vm = victoria_metrics(stack.sim.addr());
    let mut auth = vmauth(TOKEN, &format!("http://127.0.0.1:{}/prometheus", vm.port));
    let prometheus = PromClient::new(stack.prometheus_url(), options()).unwrap();
    let direct = PromClient::new(
        &format!("http://127.0.0.1:{}/prometheus", vm.port),
        options(),
    )
    .unwrap();
    let through_vmauth = PromClient::new(
        &format!("http://127.0.0.1:{}", auth.port),
        ClientOptions {
            bearer_token: Some(TOKEN.to_string()),
            ..options()
        },
    )
    .unwrap();
    let queries = kpi_queries();
    wait_for_every_kpi("victoria-metrics", &direct, &queries, &mut vm).await;
    wait_for_every_kpi("vmauth", &through_vmauth, &queries, &mut auth).await;

    let at = unix_now() - 1.5;
    let mut worst = 0.0_f64;
    for (kpi, expr, threshold) in &queries {
        let expected = by_labels(prometheus.instant(expr, at).await.unwrap().samples);
        for (name, client) in [("direct", &direct), ("vmauth", &through_vmauth)] {
            let got = by_labels(client.instant(expr, at).await.unwrap().samples);
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>(),
                "{name}: KPI {kpi} `{expr}`: the same series"
            );
            for (labels, value) in &got {
                let want = expected[labels];
                let scale = want.abs().max(value.abs()).max(threshold.abs()).max(1e-9);
                let difference = (value - want).abs() / scale;
                eprintln!(
                    "{name:6} {kpi:24} {labels:?}: Prometheus {want:.6} VictoriaMetrics {value:.6} ({:.2}%)",
                    difference * 100.0
                );
                worst = worst.max(difference);
                assert!(
                    difference <= TOLERANCE,
                    "{name}: KPI {kpi} `{expr}` {labels:?}: VictoriaMetrics {value}, Prometheus {want}"
                );
            }
        }
    }
    eprintln!("largest relative difference: {:.2}%", worst * 100.0);

    // vmauth without the token: refused, and the message names what was sent.
    let anonymous = PromClient::new(&format!("http://127.0.0.1:{}", auth.port), options()).unwrap();
    let refused = anonymous.instant("up", at).await.unwrap_err();
    assert!(
        matches!(&refused, PromError::Http { status: 401, message } if message.contains("no credentials")),
        "{refused:?}"
    );
}

/// Every instant-vector query of the default layout, asked together in one request
/// (`label_replace` tags joined with `or`, as the poller batches a refresh), answers on
/// Prometheus and on VictoriaMetrics what it answers alone: the same series with the same
/// labels (metric names included) and the same values, at the same instant (to the last
/// bits a sum's order may move).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_asked_together_answer_what_each_answers_alone() {
    let stack = Stack::start(StackOptions::default())
        .await
        .unwrap_or_else(|e| panic!("this test needs a real Prometheus:\n{e}"));
    let mut vm = victoria_metrics(stack.sim.addr());
    let prometheus = PromClient::new(stack.prometheus_url(), options()).unwrap();
    let vm_url = format!("http://127.0.0.1:{}/prometheus", vm.port);
    let victoria = PromClient::new(&vm_url, options()).unwrap();
    let kpis = kpi_queries();
    wait_for_every_kpi("victoria-metrics", &victoria, &kpis, &mut vm).await;
    let exprs: Vec<String> = (Layout::load("spheroseg").unwrap().queries.into_iter())
        .map(|q| q.expr)
        .filter(|e| spheroseg_top::prom::can_join(e))
        .collect();
    assert!(exprs.len() >= 30, "{}", exprs.len());

    // Far enough back that both have every sample of that instant stored.
    let at = unix_now() - 5.0;
    for (name, client) in [("Prometheus", &prometheus), ("VictoriaMetrics", &victoria)] {
        let together = client.instant_batch(&exprs, at).await.unwrap();
        let mut with_data = 0;
        for (expr, got) in exprs.iter().zip(together) {
            let alone = client.instant(expr, at).await.unwrap().samples;
            with_data += usize::from(!alone.is_empty());
            let (got, alone) = (exact(got), exact(alone));
            let same = got.len() == alone.len()
                && got.iter().zip(&alone).all(|((l1, v1), (l2, v2))| {
                    l1 == l2 && same_value(f64::from_bits(*v1), f64::from_bits(*v2))
                });
            assert!(same, "{name}: `{expr}` together {got:?}, alone {alone:?}");
        }
        assert!(with_data >= 20, "{name}: {with_data} queries had data");
    }
}

/// Equal, or equal but for the order a sum over series was added in: VictoriaMetrics
/// answers the same query twice with the last bits apart (seen: 4571280228999493632 and
/// …504 as bits, 128 units in the last place).
fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Samples as comparable keys: labels and value bits (NaN equals NaN), in label order (an
/// unsorted query's order is not fixed: `histogram_quantile` answers in either order alone).
fn exact(samples: Vec<Sample>) -> Vec<(Labels, u64)> {
    let mut exact: Vec<(Labels, u64)> = samples
        .into_iter()
        .map(|s| (s.labels, s.value.to_bits()))
        .collect();
    exact.sort();
    exact
}
