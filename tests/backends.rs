//! Several Prometheus side by side: two real servers, each scraping its own simulator (one
//! in the incident, one normal). Every KPI row shows both backends' values, each judged
//! alone; one backend lost never blanks the other; bad backend flags stop the start.

#![allow(clippy::unwrap_used)]

mod common;
mod conn_support;

use common::tmux::Tmux;
use common::*;
use spheroseg_top::sim::Scenario;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_backends_show_side_by_side_each_judged_alone() {
    let (mut eu, us) = tokio::join!(stack(Scenario::Incident), stack(Scenario::Normal));
    for (width, height) in [(200, 60), (80, 24)] {
        let tmux = Tmux::new(&format!("backends{width}"));
        tmux.launch(
            &format!(
                "{} --prometheus eu={} --prometheus us={} --refresh 1s",
                env!("CARGO_BIN_EXE_spheroseg-top"),
                eu.prometheus_url(),
                us.prometheus_url()
            ),
            width,
            height,
        );
        tmux.wait_for("both backends connected", Duration::from_secs(20), |s| {
            s.contains("eu ●") && s.contains("us ●")
        });
        // The Overview's replication lag ("Lag" at 80 columns): a value per backend, under
        // the backends' names; the incident's at ALERT (its glyph, and named in the status
        // while there is room), the other's beside it.
        let lag_row = |screen: &str| -> Option<String> {
            screen.lines().find_map(|l| {
                let at = l.find("Replication lag").or_else(|| l.find("Lag "))?;
                let row: String = l[at..].chars().take(40).collect();
                row.contains('◆').then_some(row)
            })
        };
        // At 200 columns the row's status names the backend in alert ("ALERT eu"), once
        // both backends have answered (until then the row waits for us' value).
        let named = |screen: &str| {
            width != 200
                || screen
                    .lines()
                    .any(|l| l.contains("Replication lag") && l.contains("ALERT eu"))
        };
        let (screen, _) =
            tmux.wait_for("the lag judged per backend", Duration::from_secs(30), |s| {
                lag_row(s).is_some() && named(s)
            });
        let row = lag_row(&screen).unwrap();
        let alert_at = row.find('◆').unwrap();
        assert!(
            row[alert_at..]
                .trim_start_matches('◆')
                .chars()
                .any(|c| c.is_ascii_digit()),
            "us' value after eu's: {row}"
        );
        assert!(
            screen
                .lines()
                .any(|l| l.contains("KPI ") && l.contains(" eu ") && l.contains(" us ")),
            "the backends head the columns:\n{screen}"
        );
        if width == 200 {
            // The first backend down: the other's values keep updating.
            eu.kill_prometheus();
            tmux.wait_for("eu lost, us still fresh", Duration::from_secs(15), |s| {
                s.contains("eu ✖") && s.contains("us ●")
            });
            eu.restart_prometheus(Duration::from_secs(30))
                .await
                .unwrap();
        }
        tmux.keys(&["q"]);
        tmux.wait_for_clean_exit("quitting");
    }
    // `screenshot` draws the same columns off-screen.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("two.txt");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .arg("--prometheus")
        .arg(format!("eu={}", eu.prometheus_url()))
        .arg("--prometheus")
        .arg(format!("us={}", us.prometheus_url()))
        .args(["screenshot", "--size", "200x60", "-o"])
        .arg(&out)
        .env("XDG_CONFIG_HOME", dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("eu ● us ●") && text.contains("ALERT eu"),
        "{text}"
    );
}

#[test]
fn bad_backends_stop_the_start_with_why() {
    let bin = env!("CARGO_BIN_EXE_spheroseg-top");
    for (args, why) in [
        (
            vec![
                "--prometheus",
                "eu=http://127.0.0.1:1",
                "--prometheus",
                "eu=http://127.0.0.1:2",
            ],
            "two backends are named \"eu\"",
        ),
        (
            vec![
                "--prometheus",
                "eu=http://127.0.0.1:1",
                "--prometheus",
                "http://127.0.0.1:2",
            ],
            "several servers need a name each",
        ),
        (
            vec![
                "--prometheus",
                "a b=http://127.0.0.1:1",
                "--prometheus",
                "c=http://127.0.0.1:2",
            ],
            "cannot name a backend",
        ),
    ] {
        let out = std::process::Command::new(bin)
            .args(&args)
            .arg("check")
            .env_remove("SPHEROSEG_PROMETHEUS_URL")
            .env_remove("SPHEROSEG_PROFILE")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(why), "{args:?}: {stderr}");
    }
}

