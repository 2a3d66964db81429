//! Fault injection: the real poller and app against a fake Prometheus that answers each
//! PromQL expression however a test tells it to. Every fault must stay on its own panel,
//! show the user what went wrong, and clear by itself once the server behaves again.

#![allow(clippy::unwrap_used)]

mod fake_prometheus;

use fake_prometheus::{Behaviour, Endpoint, FakePrometheus};
use ratatui::buffer::Buffer;
use spheroseg_top::app::{App, Msg, SourceInfo};
use spheroseg_top::clock::unix_now;
use spheroseg_top::config::{Layout, Source, Theme};
use spheroseg_top::event::{Connection, DataEvent, SourceCommand};
use spheroseg_top::prom::{ClientOptions, PromClient, PromError};
use spheroseg_top::source::live::{self as poller, PollerConfig};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

const REFRESH: Duration = Duration::from_millis(250);
const TIMEOUT: Duration = Duration::from_millis(500);
const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

// ---- layouts -------------------------------------------------------------------------

/// A panel whose title is `[expr]`, so the screen can be searched per panel.
fn panel(kind: &str, expr: &str) -> String {
    let extra = match kind {
        "gauge" => "max = 100\n",
        _ => "",
    };
    format!(
        "[[tab.row.panel]]\ntitle = \"[{expr}]\"\nkind = \"{kind}\"\nquery = {}\nwindow = \"1m\"\n{extra}",
        toml_string(expr)
    )
}