#[test]
fn profiles_open_as_backends_one_by_one_or_as_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.eu]\nprometheus = \"http://127.0.0.1:19090\"\n\
         [profiles.us]\nprometheus = \"http://127.0.0.1:19091\"\n\
         [profiles.all]\nbackends = [\"eu\", \"us\"]\n",
    )
    .unwrap();
    let check = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .arg("check")
            .env_remove("SPHEROSEG_PROMETHEUS_URL")
            .env_remove("SPHEROSEG_PROFILE")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    for args in [
        &["--profile", "eu", "--profile", "us"][..],
        &["--profile", "all"],
    ] {
        let (code, text) = check(args);
        assert_eq!(code, Some(0), "{args:?}: {text}");
        assert!(
            text.contains("backend eu: connection http://127.0.0.1:19090")
                && text.contains("backend us: connection http://127.0.0.1:19091"),
            "{args:?}: {text}"
        );
    }
    let (code, text) = check(&["--profile", "eu", "--profile", "eu"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("two backends are named \"eu\""), "{text}");
    let (code, text) = check(&["--profile", "eu", "--profile", "mars"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("no profile named \"mars\""), "{text}");
    let (code, text) = check(&[
        "--profile",
        "eu",
        "--profile",
        "us",
        "--prometheus",
        "x=http://127.0.0.1:1",
    ]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("give the servers one way"), "{text}");
}

/// Every query answers `eu` in backend 0 and `us` in backend 1, at `at`.
fn answer_all(app: &mut spheroseg_top::app::App, at: f64, eu: f64, us: f64) {
    use spheroseg_top::app::Msg;
    use spheroseg_top::event::DataEvent;
    use spheroseg_top::prom::Sample;
    let instant = |id, value| DataEvent::Instant {
        id,
        at,
        result: Ok(vec![Sample {
            labels: Default::default(),
            time: at,
            value,
        }]),
        latency: Duration::from_millis(5),
    };
    app.update(Msg::Data(DataEvent::Clock(at)));
    for id in 0..app.layout().queries.len() {
        app.update(Msg::Data(instant(id, eu)));
        let event = Box::new(instant(id, us));
        app.update(Msg::Data(DataEvent::Backend { backend: 1, event }));
    }
}

#[test]
fn every_kpi_row_keeps_each_backend_s_value_at_every_width() {
    let layout = spheroseg_top::config::Layout::load("spheroseg").unwrap();
    let mut app = app(layout, "eu, us").with_backends(vec!["eu".into(), "us".into()]);
    // 7 s is past every alert threshold of the Overview's lag and latency; 0.05 is fine.
    answer_all(&mut app, 1_000_000.0, 7.0, 0.05);
    for width in [200, 120, 100, 80] {
        let screen = lines(&render(&app, width, 24)).join("\n");
        if std::env::var_os("SHOW").is_some() {
            eprintln!("{screen}");
        }
        let lag = screen
            .lines()
            .find_map(|l| {
                let at = l.find("Replication lag").or_else(|| l.find("Lag"))?;
                Some(&l[at..]).filter(|row| row.contains("7.00 s"))
            })
            .unwrap_or_else(|| panic!("{width}: no replication lag row:\n{screen}"));
        let eu = lag
            .find("7.00 s◆")
            .unwrap_or_else(|| panic!("{width}: {lag}"));
        let us = lag
            .find("50 ms")
            .unwrap_or_else(|| panic!("{width}: {lag}"));
        assert!(eu < us, "{width}: {lag}");
        assert!(lag.contains('◆'), "{width}: the status stays: {lag}");
        if width == 200 {
            assert!(lag.contains("ALERT eu"), "{lag}");
            assert!(
                screen
                    .lines()
                    .any(|l| l.contains("KPI ") && l.contains(" eu ") && l.contains(" us ")),
                "the backends head their columns:\n{screen}"
            );
        }
    }
}

/// The drill view of the Overview's query time, side by side: one series table over
/// both backends, worst first whichever backend it is from, each row naming its backend,
/// and the chart's legend too.
#[test]
fn the_drill_view_lists_every_backend_s_series_worst_first() {
    use spheroseg_top::app::focus::Dir;
    use spheroseg_top::app::{Action, Msg};
    use spheroseg_top::event::{DataEvent, SourceCommand};
    use spheroseg_top::prom::Series;
    let layout = spheroseg_top::config::Layout::load("spheroseg").unwrap();
    let mut app = app(layout, "eu, us").with_backends(vec!["eu".into(), "us".into()]);
    answer_all(&mut app, spheroseg_top::clock::unix_now(), 0.3, 0.3);
    app.update(Msg::Action(Action::Resize(160, 45)));
    app.update(Msg::Action(Action::Focus(Dir::Right)));
    app.update(Msg::Action(Action::Open));
    let p95 = |request: &spheroseg_top::event::RangeRequest, values: [(&str, f64); 2]| {
        let times = (request.start..=request.end).step_by(request.step as usize);
        let series: Vec<Series> = values
            .iter()
            .map(|(pool, value)| Series {
                labels: [("pool".to_string(), pool.to_string())].into(),
                points: times.clone().map(|t| (t as f64, *value)).collect(),
            })
            .collect();
        DataEvent::RangeAnswer {
            request: request.clone(),
            result: Ok(series),
            latency: Duration::ZERO,
        }
    };
    let mut asked = 0;
    for command in app.take_commands() {
        let SourceCommand::Range(request) = command else {
            continue;
        };
        asked += 1;
        let eu = p95(&request, [("read", 0.3), ("write", 0.5)]);
        app.update(Msg::Data(eu));
        let us = p95(&request, [("read", 9.0), ("write", 0.2)]);
        let us = DataEvent::Backend {
            backend: 1,
            event: Box::new(us),
        };
        app.update(Msg::Data(us));
    }
    assert!(asked > 0, "the drill view asks its range");
    let screen = lines(&render(&app, 160, 45)).join("\n");
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains(" pool ") && l.contains("━ "))
        .collect();
    let order: Vec<String> = rows
        .iter()
        .filter_map(|l| {
            let backend = ["eu", "us"]
                .into_iter()
                .find(|b| l.contains(&format!(" {b} ")))?;
            let pool = ["read", "write"].into_iter().find(|p| l.contains(p))?;
            Some(format!("{backend} {pool}"))
        })
        .collect();
    assert_eq!(
        order,
        ["us read", "eu write", "eu read", "us write"],
        "worst first across backends:\n{screen}"
    );
    assert!(screen.contains("Backend Series"), "{screen}");
    assert!(
        screen.contains("us · read pool"),
        "the legend names the backend:\n{screen}"
    );
}

/// A chart side by side: every backend's lines on one axis in one frame, each legend
/// naming its backend in its own colour, so "everywhere, or only in eu?" reads at a
/// glance; a backend whose query fails is named on the chart's note while the other's
/// line stays.
#[test]
fn a_chart_draws_every_backend_s_lines_on_one_axis() {
    use spheroseg_top::app::Msg;
    use spheroseg_top::event::DataEvent;
    use spheroseg_top::prom::PromError;
    let layout = spheroseg_top::config::Layout::load("spheroseg").unwrap();
    let latency = (layout.queries.iter())
        .position(|q| {
            q.expr
                .contains("sum by (le) (rate(http_request_duration_seconds_bucket")
        })
        .expect("the Overview's p95 chart");
    let mut app = app(layout, "eu, us").with_backends(vec!["eu".into(), "us".into()]);
    let now = spheroseg_top::clock::unix_now();
    for ago in [120.0, 60.0, 0.0] {
        answer_all(&mut app, now - ago, 0.9, 0.1);
    }
    let buffer = render(&app, 200, 60);
    let screen = lines(&buffer);
    let text = screen.join("\n");
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{text}");
    }
    let at = |needle: &str| {
        screen.iter().enumerate().find_map(|(y, l)| {
            let x = l.find(needle)?;
            Some((l[..x].chars().count() as u16, y as u16))
        })
    };
    let (eu, us) = (at("eu · p95"), at("us · p95"));
    let (Some(eu), Some(us)) = (eu, us) else {
        panic!("one legend names each backend:\n{text}");
    };
    let title = at("API p95 latency").expect("the chart's title");
    assert!(
        eu.1 > title.1 && us.1 > title.1 && eu.1.abs_diff(us.1) <= 2,
        "one chart holds both lines:\n{text}"
    );
    assert_ne!(
        buffer[eu].fg, buffer[us].fg,
        "each backend's line in its own colour"
    );
    // us' latency query fails: the note names us and why; eu's line is still drawn.
    let failed = DataEvent::Instant {
        id: latency,
        at: now,
        result: Err(PromError::Http {
            status: 503,
            message: "overloaded".into(),
        }),
        latency: Duration::from_millis(5),
    };
    app.update(Msg::Data(DataEvent::Backend {
        backend: 1,
        event: Box::new(failed),
    }));
    let text = lines(&render(&app, 200, 60)).join("\n");
    assert!(text.contains("eu · p95"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("us: ⚠") && l.contains("503")),
        "the failing backend is named:\n{text}"
    );
}