fn stat(expr: &str) -> String {
    panel("stat", expr)
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One tab; each inner slice is a row of panels.
fn layout(rows: &[Vec<String>]) -> Layout {
    let mut text = String::from("title = \"faults\"\n[[tab]]\ntitle = \"Faults\"\n");
    for row in rows {
        text.push_str("[[tab.row]]\n");
        for p in row {
            text.push_str(p);
        }
    }
    Layout::parse(Source {
        origin: "faults.toml".into(),
        text: text.clone(),
    })
    .unwrap_or_else(|e| panic!("test layout is invalid: {e}\n{text}"))
}

// ---- the dashboard under test ----------------------------------------------------------

fn client(url: &str, bearer_token: Option<&str>) -> PromClient {
    client_with_timeout(url, bearer_token, TIMEOUT)
}

fn client_with_timeout(url: &str, bearer_token: Option<&str>, timeout: Duration) -> PromClient {
    PromClient::new(
        url,
        ClientOptions {
            timeout,
            bearer_token: bearer_token.map(str::to_string),
            ..ClientOptions::default()
        },
    )
    .expect("valid client")
}

/// The real poller feeding a real [`App`], as the event loop does, minus the terminal.
struct Dash {
    app: App,
    events: mpsc::Receiver<DataEvent>,
    _commands: mpsc::Sender<SourceCommand>,
    /// Every event received, in order.
    log: Vec<DataEvent>,
}

impl Dash {
    fn start(layout: Layout, client: PromClient) -> Self {
        let app = App::new(
            layout,
            Theme::load("default").expect("default theme"),
            SourceInfo {
                label: client.display_url().to_string(),
                refresh: REFRESH,
                note: None,
            },
        );
        let (tx, events) = mpsc::channel(4096);
        let commands = poller::spawn(
            client,
            PollerConfig {
                queries: app.layout().queries.clone(),
                refresh: REFRESH,
                concurrency: 8,
                alertmanager: None,
            },
            tx,
        );
        Self {
            app,
            events,
            _commands: commands,
            log: Vec::new(),
        }
    }

    fn id(&self, expr: &str) -> usize {
        self.app
            .layout()
            .queries
            .iter()
            .position(|q| q.expr == expr)
            .unwrap_or_else(|| panic!("no query {expr:?} in the layout"))
    }

    /// Waits for the next event, hands it to the app and returns it; `None` at `deadline`.
    async fn next(&mut self, deadline: Instant) -> Option<DataEvent> {
        let event = tokio::time::timeout_at(deadline, self.events.recv())
            .await
            .ok()?
            .expect("the poller stopped");
        if let DataEvent::Instant { at, .. } = &event {
            self.app.update(Msg::Tick(*at));
        }
        self.app.update(Msg::Data(event.clone()));
        self.log.push(event.clone());
        Some(event)
    }

    /// Feeds events to the app until `done` holds; fails with the screen after `within`.
    async fn until(&mut self, what: &str, within: Duration, done: impl Fn(&Dash) -> bool) {
        let deadline = Instant::now() + within;
        while !done(self) {
            if self.next(deadline).await.is_none() {
                panic!(
                    "timed out after {within:?} waiting for {what}\nscreen:\n{}\nstate: {}",
                    self.screen().text(),
                    self.summary()
                );
            }
        }
    }

    /// Keeps feeding events for `duration`.
    async fn run_for(&mut self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while self.next(deadline).await.is_some() {}
    }

    /// The latest value of `expr`'s first current series.
    fn value(&self, expr: &str) -> Option<f64> {
        let q = self.app.store().query(self.id(expr))?;
        q.current().next().map(|(_, v)| v)
    }

    fn error(&self, expr: &str) -> Option<&PromError> {
        self.app.store().query(self.id(expr))?.error.as_ref()
    }

    /// Instant answers received for `expr`: (successes, failures).
    fn answers(&self, expr: &str) -> (usize, usize) {
        let id = self.id(expr);
        self.log.iter().fold((0, 0), |(ok, err), e| match e {
            DataEvent::Instant { id: i, result, .. } if *i == id => match result {
                Ok(_) => (ok + 1, err),
                Err(_) => (ok, err + 1),
            },
            _ => (ok, err),
        })
    }

    fn answered(&self, expr: &str) -> bool {
        let (ok, err) = self.answers(expr);
        ok + err > 0
    }

    fn connections(&self) -> Vec<&Connection> {
        self.log
            .iter()
            .filter_map(|e| match e {
                DataEvent::Connection(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    /// Renders the screen the user would see now.
    fn screen(&mut self) -> Screen {
        // The event loop ticks the clock once a second; rendering reads no clock itself.
        self.app.update(Msg::Tick(unix_now().max(self.app.now())));
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(WIDTH, HEIGHT))
                .expect("test terminal");
        terminal
            .draw(|frame| spheroseg_top::ui::render(frame, &self.app))
            .expect("render");
        Screen(terminal.backend().buffer().clone())
    }

    fn summary(&self) -> String {
        self.app
            .layout()
            .queries
            .iter()
            .enumerate()
            .map(|(id, q)| {
                let data = self.app.store().query(id).expect("query data");
                format!(
                    "\n  {}: answers {:?}, value {:?}, error {:?}",
                    q.expr,
                    self.answers(&q.expr),
                    data.current().next().map(|(_, v)| v),
                    data.error
                )
            })
            .collect::<String>()
            + &format!("\n  connection {:?}", self.app.connection())
    }
}

/// A rendered screen.
struct Screen(Buffer);

impl Screen {
    fn row(&self, y: u16) -> Vec<&str> {
        (0..self.0.area.width)
            .map(|x| self.0[(x, y)].symbol())
            .collect()
    }

    fn lines(&self) -> Vec<String> {
        (0..self.0.area.height)
            .map(|y| self.row(y).concat())
            .collect()
    }

    fn text(&self) -> String {
        self.lines().join("\n")
    }

    fn status_bar(&self) -> String {
        self.row(self.0.area.height - 1).concat()
    }

    /// The panel titled `[expr]`: its title line, then its inside with the lines joined
    /// and whitespace collapsed (so wrapped messages read as one sentence).
    fn panel(&self, expr: &str) -> String {
        // A focused panel's title starts with "▶ " instead of a space.
        let title: Vec<String> = format!("[{expr}] ").chars().map(String::from).collect();
        let width = self.0.area.width as usize;
        let (x, y) = (0..self.0.area.height)
            .find_map(|y| {
                let row = self.row(y);
                (0..width.saturating_sub(title.len()))
                    .find(|&x| (0..title.len()).all(|i| row[x + i] == title[i]))
                    .map(|x| (x, y))
            })
            .unwrap_or_else(|| panic!("no panel [{expr}] on screen:\n{}", self.text()));
        let top = self.row(y);
        let left = (0..x)
            .rev()
            .find(|&i| matches!(top[i], "╭" | "┏" | "┌" | "╔"))
            .expect("panel's top-left corner");
        let right = (x..width)
            .find(|&i| matches!(top[i], "╮" | "┓" | "┐" | "╗"))
            .expect("panel's top-right corner");
        let bottom = (y + 1..self.0.area.height)
            .find(|&row| matches!(self.0[(left as u16, row)].symbol(), "╰" | "┗" | "└" | "╚"))
            .expect("panel's bottom-left corner");
        let inside: Vec<String> = (y + 1..bottom)
            .map(|row| self.row(row)[left + 1..right].concat())
            .collect();
        let inside = inside.join(" ");
        format!(
            "{}\n{}",
            top[left..=right].concat(),
            inside.split_whitespace().collect::<Vec<_>>().join(" ")
        )
    }
}

fn assert_shows(screen: &Screen, expr: &str, wanted: &[&str], unwanted: &[&str]) {
    let text = screen.panel(expr);
    for w in wanted {
        assert!(
            text.contains(w),
            "panel [{expr}] should show {w:?} but shows:\n{text}\n\nwhole screen:\n{}",
            screen.text()
        );
    }
    for u in unwanted {
        assert!(
            !text.contains(u),
            "panel [{expr}] should not show {u:?} but shows:\n{text}\n\nwhole screen:\n{}",
            screen.text()
        );
    }
}

/// Badges of a panel in trouble.
const TROUBLE: &[&str] = &["ERROR", "NO DATA", "STALE", "WARN", "⚠", "waiting for data"];

// ---- tests -------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promql_error_shows_on_its_panel_while_the_others_keep_updating() {
    const MESSAGE: &str = "1:10: parse error: unexpected identifier \"oops\"";
    let fake = FakePrometheus::start().await;
    fake.set("good_a", Behaviour::Value(11.5));
    fake.set("good_b", Behaviour::Value(3.25));
    fake.set("bad_query", Behaviour::PromqlError(MESSAGE.into()));
    let layout = layout(&[
        vec![stat("good_a"), stat("good_b")],
        vec![stat("bad_query")],
    ]);
    let mut dash = Dash::start(layout, client(&fake.url(), None));

    dash.until("first answers", Duration::from_secs(5), |d| {
        d.value("good_a") == Some(11.5)
            && d.value("good_b") == Some(3.25)
            && d.answered("bad_query")
    })
    .await;
    let screen = dash.screen();
    assert_shows(
        &screen,
        "bad_query",
        &["ERROR", &format!("bad_data: {MESSAGE}")],
        &[],
    );
    assert_shows(&screen, "good_a", &["11.50"], TROUBLE);
    assert_shows(&screen, "good_b", &["3.25"], TROUBLE);
    assert!(
        screen.status_bar().contains("1 failing"),
        "{}",
        screen.status_bar()
    );

    // The good panels keep following the server while the bad one keeps failing.
    let before = dash.answers("good_a").0;
    fake.set("good_a", Behaviour::Value(42.25));
    fake.set("good_b", Behaviour::Value(7.75));
    dash.until("new values", Duration::from_secs(2), |d| {
        d.value("good_a") == Some(42.25) && d.value("good_b") == Some(7.75)
    })
    .await;
    dash.until("a few more cycles", Duration::from_secs(3), |d| {
        d.answers("good_a").0 >= before + 4
    })
    .await;
    let screen = dash.screen();
    assert_shows(&screen, "good_a", &["42.25"], TROUBLE);
    assert_shows(&screen, "good_b", &["7.75"], TROUBLE);
    assert_shows(&screen, "bad_query", &["ERROR", MESSAGE], &[]);
    for good in ["good_a", "good_b"] {
        assert_eq!(dash.answers(good).1, 0, "{good} never failed");
        assert!(dash.error(good).is_none());
    }
    assert!(dash.answers("bad_query").1 >= 3, "{}", dash.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_stays_on_its_own_panel() {
    let fake = FakePrometheus::start().await;
    fake.set("ok_value", Behaviour::Value(5.5));
    fake.set("http_503", Behaviour::ServerError(503));
    fake.set("garbage", Behaviour::Garbage);
    fake.set("slow", Behaviour::Slow(Duration::from_secs(2)));
    fake.set("nan_value", Behaviour::Value(f64::NAN));
    fake.set("inf_value", Behaviour::Value(f64::INFINITY));
    fake.set("neg_inf_value", Behaviour::Value(f64::NEG_INFINITY));
    fake.set("empty", Behaviour::Empty);
    fake.set("huge", Behaviour::Huge(2000));
    let layout = layout(&[
        vec![stat("ok_value"), stat("http_503"), stat("garbage")],
        vec![stat("slow"), stat("nan_value"), stat("inf_value")],
        vec![stat("neg_inf_value"), stat("empty"), panel("bar", "huge")],
    ]);
    let mut dash = Dash::start(layout, client(&fake.url(), None));
    let all = [
        "ok_value",
        "http_503",
        "garbage",
        "slow",
        "nan_value",
        "inf_value",
        "neg_inf_value",
        "empty",
        "huge",
    ];
    dash.until("every query to answer twice", Duration::from_secs(5), |d| {
        all.iter().all(|e| {
            let (ok, err) = d.answers(e);
            ok + err >= 2
        })
    })
    .await;

    let screen = dash.screen();
    assert_shows(&screen, "ok_value", &["5.50"], TROUBLE);
    assert_shows(
        &screen,
        "http_503",
        &["ERROR", "HTTP 503", "Service Unavailable"],
        &[],
    );
    assert_shows(&screen, "garbage", &["ERROR", "invalid response"], &[]);
    assert_shows(&screen, "slow", &["ERROR", "timed out after 500ms"], &[]);
    assert_shows(&screen, "nan_value", &["NaN"], &["ERROR", "⚠"]);
    assert_shows(&screen, "inf_value", &["+Inf"], &["ERROR", "⚠"]);
    assert_shows(&screen, "neg_inf_value", &["-Inf"], &["ERROR", "⚠"]);
    assert_shows(
        &screen,
        "empty",
        &["NO DATA", "no data: the query returned no series"],
        &["ERROR", "⚠"],
    );
    assert_shows(
        &screen,
        "huge",
        &["showing 500 series; 1500 more not shown"],
        &["ERROR", "⚠"],
    );
    assert!(
        screen.status_bar().contains("3 failing"),
        "503, garbage and the timeout fail: {}",
        screen.status_bar()
    );

    // What the store holds matches.
    assert!(matches!(
        dash.error("http_503"),
        Some(PromError::Http { status: 503, .. })
    ));
    assert!(matches!(dash.error("garbage"), Some(PromError::Decode(_))));
    assert_eq!(dash.error("slow"), Some(&PromError::Timeout(TIMEOUT)));
    let huge = dash.app.store().query(dash.id("huge")).expect("huge");
    assert_eq!(
        (huge.series.len(), huge.dropped_series),
        (spheroseg_top::store::MAX_SERIES, 1500)
    );
    for good in [
        "ok_value",
        "nan_value",
        "inf_value",
        "neg_inf_value",
        "empty",
        "huge",
    ] {
        assert_eq!(
            dash.answers(good).1,
            0,
            "{good} caught someone else's fault: {}",
            dash.summary()
        );
    }
    // Only the failing answers failed.
    assert!(dash.error("ok_value").is_none());
    assert!(
        dash.connections()
            .iter()
            .all(|c| **c == Connection::Connected),
        "query faults are not connection faults: {:?}",
        dash.connections()
    );
    assert_eq!(dash.app.connection(), Connection::Connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_results_are_counted_once_when_the_backfill_lands_after_the_first_answer() {
    let fake = FakePrometheus::start().await;
    fake.set("huge_chart", Behaviour::Huge(2000));
    // The backfill answers after the first instant answer has been stored (a generous
    // timeout, so that the slow backfill is not cut off on a busy machine).
    fake.set_range(
        "huge_chart",
        Behaviour::Delayed(Duration::from_millis(700), Box::new(Behaviour::Huge(2000))),
    );
    let layout = layout(&[vec![panel("chart", "huge_chart")]]);
    let client = client_with_timeout(&fake.url(), None, Duration::from_secs(5));
    let mut dash = Dash::start(layout, client);
    let id = dash.id("huge_chart");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let event = dash
            .next(deadline)
            .await
            .unwrap_or_else(|| panic!("no backfill answer: {}", dash.summary()));
        if let DataEvent::Range { id: i, result, .. } = &event
            && *i == id
        {
            assert_eq!(result.as_ref().map(Vec::len), Ok(2000));
            assert!(
                dash.answers("huge_chart").0 >= 1,
                "the instant answer came first"
            );
            break;
        }
    }
    let query = dash.app.store().query(id).expect("query").clone();
    let screen = dash.screen();
    assert_shows(
        &screen,
        "huge_chart",
        &["showing 500 series; 1500 more not shown"],
        &["ERROR"],
    );
    assert_eq!(query.series.len(), spheroseg_top::store::MAX_SERIES);
    assert_eq!(
        query.dropped_series, 1500,
        "2000 series were returned and 500 kept"
    );
}

/// Queries asked together (once each has answered alone, fast): one that turns bad, then
/// one that hangs, keeps its trouble on its own panel; the others never show an error and
/// keep updating, the hung one delaying them by no more than a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_asked_together_keeps_its_trouble_to_itself() {
    let fake = FakePrometheus::start().await;
    let names = ["together_a", "together_b", "together_c", "together_d"];
    for (i, name) in names.iter().enumerate() {
        fake.set(name, Behaviour::Value(i as f64));
    }
    let layout = layout(&[names.iter().map(|n| stat(n)).collect()]);
    let mut dash = Dash::start(layout, client(&fake.url(), None));
    let together = |fake: &FakePrometheus| fake.requests().iter().any(|r| r.place == Some(3));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !together(&fake) {
        assert!(dash.next(deadline).await.is_some(), "never asked together");
    }

    fake.set(
        "together_b",
        Behaviour::PromqlError("bad_data: parse error".into()),
    );
    dash.until("b's own error", Duration::from_secs(2), |d| {
        d.error("together_b").is_some()
    })
    .await;
    fake.set("together_d", Behaviour::Hang);
    let started = Instant::now();
    for v in [10.0, 11.0, 12.0] {
        fake.set("together_a", Behaviour::Value(v));
        dash.until(&format!("a = {v}"), TIMEOUT + 3 * REFRESH, |d| {
            d.value("together_a") == Some(v)
        })
        .await;
    }
    dash.until("d's own timeout", Duration::from_secs(2), |d| {
        d.error("together_d").is_some()
    })
    .await;
    assert!(started.elapsed() < TIMEOUT + 6 * REFRESH);
    for name in ["together_a", "together_c"] {
        let (ok, failed) = dash.answers(name);
        assert!(
            ok >= 4 && failed == 0,
            "{name}: {ok} answers, {failed} failures"
        );
    }
    assert!(
        matches!(dash.error("together_b"), Some(PromError::Query { message, .. }) if message.contains("parse error")),
        "{:?}",
        dash.error("together_b")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_query_does_not_delay_the_others() {
    let fake = FakePrometheus::start().await;
    fake.set("hangs", Behaviour::Hang);
    fake.set("good_a", Behaviour::Value(100.0));
    let layout = layout(&[vec![stat("hangs"), stat("good_a")]]);
    let mut dash = Dash::start(layout, client(&fake.url(), None));

    let started = Instant::now();
    dash.until("first value", Duration::from_secs(2), |d| {
        d.value("good_a") == Some(100.0)
    })
    .await;
    // Fresh values arrive every cycle while the other query hangs.
    for i in 1..=6 {
        let v = 100.0 + f64::from(i);
        fake.set("good_a", Behaviour::Value(v));
        dash.until(&format!("good_a = {v}"), Duration::from_secs(1), |d| {
            d.value("good_a") == Some(v)
        })
        .await;
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(4),
        "six fresh values took {elapsed:?}"
    );
    assert!(
        fake.instant_count("hangs") >= 1,
        "the hanging query was sent"
    );
    let (ok, _) = dash.answers("hangs");
    assert_eq!(ok, 0, "it never answered");

    dash.until("the hang to time out", Duration::from_secs(2), |d| {
        d.error("hangs").is_some()
    })
    .await;
    let latencies: Vec<Duration> = dash
        .log
        .iter()
        .filter_map(|e| match e {
            DataEvent::Instant {
                id,
                latency,
                result: Ok(_),
                ..
            } if *id == dash.id("good_a") => Some(*latency),
            _ => None,
        })
        .collect();
    assert!(
        latencies.iter().all(|l| *l < TIMEOUT),
        "good_a never waited for the hanging query: {latencies:?}"
    );
    // At most one hanging request at a time: a new one only after the last timed out.
    let elapsed = started.elapsed().as_secs_f64();
    let sent = fake.instant_count("hangs");
    assert!(
        sent as f64 <= elapsed / TIMEOUT.as_secs_f64() + 1.0,
        "{sent} hanging requests in {elapsed:.1}s"
    );
    let screen = dash.screen();
    assert_shows(&screen, "hangs", &["ERROR", "timed out after 500ms"], &[]);
    assert_shows(&screen, "good_a", &["106.00"], TROUBLE);
    assert_eq!(dash.app.connection(), Connection::Connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_panels_recover_by_themselves() {
    let fake = FakePrometheus::start().await;
    let faults = [
        (
            "fails_promql",
            Behaviour::PromqlError("bad_data stuff".into()),
        ),
        ("fails_503", Behaviour::ServerError(503)),
        ("fails_502", Behaviour::ServerError(502)),
        ("fails_garbage", Behaviour::Garbage),
        ("fails_slow", Behaviour::Slow(Duration::from_secs(3))),
        ("fails_hang", Behaviour::Hang),
        ("fails_empty", Behaviour::Empty),
    ];
    for (expr, behaviour) in &faults {
        fake.set(expr, behaviour.clone());
    }
    let exprs: Vec<&str> = faults.iter().map(|(e, _)| *e).collect();
    let layout = layout(&[
        exprs[..4].iter().map(|e| stat(e)).collect(),
        exprs[4..].iter().map(|e| stat(e)).collect(),
    ]);
    let mut dash = Dash::start(layout, client(&fake.url(), None));
    dash.until("every fault to show", Duration::from_secs(5), |d| {
        exprs[..6].iter().all(|e| d.error(e).is_some()) && d.answered("fails_empty")
    })
    .await;
    let screen = dash.screen();
    for e in &exprs[..6] {
        assert_shows(&screen, e, &["ERROR"], &[]);
    }
    assert_shows(&screen, "fails_empty", &["NO DATA"], &[]);

    for (i, e) in exprs.iter().enumerate() {
        fake.set(e, Behaviour::Value(10.0 + i as f64));
    }
    let fixed = Instant::now();
    dash.until("every panel to recover", Duration::from_secs(5), |d| {
        exprs
            .iter()
            .enumerate()
            .all(|(i, e)| d.error(e).is_none() && d.value(e) == Some(10.0 + i as f64))
    })
    .await;
    let took = fixed.elapsed();
    // A hung request must time out (500 ms) before the next cycle asks again.
    assert!(
        took < TIMEOUT + REFRESH * 6,
        "recovery took {took:?}: {}",
        dash.summary()
    );
    dash.run_for(REFRESH * 2).await;
    let screen = dash.screen();
    for (i, e) in exprs.iter().enumerate() {
        assert_shows(&screen, e, &[&format!("{:.2}", 10.0 + i as f64)], TROUBLE);
    }
    assert!(
        !screen.status_bar().contains("failing"),
        "{}",
        screen.status_bar()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_shown_and_reconnected_by_itself() {
    let mut fake = FakePrometheus::start_stopped().await;
    fake.set("up_a", Behaviour::Value(1.5));
    fake.set("up_b", Behaviour::Value(2.5));
    let layout = layout(&[vec![stat("up_a"), panel("gauge", "up_b")]]);
    let mut dash = Dash::start(layout, client(&fake.url(), None));

    dash.until("unreachable", Duration::from_secs(3), |d| {
        matches!(d.app.connection(), Connection::Unreachable { .. })
    })
    .await;
    let Connection::Unreachable { error, retry_in } = dash.app.connection().clone() else {
        unreachable!()
    };
    assert_eq!(retry_in, Duration::from_secs(1), "backoff starts at 1 s");
    assert!(error.contains("unreachable"), "{error}");
    let screen = dash.screen();
    let bar = screen.status_bar();
    assert!(
        bar.contains("unreachable") && bar.contains("retry in 1s"),
        "status bar: {bar}"
    );
    assert!(bar.contains(&fake.url()), "names the server: {bar}");
    // The panels still draw.
    screen.panel("up_a");
    screen.panel("up_b");

    // The probe fails once more and backs off further.
    dash.until("a failed probe", Duration::from_secs(3), |d| {
        matches!(
            d.app.connection(),
            Connection::Unreachable { retry_in, .. } if retry_in == Duration::from_secs(2)
        )
    })
    .await;
    let screen = dash.screen();
    assert!(
        screen.status_bar().contains("retry in 2s"),
        "{}",
        screen.status_bar()
    );

    fake.restart().await;
    let restarted = Instant::now();
    dash.until("reconnected", Duration::from_secs(5), |d| {
        d.app.connection() == Connection::Connected
    })
    .await;
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.endpoint == Endpoint::BuildInfo),
        "reconnected through the probe"
    );
    dash.until("panels to fill in", Duration::from_secs(3), |d| {
        d.value("up_a") == Some(1.5) && d.value("up_b") == Some(2.5)
    })
    .await;
    assert!(
        restarted.elapsed() < Duration::from_secs(5),
        "{:?}",
        restarted.elapsed()
    );
    dash.run_for(REFRESH * 2).await;
    let screen = dash.screen();
    let bar = screen.status_bar();
    assert!(
        bar.contains("connected") && !bar.contains("unreachable"),
        "{bar}"
    );
    assert_shows(&screen, "up_a", &["1.50"], TROUBLE);
    assert_shows(&screen, "up_b", &["2.50"], TROUBLE);
    let states: Vec<String> = dash
        .connections()
        .iter()
        .map(|c| match c {
            Connection::Unreachable { retry_in, .. } => format!("unreachable {retry_in:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        states,
        ["unreachable 1s", "unreachable 2s", "Connected"],
        "one event per state change, with growing backoff"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_queries_are_requested_once_per_cycle() {
    const SHARED: &str = "sum by (job) (shared_metric)";
    let fake = FakePrometheus::start().await;
    fake.set(SHARED, Behaviour::Value(4.0));
    fake.set("other", Behaviour::Value(9.0));
    let kpi = "[[tab.row.panel]]\ntitle = \"[kpis]\"\nkind = \"kpi_table\"\n\
         [[tab.row.panel.kpi]]\nname = \"Shared\"\nquery = \"sum  by (job)\\n  (shared_metric)\"\n"
        .to_string();
    let layout = layout(&[
        vec![
            stat(SHARED),
            panel("chart", "sum by (job)   (shared_metric)"),
        ],
        vec![stat("other"), kpi],
    ]);
    assert_eq!(layout.queries.len(), 2, "{:?}", layout.queries);
    let mut dash = Dash::start(layout, client(&fake.url(), None));
    dash.until("six cycles", Duration::from_secs(5), |d| {
        d.answers("other").0 >= 6 && d.answers(SHARED).0 >= 6
    })
    .await;

    let requests = fake.requests();
    let exprs: HashSet<&str> = requests.iter().filter_map(|r| r.expr.as_deref()).collect();
    assert_eq!(
        exprs,
        HashSet::from([SHARED, "other"]),
        "whitespace variants are one query"
    );
    let mut per_cycle: HashMap<(&str, &str), usize> = HashMap::new();
    for r in requests.iter().filter(|r| r.endpoint == Endpoint::Query) {
        let key = (
            r.expr.as_deref().unwrap_or_default(),
            r.time.as_deref().unwrap_or_default(),
        );
        *per_cycle.entry(key).or_default() += 1;
    }
    let repeated: Vec<_> = per_cycle.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "sent more than once in a cycle: {repeated:?}"
    );
    let (shared, other) = (fake.instant_count(SHARED), fake.instant_count("other"));
    assert!(
        shared.abs_diff(other) <= 1,
        "shared {shared} vs other {other}"
    );
    assert_eq!(fake.range_count(SHARED), 1, "one backfill for both charts");
    assert_eq!(fake.range_count("other"), 1);

    let screen = dash.screen();
    assert_shows(&screen, SHARED, &["4.00"], TROUBLE);
    assert_shows(&screen, "sum by (job)   (shared_metric)", &[], TROUBLE);
    assert_shows(&screen, "kpis", &["Shared", "4.00"], &["ERROR"]);
}

const PASSWORD: &str = "s3cret";
const TOKEN: &str = "t0ken-xyzzy-42";
/// `user:s3cret` in base64, as it travels in a basic-auth header.
const BASIC: &str = "dXNlcjpzM2NyZXQ=";

fn assert_no_secrets(what: &str, text: &str) {
    for secret in [PASSWORD, TOKEN, BASIC] {
        assert!(!text.contains(secret), "{what} leaks {secret:?}:\n{text}");
    }
}

/// Checks every error and connection state the dashboard has heard of.
fn assert_events_keep_secrets(dash: &Dash) {
    for event in &dash.log {
        assert_no_secrets("event", &format!("{event:?}"));
        let error = match event {
            DataEvent::Instant { result: Err(e), .. } | DataEvent::Range { result: Err(e), .. } => {
                Some(e)
            }
            _ => None,
        };
        if let Some(e) = error {
            assert_no_secrets("error", &e.to_string());
        }
    }
}

fn credentialed_layout(fake: &FakePrometheus) -> Layout {
    fake.set("cred_ok", Behaviour::Value(3.0));
    fake.set(
        "cred_promql",
        Behaviour::PromqlError("unknown function".into()),
    );
    fake.set("cred_503", Behaviour::ServerError(503));
    fake.set("cred_401", Behaviour::ServerError(401));
    fake.set("cred_garbage", Behaviour::Garbage);
    fake.set("cred_slow", Behaviour::Slow(Duration::from_secs(2)));
    layout(&[
        vec![stat("cred_ok"), stat("cred_promql"), stat("cred_503")],
        vec![stat("cred_401"), stat("cred_garbage"), stat("cred_slow")],
    ])
}

const CREDENTIALED: [&str; 6] = [
    "cred_ok",
    "cred_promql",
    "cred_503",
    "cred_401",
    "cred_garbage",
    "cred_slow",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_and_password_never_reach_the_screen_or_errors() {
    let fake = FakePrometheus::start().await;
    let url = format!("http://user:{PASSWORD}@127.0.0.1:{}", fake.port());
    let client = client(&url, Some(TOKEN));
    assert_no_secrets("client", &format!("{client:?}"));
    assert_no_secrets("display url", client.display_url());
    let mut dash = Dash::start(credentialed_layout(&fake), client);
    dash.until("every query to answer", Duration::from_secs(5), |d| {
        CREDENTIALED.iter().all(|e| d.answered(e)) && d.error("cred_slow").is_some()
    })
    .await;

    let auth = fake.authorizations();
    assert!(!auth.is_empty(), "the fake saw no Authorization header");
    assert!(
        auth.iter().all(|a| *a == format!("Bearer {TOKEN}")),
        "every request carries the bearer token: {auth:?}"
    );
    assert!(
        fake.requests().iter().all(|r| r.authorization.is_some()),
        "no request without credentials"
    );
    let screen = dash.screen();
    assert_shows(&screen, "cred_ok", &["3.00"], TROUBLE);
    assert_shows(&screen, "cred_401", &["ERROR", "credentials refused"], &[]);
    assert_no_secrets("screen", &screen.text());
    assert_events_keep_secrets(&dash);
    for e in CREDENTIALED {
        if let Some(err) = dash.error(e) {
            assert_no_secrets("stored error", &format!("{err:?} {err}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_auth_password_never_leaks_even_while_unreachable() {
    assert_no_secrets(
        "URL error",
        &PromClient::new(
            &format!("http://user:{PASSWORD}@127.0.0.1:notaport"),
            ClientOptions {
                timeout: TIMEOUT,
                bearer_token: None,
                ..ClientOptions::default()
            },
        )
        .expect_err("invalid port")
        .to_string(),
    );

    let mut fake = FakePrometheus::start_stopped().await;
    let url = format!("http://user:{PASSWORD}@127.0.0.1:{}", fake.port());
    let client = client(&url, None);
    assert_no_secrets("client", &format!("{client:?}"));
    let mut dash = Dash::start(credentialed_layout(&fake), client);
    dash.until("unreachable", Duration::from_secs(3), |d| {
        matches!(d.app.connection(), Connection::Unreachable { .. })
    })
    .await;
    let screen = dash.screen();
    assert!(
        screen.status_bar().contains("unreachable"),
        "{}",
        screen.status_bar()
    );
    assert_no_secrets("screen while unreachable", &screen.text());
    assert_no_secrets("connection state", &format!("{:?}", dash.app.connection()));

    fake.restart().await;
    dash.until("every query to answer", Duration::from_secs(6), |d| {
        d.app.connection() == Connection::Connected
            && d.value("cred_ok") == Some(3.0)
            && d.error("cred_slow") == Some(&PromError::Timeout(TIMEOUT))
            && CREDENTIALED[1..5]
                .iter()
                .all(|e| d.error(e).is_some_and(|err| !err.is_connection()))
    })
    .await;
    let auth = fake.authorizations();
    assert!(!auth.is_empty(), "the fake saw no Authorization header");
    assert!(
        auth.iter().all(|a| *a == format!("Basic {BASIC}")),
        "every request carries basic auth: {auth:?}"
    );
    let screen = dash.screen();
    assert_shows(&screen, "cred_ok", &["3.00"], TROUBLE);
    assert_no_secrets("screen", &screen.text());
    assert_events_keep_secrets(&dash);
}

// ---- a hostile server (issue 10) --------------------------------------------------------

/// HTTP requests of any kind the fake received.
fn request_count(fake: &FakePrometheus) -> usize {
    fake.http_requests()
}

fn unreachable_state(dash: &Dash) -> Option<(String, Duration)> {
    match dash.app.connection() {
        Connection::Unreachable { error, retry_in } => Some((error, retry_in)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_asking_to_wait_is_left_alone_for_that_long() {
    let fake = FakePrometheus::start().await;
    fake.set("asked_a", Behaviour::Value(1.0));
    fake.set("asked_b", Behaviour::Value(2.0));
    let mut dash = Dash::start(
        layout(&[vec![stat("asked_a"), stat("asked_b")]]),
        client(&fake.url(), None),
    );
    dash.until("first values", Duration::from_secs(5), |d| {
        d.value("asked_a") == Some(1.0)
    })
    .await;

    fake.set_server(Some(Behaviour::Throttle(429, "120".into())));
    let throttled = request_count(&fake);
    dash.until("the wait to show", Duration::from_secs(3), |d| {
        unreachable_state(d).is_some()
    })
    .await;
    let (error, retry_in) = unreachable_state(&dash).unwrap();
    assert_eq!(retry_in, Duration::from_secs(120), "{error}");
    // Twelve refreshes: before, each sent every query again.
    dash.run_for(REFRESH * 12).await;
    let sent = request_count(&fake) - throttled;
    assert!(
        // Not waiting would be two queries every refresh, 24; an answer already under way
        // when the 429 came may still arrive on a loaded machine.
        sent <= 6,
        "{sent} requests while the server asked for 2 minutes of quiet"
    );
    let screen = dash.screen();
    let bar = screen.status_bar();
    assert!(
        bar.contains("server asked to wait 2m (HTTP 429)") && bar.contains("retry in 2m"),
        "{bar}"
    );
    // A query that met the 429 says so; one the poller then held back shows its last
    // value, stale. Which request met it first depends on the scheduler: when it was
    // another endpoint's (the alerts, the targets), no query met it and both panels keep
    // their values (seen once in CI).
    let panels = [screen.panel("asked_a"), screen.panel("asked_b")];
    let a_query_met_it = fake.requests()[throttled..]
        .iter()
        .any(|r| r.endpoint == Endpoint::Query);
    let said = panels
        .iter()
        .any(|p| p.contains("HTTP 429") && p.contains("asked to wait 2m"));
    assert!(said || !a_query_met_it, "{panels:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_may_be_a_date_and_is_capped() {
    let fake = FakePrometheus::start().await;
    let in_a_minute = std::time::SystemTime::now() + Duration::from_secs(60);
    fake.set_server(Some(Behaviour::Throttle(
        503,
        httpdate::fmt_http_date(in_a_minute),
    )));
    let mut dash = Dash::start(layout(&[vec![stat("dated")]]), client(&fake.url(), None));
    dash.until("the wait to show", Duration::from_secs(3), |d| {
        unreachable_state(d).is_some()
    })
    .await;
    let (error, retry_in) = unreachable_state(&dash).unwrap();
    assert!(
        (Duration::from_secs(55)..=Duration::from_secs(60)).contains(&retry_in),
        "{retry_in:?}: {error}"
    );
    assert!(error.contains("HTTP 503"), "{error}");
    dash.run_for(REFRESH * 4).await;
    assert!(
        request_count(&fake) <= 5,
        "one cycle (the scrape-interval probe of the targets, backfill, query, alerts, rules), then quiet: {:?}",
        fake.requests()
    );

    // A day is too long to go blind: ten minutes at most, and the bar says so.
    let fake = FakePrometheus::start().await;
    fake.set_server(Some(Behaviour::Throttle(429, "86400".into())));
    let mut dash = Dash::start(layout(&[vec![stat("capped")]]), client(&fake.url(), None));
    dash.until("the wait to show", Duration::from_secs(3), |d| {
        unreachable_state(d).is_some()
    })
    .await;
    let (error, retry_in) = unreachable_state(&dash).unwrap();
    assert_eq!(retry_in, Duration::from_secs(600), "{error}");
    assert!(
        error.contains("asked to wait 1d") && error.contains("10m at most"),
        "{error}"
    );
}

/// `N` and `M` of "backing off: N of M queries failing".
fn failing_counts(error: &str) -> Option<(usize, usize)> {
    let rest = error.split("backing off: ").nth(1)?;
    let mut words = rest.split_whitespace();
    let failed = words.next()?.parse().ok()?;
    let of = words.nth(1)?.parse().ok()?;
    Some((failed, of))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn most_queries_failing_backs_off_and_recovers() {
    let fake = FakePrometheus::start().await;
    let exprs = ["busy_a", "busy_b", "busy_c", "busy_d", "busy_e"];
    for e in exprs {
        fake.set(e, Behaviour::ServerError(503));
    }
    let mut dash = Dash::start(
        layout(&[exprs.iter().map(|e| stat(e)).collect()]),
        client(&fake.url(), None),
    );
    dash.until("the backoff to show", Duration::from_secs(3), |d| {
        unreachable_state(d).is_some()
    })
    .await;
    let (error, _) = unreachable_state(&dash).unwrap();
    // The first cycle to finish: all of the first (five backfills, five queries, the
    // alerts and the rules, whose 404 is no failure of the server: 10 of 12), or a later
    // one that sent only what was no longer in flight (on a busy machine).
    let (failed, of) = failing_counts(&error).unwrap_or_else(|| panic!("{error}"));
    assert!(failed * 2 > of && of <= 12, "{error}");
    let bar = dash.screen().status_bar();
    assert!(bar.contains(&error), "{bar}");

    // 3 s at a 250 ms refresh is twelve cycles; backing off (0.5 s, 1 s, 2 s, with jitter)
    // leaves at most four.
    // Counted over those 3 s only: before them, a loaded machine may have let several
    // cycles through while the first verdict was on its way.
    let before = fake.instant_count("busy_a");
    dash.run_for(Duration::from_secs(3)).await;
    let cycles = fake.instant_count("busy_a") - before;
    // Not backing off would be twelve; a loaded machine's timers may let one more through.
    assert!(cycles <= 6, "busy_a was asked {cycles} times in 3 s");
    let waits: Vec<Duration> = dash
        .connections()
        .iter()
        .filter_map(|c| match c {
            Connection::Unreachable { retry_in, .. } => Some(*retry_in),
            _ => None,
        })
        .collect();
    assert!(
        waits.windows(2).all(|w| w[1] > w[0]),
        "the wait grows: {waits:?}"
    );

    for e in exprs {
        fake.set(e, Behaviour::Value(3.0));
    }
    dash.until("recovery", Duration::from_secs(6), |d| {
        d.app.connection() == Connection::Connected && exprs.iter().all(|e| d.value(e) == Some(3.0))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_server_is_not_connected() {
    let fake = FakePrometheus::start().await;
    fake.set("frozen_a", Behaviour::Value(1.0));
    fake.set("frozen_b", Behaviour::Value(2.0));
    let mut dash = Dash::start(
        layout(&[vec![stat("frozen_a"), stat("frozen_b")]]),
        client(&fake.url(), None),
    );
    dash.until("connected", Duration::from_secs(5), |d| {
        d.app.connection() == Connection::Connected && d.value("frozen_a") == Some(1.0)
    })
    .await;

    // SIGSTOP: the kernel still accepts connections, nothing answers.
    fake.set_server(Some(Behaviour::Hang));
    dash.until("not connected", Duration::from_secs(4), |d| {
        unreachable_state(d).is_some()
    })
    .await;
    let (error, _) = unreachable_state(&dash).unwrap();
    assert!(
        error.contains("not answering") && error.contains(&fake.url()),
        "{error}"
    );
    let bar = dash.screen().status_bar();
    assert!(!bar.contains("● connected"), "{bar}");
    assert!(bar.contains("not answering"), "{bar}");

    // SIGCONT.
    fake.set_server(None);
    dash.until("reconnected", Duration::from_secs(6), |d| {
        d.app.connection() == Connection::Connected
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_hung_from_the_start_is_never_connected() {
    let fake = FakePrometheus::start().await;
    fake.set_server(Some(Behaviour::Hang));
    let mut dash = Dash::start(layout(&[vec![stat("never")]]), client(&fake.url(), None));
    dash.run_for(TIMEOUT * 4).await;
    assert!(
        !dash.connections().contains(&&Connection::Connected),
        "{:?}",
        dash.connections()
    );
    assert!(
        unreachable_state(&dash).is_some(),
        "{:?}",
        dash.connections()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_series_is_cut_while_parsing_and_counted() {
    let fake = FakePrometheus::start().await;
    fake.set(
        "huge_metric",
        Behaviour::Rendered(fake_prometheus::instant_body(100_000)),
    );
    fake.set_range("huge_metric", Behaviour::Empty);
    let mut dash = Dash::start(
        layout(&[vec![panel("bar", "huge_metric")]]),
        client_with_timeout(&fake.url(), None, Duration::from_secs(5)),
    );
    dash.until("the answer", Duration::from_secs(8), |d| {
        d.answers("huge_metric").0 >= 1
    })
    .await;
    let longest = dash
        .log
        .iter()
        .filter_map(|e| match e {
            DataEvent::Instant { result: Ok(s), .. } => Some(s.len()),
            _ => None,
        })
        .max();
    assert!(
        longest.is_some_and(|n| n <= 5_001),
        "{longest:?} samples built to keep 500"
    );
    let query = dash.app.store().query(dash.id("huge_metric")).unwrap();
    assert_eq!(query.series.len(), spheroseg_top::store::MAX_SERIES);
    let screen = dash.screen();
    assert_shows(
        &screen,
        "huge_metric",
        &[
            "500 of 100,000 series",
            "showing 500 series; 99500 more not shown",
        ],
        &["ERROR"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_are_not_json_are_named() {
    let fake = FakePrometheus::start().await;
    fake.set("login_page", Behaviour::Html);
    fake.set("plain_text", Behaviour::Body("text/plain", "hello".into()));
    fake.set("fine", Behaviour::Value(1.0));
    let mut dash = Dash::start(
        layout(&[vec![stat("login_page"), stat("plain_text"), stat("fine")]]),
        client(&fake.url(), None),
    );
    dash.until("answers", Duration::from_secs(5), |d| {
        d.error("login_page").is_some()
            && d.error("plain_text").is_some()
            && d.value("fine") == Some(1.0)
    })
    .await;
    let screen = dash.screen();
    assert_shows(
        &screen,
        "login_page",
        &["got HTML, not JSON (a login page or proxy?)"],
        &["line 1 column"],
    );
    assert_shows(&screen, "plain_text", &["got text/plain, not JSON"], &[]);
    assert_shows(&screen, "fine", &["1.00"], TROUBLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_explained_not_followed_into_a_get() {
    let fake = FakePrometheus::start().await;
    let elsewhere = FakePrometheus::start().await;
    elsewhere.set("moved", Behaviour::Value(1.0));
    fake.redirect("/old", 302, &elsewhere.url());
    let url = format!("http://user:{PASSWORD}@127.0.0.1:{}/old", fake.port());
    let mut dash = Dash::start(layout(&[vec![stat("moved")]]), client(&url, Some(TOKEN)));
    dash.until("the answer", Duration::from_secs(5), |d| {
        d.answered("moved")
    })
    .await;
    let screen = dash.screen();
    assert_shows(
        &screen,
        "moved",
        &[&format!(
            "redirected to {} (302): use that URL as --prometheus",
            elsewhere.url()
        )],
        &[],
    );
    assert!(
        elsewhere.requests().is_empty(),
        "nothing, credentials least of all, went to the other server: {:?}",
        elsewhere.requests()
    );
    assert_no_secrets("screen", &screen.text());
    assert_events_keep_secrets(&dash);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_is_named_as_one() {
    // A same-origin loop said "redirected to <the URL in use>: use that URL".
    for (status, says) in [
        (307, "the server redirects in a loop: a 307 leads back to"),
        (308, "the server redirects in a loop: a 308 leads back to"),
        (302, "the server redirects to itself (302 to"),
    ] {
        let fake = FakePrometheus::start().await;
        fake.redirect("", status, "");
        let url = format!("http://user:{PASSWORD}@127.0.0.1:{}", fake.port());
        let error = client(&url, None).instant("up", 0.0).await.unwrap_err();
        let text = error.to_string();
        assert!(text.contains(says), "{text}");
        assert!(
            text.contains("configuration is wrong") && !text.contains("use that URL"),
            "{text}"
        );
        assert_no_secrets("error", &text);
    }
    // A chain longer than the client follows, without a loop.
    let fake = FakePrometheus::start().await;
    for (from, to) in [
        ("/api", "/a/api"),
        ("/a/", "/b/"),
        ("/b/", "/c/"),
        ("/c/", "/d/"),
        ("/d/", "/e/"),
        ("/e/", "/f/"),
        ("/f/", "/g/"),
    ] {
        fake.redirect(from, 307, &format!("{}{to}", fake.url()));
    }
    let text = client(&fake.url(), None)
        .instant("up", 0.0)
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("redirected more than 5 times"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_same_origin_307_keeps_the_post() {
    let fake = FakePrometheus::start().await;
    fake.set("kept", Behaviour::Value(7.0));
    fake.redirect("/old", 307, "");
    let url = format!("{}/old", fake.url());
    let mut dash = Dash::start(layout(&[vec![stat("kept")]]), client(&url, Some(TOKEN)));
    dash.until("the value", Duration::from_secs(5), |d| {
        d.value("kept") == Some(7.0)
    })
    .await;
    let followed: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/query")
        .collect();
    assert!(!followed.is_empty());
    assert!(
        followed
            .iter()
            .all(|r| r.method == "POST" && r.expr.as_deref() == Some("kept")),
        "{followed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_origin_307_is_not_followed_with_credentials() {
    let fake = FakePrometheus::start().await;
    let elsewhere = FakePrometheus::start().await;
    fake.redirect(
        "",
        307,
        &format!("http://user:{PASSWORD}@127.0.0.1:{}", elsewhere.port()),
    );
    let url = format!("http://user:{PASSWORD}@127.0.0.1:{}", fake.port());
    let mut dash = Dash::start(layout(&[vec![stat("away")]]), client(&url, None));
    dash.until("the answer", Duration::from_secs(5), |d| d.answered("away"))
        .await;
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    let screen = dash.screen();
    assert_shows(&screen, "away", &["redirected to", "(307)"], &[]);
    assert_no_secrets("screen", &screen.text());
    assert_events_keep_secrets(&dash);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_content_messages_keep_secrets() {
    let fake = FakePrometheus::start().await;
    fake.set("secret_html", Behaviour::Html);
    let url = format!("http://user:{PASSWORD}@127.0.0.1:{}", fake.port());
    let mut dash = Dash::start(
        layout(&[vec![stat("secret_html")]]),
        client(&url, Some(TOKEN)),
    );
    dash.until("the answer", Duration::from_secs(5), |d| {
        d.answered("secret_html")
    })
    .await;
    fake.set_server(Some(Behaviour::Throttle(429, "30".into())));
    dash.until("the wait", Duration::from_secs(3), |d| {
        unreachable_state(d).is_some()
    })
    .await;
    let screen = dash.screen();
    assert_no_secrets("screen", &screen.text());
    assert_events_keep_secrets(&dash);
}

#[test]
fn a_bearer_token_must_be_usable() {
    for token in ["", "   ", "t0ken\n", "t0k\u{1}en", "t0ken\r\nX-Evil: 1"] {
        let err = PromClient::new(
            "http://127.0.0.1:9090",
            ClientOptions {
                timeout: TIMEOUT,
                bearer_token: Some(token.to_string()),
                ..ClientOptions::default()
            },
        )
        .expect_err(&format!("{token:?} is no token"))
        .to_string();
        assert!(
            err.contains("bearer token") && !err.contains("t0k"),
            "{err}"
        );
    }
}