/// A two-backend session recorded live, then replayed: the frame at T is the live one,
/// both backends' columns included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_backend_recording_replays_the_live_frames() {
    use spheroseg_top::app::{Msg, restore};
    use spheroseg_top::clock::unix_now;
    use spheroseg_top::event::DataEvent;
    use spheroseg_top::session::{Entry, Recorder, Recording};
    use spheroseg_top::source::live::backends::{BackendServers, spawn_each};
    use spheroseg_top::source::live::{PollerConfig, Replicas};

    let (eu, us) = tokio::join!(stack(Scenario::Incident), stack(Scenario::Normal));
    let urls = [
        eu.prometheus_url().to_string(),
        us.prometheus_url().to_string(),
    ];
    wait_for(
        &urls[0],
        "max(db_replication_lag_seconds) > 5",
        Duration::from_secs(30),
    )
    .await;
    let layout = spheroseg_top::config::Layout::load("spheroseg").unwrap();
    let mut app = app(layout, "eu · us").with_backends(vec!["eu".into(), "us".into()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.rec");
    let mut recorder = Recorder::create(&path, &restore::header(&app, Vec::new())).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let servers = urls
        .iter()
        .map(|url| BackendServers {
            servers: Replicas::new(client(url), Vec::new()),
            alertmanager: None,
        })
        .collect();
    let config = PollerConfig {
        queries: app.layout().queries.clone(),
        refresh: Duration::from_secs(1),
        concurrency: 8,
        alertmanager: None,
    };
    let _commands = spawn_each(servers, &config, tx);
    let (mut last, started) = (0.0_f64, tokio::time::Instant::now());
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let mut live = None;
    while started.elapsed() < Duration::from_secs(10)
        || live.is_none() && started.elapsed() < Duration::from_secs(20)
    {
        let event = tokio::select! {
            Some(event) = rx.recv() => event,
            _ = ticker.tick() => DataEvent::Clock(unix_now()),
        };
        // Stored to the millisecond, never backwards: stamp as the file will.
        last = ((unix_now() * 1000.0).round() / 1000.0).max(last + 0.001);
        recorder.record_at(last, &event).unwrap();
        app.update(Msg::Data(event));
        if started.elapsed() > Duration::from_secs(4) && rx.is_empty() && live.is_none() {
            let screen = lines(&render(&app, 200, 50));
            let text = screen.join("\n");
            if text.contains("ALERT eu") && text.contains("us ●") {
                live = Some((last, screen));
            }
        }
    }
    recorder.finish().unwrap();
    let (at, live) = live.expect("a live frame with both backends answering");
    let recording = Recording::open(&path).unwrap();
    assert_eq!(recording.header().backends, ["eu", "us"]);
    let mut replayed = restore::app(recording.header()).unwrap();
    for entry in recording.entries() {
        if entry.time() > at {
            break;
        }
        if let Entry::Event { event, .. } = entry {
            replayed.update(Msg::Data(event));
        }
    }
    // The status bar's query latencies are kept to the microsecond: a p50 of 10.9996 ms
    // reads "10 ms" live and "11 ms" replayed. Its "updated 0s ago" is read at the
    // replay's cut, which falls on the recorded stamps rather than between the live
    // events, and may read a second more (seen once in CI). Everything else is the same.
    let without_latency = |screen: &[String]| {
        let mut screen = screen.to_vec();
        if let Some(bar) = screen.last_mut() {
            let bar_text = bar
                .split(" queries · ")
                .next()
                .unwrap_or_default()
                .to_string();
            *bar = match (bar_text.find("updated "), bar_text.find(" ago")) {
                (Some(from), Some(to)) if from < to => {
                    format!("{}updated …{}", &bar_text[..from], &bar_text[to..])
                }
                _ => bar_text,
            };
        }
        screen
    };
    let frame = lines(&render(&replayed, 200, 50));
    assert_eq!(
        without_latency(&frame),
        without_latency(&live),
        "the replayed frame differs"
    );

    // The incident report follows each backend's KPI rows on their own: eu's replication
    // lag left its target, us's did not.
    let report = spheroseg_top::report::build(&recording).unwrap();
    let lag = |backend: &str| {
        report
            .kpis
            .iter()
            .find(|k| k.name == "Replication lag" && k.backend.as_deref() == Some(backend))
            .unwrap_or_else(|| panic!("no Replication lag row for {backend}"))
    };
    assert!(lag("eu").left_target && lag("eu").beyond_alert_seconds > 0.0);
    assert!(!lag("us").left_target, "{:?}", lag("us"));
    let markdown = report.to_markdown();
    assert!(
        markdown.contains("Replication lag · eu") && !markdown.contains("Replication lag · us ("),
        "{markdown}"
    );
    assert!(report.to_json().contains(r#""backend": "us""#));
    // Each SLO's budget is followed per backend too, eu's and us' next to each other.
    let slo_backends: Vec<(&str, Option<&str>)> = (report.slos.iter())
        .map(|s| (s.name.as_str(), s.backend.as_deref()))
        .collect();
    let names: Vec<&str> = (replayed.layout().slos.iter())
        .map(|s| s.name.as_str())
        .collect();
    let expected: Vec<(&str, Option<&str>)> = (names.iter())
        .flat_map(|n| [(*n, Some("eu")), (*n, Some("us"))])
        .collect();
    assert_eq!(slo_backends, expected);
    let peak = |backend: &str| {
        (report.slos.iter())
            .find(|s| s.name == "API availability" && s.backend.as_deref() == Some(backend))
            .and_then(|s| s.peak_burn)
    };
    assert!(
        peak("eu") > peak("us") && peak("us").is_some(),
        "eu's incident burns its own budget, not us': {:?} {:?}",
        peak("eu"),
        peak("us")
    );
    assert!(
        markdown.contains("| API availability · us | 99 % over 30d |"),
        "{markdown}"
    );

    // A drill view in the replay: the replayer answers a range from each backend's own
    // recorded answers, the second's as the second's.
    use spheroseg_top::event::{RangeRequest, SourceCommand};
    use spheroseg_top::source::replay::{self, ReplayOptions};
    let queries = replayed.layout().queries.clone();
    let lag = queries
        .iter()
        .find(|q| q.expr.contains("db_replication_lag_seconds"))
        .expect("the layout polls the replication lag")
        .expr
        .clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let options = ReplayOptions {
        speed: 1.0,
        start_at: None,
        paused: true,
        queries,
    };
    let commands = replay::spawn(std::sync::Arc::new(recording), options, tx);
    let request = RangeRequest {
        expr: lag,
        start: (at - 20.0) as i64,
        end: at as i64,
        step: 1,
    };
    commands.send(SourceCommand::Range(request)).await.unwrap();
    let mut peaks = [None, None];
    while peaks.iter().any(Option::is_none) {
        let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("both backends' ranges answered")
            .unwrap();
        let (backend, event) = match event {
            DataEvent::Backend { backend, event } => (backend, *event),
            event => (0, event),
        };
        if let DataEvent::RangeAnswer { result, .. } = event {
            let series = result.unwrap();
            let peak = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .fold(f64::NAN, f64::max);
            peaks[backend] = Some(peak);
        }
    }
    let [Some(eu), Some(us)] = peaks else {
        unreachable!()
    };
    assert!(
        eu > 5.0 && us < 5.0,
        "eu in the incident, us not: {eu} {us}"
    );
}

/// Three backends: a Prometheus, VictoriaMetrics scraping the same simulator (what teams
/// move to when one Prometheus is not enough), and a server that accepts connections and
/// never answers. The hung one is marked and costs the others nothing: their values keep
/// arriving, every refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_backend_holds_back_none_of_the_others() {
    use conn_support::{Server, free_port, scrape_config};
    let prometheus = stack(Scenario::Normal).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scrape.yml"),
        scrape_config(prometheus.sim.addr()),
    )
    .unwrap();
    let vm = Server::spawn(
        "victoria-metrics",
        dir,
        free_port(),
        &[
            "-httpListenAddr=127.0.0.1:{port}".into(),
            "-storageDataPath={dir}/data".into(),
            "-promscrape.config={dir}/scrape.yml".into(),
            "-search.latencyOffset=1s".into(),
            "-loggerLevel=ERROR".into(),
        ],
    );
    let vm_url = format!("http://127.0.0.1:{}/prometheus", vm.port);
    wait_for(
        &vm_url,
        "sum(rate(http_request_duration_seconds_count[1m])) > 0",
        Duration::from_secs(30),
    )
    .await;
    // Accepts, reads nothing, answers nothing: a stuck proxy.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_url = format!("http://{}", hung.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let held: Vec<_> = hung.incoming().take(256).collect();
        drop(held);
    });

    let tmux = Tmux::new("backends-hung");
    tmux.launch(
        &format!(
            "{} --prometheus prom={} --prometheus vm={vm_url} --prometheus stuck={hung_url} --refresh 1s --query-timeout 2s",
            env!("CARGO_BIN_EXE_spheroseg-top"),
            prometheus.prometheus_url(),
        ),
        200,
        60,
    );
    tmux.wait_for(
        "the stuck one marked, the others connected",
        Duration::from_secs(30),
        |s| s.contains("prom ●") && s.contains("vm ●") && s.contains("stuck ✖"),
    );
    // Values from both working backends in the KPI rows, fresh every refresh.
    for _ in 0..3 {
        tmux.wait_for("fresh values", Duration::from_secs(5), |s| {
            (s.contains("updated 0s ago") || s.contains("updated 1s ago"))
                && s.lines()
                    .any(|l| l.contains("KPI ") && l.contains(" prom ") && l.contains(" vm "))
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let screen = tmux.screen();
    // The KPI row alone: from its name to the stuck backend's cell.
    let lag = screen
        .lines()
        .find_map(|l| {
            let row = &l[l.find("Lag ")?..];
            Some(&row[..row.find("—✖")?])
        })
        .unwrap_or_else(|| panic!("no Lag row:\n{screen}"));
    let values: Vec<&str> = lag
        .split_whitespace()
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(values.len(), 2, "prom's and vm's lag: {lag}\n{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for_clean_exit("quitting");
    drop(vm);
    drop(held);
}

/// The per-label view side by side: a replica's lag broken down from the Overview's
/// Replication lag row shows that replica in every backend, each line named by its
/// backend, the other replicas left out.
#[test]
fn the_per_label_view_shows_the_label_in_every_backend() {
    use spheroseg_top::app::focus::Dir;
    use spheroseg_top::app::{Action, Msg};
    use spheroseg_top::event::{DataEvent, RangeRequest, SourceCommand};
    use spheroseg_top::prom::Series;
    let layout = spheroseg_top::config::Layout::load("spheroseg").unwrap();
    let mut app = app(layout, "eu, us").with_backends(vec!["eu".into(), "us".into()]);
    answer_all(&mut app, spheroseg_top::clock::unix_now(), 0.3, 0.3);
    app.update(Msg::Action(Action::Resize(160, 45)));
    // Database performance, third row: Replication lag.
    for dir in [Dir::Right, Dir::Down, Dir::Down] {
        app.update(Msg::Action(Action::Focus(dir)));
    }
    // Each backend answers every range with per-replica lags: eu's replica-2 the worst.
    let lags = |request: &RangeRequest, backend: &str| {
        let times = (request.start..=request.end).step_by(request.step as usize);
        let lag = |replica: &str| match (backend, replica) {
            ("eu", "replica-2") => 3.0,
            ("us", "replica-2") => 0.4,
            _ => 0.1,
        };
        let replicas: Vec<&str> = if request.expr.contains("replica-2") {
            vec!["replica-2"]
        } else {
            vec!["replica-1", "replica-2"]
        };
        let series = replicas
            .into_iter()
            .map(|replica| Series {
                labels: [("replica".to_string(), replica.to_string())].into(),
                points: times.clone().map(|t| (t as f64, lag(replica))).collect(),
            })
            .collect();
        DataEvent::RangeAnswer {
            request: request.clone(),
            result: Ok(series),
            latency: Duration::ZERO,
        }
    };
    let answer_ranges = |app: &mut spheroseg_top::app::App| {
        let mut asked = Vec::new();
        for command in app.take_commands() {
            if let SourceCommand::Range(request) = command {
                app.update(Msg::Data(lags(&request, "eu")));
                let us = Box::new(lags(&request, "us"));
                app.update(Msg::Data(DataEvent::Backend {
                    backend: 1,
                    event: us,
                }));
                asked.push(request.expr);
            }
        }
        asked
    };
    app.update(Msg::Action(Action::Open));
    let asked = answer_ranges(&mut app);
    assert!(
        asked
            .iter()
            .any(|e| e.contains("db_replication_lag_seconds")),
        "{asked:?}"
    );
    let screen = lines(&render(&app, 160, 45)).join("\n");
    assert!(screen.contains("eu · replica-2"), "{screen}");
    // Enter on the worst series (eu's replica-2): its per-label view.
    app.update(Msg::Action(Action::Open));
    let asked = answer_ranges(&mut app);
    assert!(
        asked.iter().any(|e| e.contains(r#"replica="replica-2""#)),
        "the breakdown asks for replica-2: {asked:?}"
    );
    let screen = lines(&render(&app, 160, 45)).join("\n");
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{screen}");
    }
    assert!(screen.contains("Replication lag: replica-2"), "{screen}");
    // Its first chart, whole: replica-2 of each backend, worst first, each named.
    app.update(Msg::Action(Action::Open));
    answer_ranges(&mut app);
    let screen = lines(&render(&app, 160, 45)).join("\n");
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{screen}");
    }
    let rows: Vec<&str> = (screen.lines())
        .filter(|l| l.contains("━ ") && l.contains("replica"))
        .collect();
    assert_eq!(rows.len(), 2, "{screen}");
    assert!(
        rows[0].contains(" eu ") && rows[0].contains("3.00 s"),
        "{screen}"
    );
    assert!(
        rows[1].contains(" us ") && rows[1].contains("400 ms"),
        "{screen}"
    );
    for name in ["eu · replica-2", "us · replica-2"] {
        assert!(screen.contains(name), "{name} in the legend:\n{screen}");
    }
    assert!(!screen.contains("replica-1"), "{screen}");
}

/// An SLO panel side by side: each backend's objectives under its name, each judged on
/// its own data, and the tab's glyph the worst of them.
#[test]
fn each_backend_s_error_budgets_show_under_its_name() {
    let layout = spheroseg_top::config::Layout::load("spheroseg").unwrap();
    let slo_tab = layout
        .tabs
        .iter()
        .position(|t| t.title == "SLO")
        .expect("the bundled layout's SLO tab");
    let mut app = app(layout, "eu, us").with_backends(vec!["eu".into(), "us".into()]);
    // Every ratio query answers 0.5 in eu (half the requests failing), 0 in us.
    answer_all(&mut app, spheroseg_top::clock::unix_now(), 0.5, 0.0);
    app.update(spheroseg_top::app::Msg::Action(
        spheroseg_top::app::Action::SelectTab(slo_tab),
    ));
    let screen = lines(&render(&app, 200, 60)).join("\n");
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{screen}");
    }
    let availability: Vec<&str> = (screen.lines())
        .filter(|l| l.contains("API availability"))
        .collect();
    assert_eq!(availability.len(), 2, "one row per backend:\n{screen}");
    let (eu, us) = (
        screen.find("eu").unwrap_or(usize::MAX),
        screen.find("us").unwrap_or(usize::MAX),
    );
    assert!(eu < us, "eu's named before us':\n{screen}");
    assert_ne!(
        availability[0], availability[1],
        "each on its own data:\n{screen}"
    );
    assert!(
        screen.contains(" ALERT ╗"),
        "eu's page is the panel's:\n{screen}"
    );
}

/// The Prometheus tab side by side: each backend's scrape targets under its name, so "is
/// the Prometheus itself fine?" is answered for every region, and a target down in us
/// makes the panel's status whatever it is in eu.
#[test]
fn each_backend_s_targets_show_under_its_name() {
    use spheroseg_top::app::{Action, Msg};
    use spheroseg_top::event::{DataEvent, ServerData, ServerRequest};
    use spheroseg_top::prom::{Target, TargetHealth};
    let layout = spheroseg_top::config::Layout::load("spheroseg").unwrap();
    let server_tab = layout
        .tabs
        .iter()
        .position(|t| t.title == "Prometheus")
        .expect("the bundled layout's Prometheus tab");
    let mut app = app(layout, "eu, us").with_backends(vec!["eu".into(), "us".into()]);
    let now = spheroseg_top::clock::unix_now();
    answer_all(&mut app, now, 0.1, 0.1);
    let target = |instance: &str, health: TargetHealth| Target {
        pool: "spheroseg".into(),
        labels: [
            ("job".to_string(), "spheroseg".to_string()),
            ("instance".to_string(), instance.to_string()),
        ]
        .into(),
        scrape_url: format!("http://{instance}/metrics"),
        health,
        last_error: (health == TargetHealth::Down).then(|| "connection refused".into()),
        last_scrape: Some(now - 1.0),
        last_scrape_duration: 0.01,
        scrape_interval: Some(Duration::from_secs(15)),
        scrape_timeout: Some(Duration::from_secs(10)),
        samples: None,
    };
    let targets = |targets| DataEvent::Server {
        at: now,
        request: ServerRequest::Targets,
        result: Ok(ServerData::Targets(targets)),
    };
    app.update(Msg::Data(targets(vec![target(
        "eu-app:8080",
        TargetHealth::Up,
    )])));
    let us = targets(vec![
        target("us-app-1:8080", TargetHealth::Up),
        target("us-app-2:8080", TargetHealth::Down),
    ]);
    app.update(Msg::Data(DataEvent::Backend {
        backend: 1,
        event: Box::new(us),
    }));
    app.update(Msg::Action(Action::SelectTab(server_tab)));
    let screen = lines(&render(&app, 200, 60)).join("\n");
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{screen}");
    }
    let at = |text: &str| {
        screen
            .find(text)
            .unwrap_or_else(|| panic!("{text}:\n{screen}"))
    };
    assert!(
        at("eu-app:8080") < at("us-app-2:8080"),
        "eu's, then us':\n{screen}"
    );
    assert!(screen.contains("connection refused"), "{screen}");
    assert!(
        screen.contains(" WARN ╗"),
        "us' target down is the panel's:\n{screen}"
    );
}
