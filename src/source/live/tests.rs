//! The connection state machine: answers, failures, throttling and timeouts.

use super::link::{Hold, MAX_BACKOFF, MAX_SERVER_WAIT};
use super::*;
use crate::prom::PromError;

const URL: &str = "http://127.0.0.1:9090";

fn instant(result: Result<Vec<crate::prom::Sample>, PromError>) -> Outcome {
    Outcome::Event {
        job: Some(Job::Instant(0)),
        event: DataEvent::Instant {
            id: 0,
            at: 0.0,
            result,
            latency: Duration::ZERO,
        },
        omitted: 0,
        warnings: Vec::new(),
        sent: tokio::time::Instant::now(),
    }
}

fn http(status: u16) -> Outcome {
    instant(Err(PromError::Http {
        status,
        message: String::new(),
    }))
}

/// Runs one cycle of `outcomes`; returns the last change of state.
fn cycle(link: &mut Link, number: u64, outcomes: &[Outcome]) -> Option<Connection> {
    link.begin_cycle(number, outcomes.len());
    outcomes
        .iter()
        .filter_map(|o| link.observe(o, Some(number)))
        .last()
}

#[tokio::test(start_paused = true)]
async fn connected_means_answered_recently() {
    let timeout = Duration::from_secs(10);
    let mut link = Link::new(Duration::from_secs(1), URL, false);
    assert_eq!(
        cycle(&mut link, 1, &[instant(Ok(vec![]))]),
        Some(Connection::Connected)
    );
    tokio::time::advance(Duration::from_secs(11)).await;
    assert_eq!(
        link.check_silence(timeout),
        None,
        "a slow query may still answer"
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    let Some(Connection::Unreachable { error, .. }) = link.check_silence(timeout) else {
        panic!("13 s without an answer is not connected");
    };
    assert!(
        error.contains("not answering") && error.contains("13s"),
        "{error}"
    );
    assert_eq!(link.pace, Pace::Probing);
}

#[test]
fn a_cycle_of_timeouts_is_not_connected() {
    let mut link = Link::new(Duration::from_secs(2), URL, false);
    let timeout = || instant(Err(PromError::Timeout(Duration::from_secs(10))));
    let change = cycle(&mut link, 1, &[timeout(), timeout()]);
    let error = format!("not answering: {URL} (every request timed out)");
    let retry_in = Duration::from_secs(1);
    assert_eq!(change, Some(Connection::Unreachable { error, retry_in }));
    assert_eq!(link.pace, Pace::Probing);
}

#[test]
fn most_of_a_cycle_failing_waits_longer_each_time() {
    let mut link = Link::new(Duration::from_secs(2), URL, false);
    for (number, seconds) in [4.0, 8.0, 16.0, 30.0, 30.0].into_iter().enumerate() {
        link.pace = Pace::Polling;
        let change = cycle(&mut link, number as u64, &[http(503), http(502), http(404)]);
        let Some(Connection::Unreachable { error, retry_in }) = change else {
            panic!("{change:?}")
        };
        assert_eq!(error, "backing off: 2 of 3 queries failing");
        let jittered = retry_in.as_secs_f64() / seconds;
        assert!(
            (1.0..=1.25).contains(&jittered),
            "{retry_in:?} for {seconds}s"
        );
    }
    // A healthy cycle after the wait: connected, and the backoff starts over.
    link.pace = Pace::Polling;
    let healthy = [instant(Ok(vec![])), http(503), http(404)];
    assert_eq!(cycle(&mut link, 9, &healthy), Some(Connection::Connected));
    assert_eq!(link.failing_backoff, Duration::ZERO);
}

/// Under load, cycles overlap: a later one that sent only the alerts and the rules (the
/// failing queries being still in flight) may finish first. Its verdict waits for the
/// earlier one's, which stops the polling: it must not reset the backoff before that.
#[test]
fn a_later_cycle_finishing_first_does_not_reset_the_backoff() {
    let mut link = Link::new(Duration::from_secs(2), URL, false);
    for number in [1, 3] {
        link.pace = Pace::Polling;
        link.begin_cycle(number, 3);
        link.begin_cycle(number + 1, 1);
        link.observe(&instant(Ok(vec![])), Some(number + 1));
        for failed in [http(503), http(502)] {
            link.observe(&failed, Some(number));
        }
        assert!(link.observe(&http(404), Some(number)).is_some());
        assert_eq!(link.pace, Pace::Waiting);
    }
    assert_eq!(
        link.failing_backoff,
        Duration::from_secs(8),
        "4 s, then 8 s"
    );
}

#[test]
fn retry_after_is_honoured_up_to_ten_minutes() {
    let throttled = |seconds| {
        let retry_after = Duration::from_secs(seconds);
        instant(Err(PromError::Throttled {
            status: 429,
            retry_after,
        }))
    };
    let waiting = |error: &str, seconds| {
        let retry_in = Duration::from_secs(seconds);
        Some(Connection::Unreachable {
            error: error.into(),
            retry_in,
        })
    };
    let mut link = Link::new(Duration::from_secs(2), URL, false);
    let change = link.observe(&throttled(120), None);
    assert_eq!(change, waiting("server asked to wait 2m (HTTP 429)", 120));
    assert_eq!(link.held(), Some(Hold::Quiet), "nothing more goes out");
    assert_eq!(link.observe(&throttled(120), None), None, "said once");
    let late = link.observe(&instant(Ok(vec![])), None);
    assert_eq!(late, None, "the wait goes on");

    let mut link = Link::new(Duration::from_secs(2), URL, false);
    let change = link.observe(&throttled(86_400), None);
    let capped = "server asked to wait 1d (HTTP 429); 10m at most";
    assert_eq!(change, waiting(capped, MAX_SERVER_WAIT.as_secs()));
}

fn timed_out(after: Duration) -> Outcome {
    instant(Err(PromError::Timeout(after)))
}

#[tokio::test(start_paused = true)]
async fn a_timeout_with_nothing_answered_meanwhile_is_not_answering_at_once() {
    let timeout = Duration::from_secs(10);
    let mut link = Link::new(Duration::from_secs(1), URL, false);
    assert_eq!(
        link.observe(&instant(Ok(vec![])), None),
        Some(Connection::Connected)
    );
    tokio::time::advance(Duration::from_secs(4)).await;
    assert_eq!(
        link.observe(&instant(Ok(vec![])), None),
        None,
        "answered 6 s before the timeout"
    );
    tokio::time::advance(Duration::from_secs(6)).await;
    assert_eq!(
        link.observe(&timed_out(timeout), None),
        None,
        "another request answered while this one waited"
    );
    tokio::time::advance(Duration::from_secs(4)).await;
    let Some(Connection::Unreachable { error, .. }) = link.observe(&timed_out(timeout), None)
    else {
        panic!("10 s of waiting with no answer at all is not connected");
    };
    assert_eq!(error, format!("not answering: {URL} (timed out after 10s)"));
    assert!(link.held().is_some(), "nothing more goes out");
}

/// While a refusal holds the rest of its refresh back, the silence is the poller's own:
/// a request timing out then does not make a server that answered "not answering" (seen
/// under load: every panel said so while the server answered in milliseconds).
#[tokio::test(start_paused = true)]
async fn a_timeout_while_the_poller_holds_back_is_not_the_server_s_silence() {
    let timeout = Duration::from_millis(500);
    let mut link = Link::new(Duration::from_millis(250), URL, false);
    link.begin_cycle(1, 3);
    assert_eq!(link.observe(&instant(Err(refused(401))), Some(1)), None);
    assert!(link.pausing());
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(link.observe(&timed_out(timeout), Some(1)), None);
    // The held request ends the refresh: a minority refused, one timed out, none lost.
    let held = Outcome::Held {
        job: Job::Instant(2),
        at: 0.0,
        said: None,
    };
    assert_eq!(link.observe(&held, Some(1)), None);
    assert!(!link.pausing() && link.held().is_none());
}

#[test]
fn questions_about_the_server_that_time_out_are_no_answer() {
    let timeout = Duration::from_secs(10);
    let mut link = Link::new(Duration::from_secs(1), URL, false);
    let change = cycle(&mut link, 1, &[timed_out(timeout), timed_out(timeout)]);
    assert!(matches!(change, Some(Connection::Unreachable { .. })));
    let failed = |event| Outcome::Event {
        job: None,
        event,
        omitted: 0,
        warnings: Vec::new(),
        sent: tokio::time::Instant::now(),
    };
    let targets = failed(DataEvent::Server {
        at: 0.0,
        request: crate::event::ServerRequest::Targets,
        result: Err(PromError::Timeout(timeout)),
    });
    assert_eq!(link.observe(&targets, None), None, "still not answering");
    let options = failed(DataEvent::VariableOptions {
        name: "job".into(),
        result: Err(PromError::Timeout(timeout)),
    });
    assert_eq!(link.observe(&options, None), None, "still not answering");
    assert!(link.held().is_some());
    let answered = failed(DataEvent::Server {
        at: 0.0,
        request: crate::event::ServerRequest::Targets,
        result: Ok(crate::event::ServerData::Targets(Vec::new())),
    });
    assert_eq!(link.observe(&answered, None), Some(Connection::Connected));
    assert_eq!(link.held(), None);
}

#[tokio::test(start_paused = true)]
async fn an_answer_to_a_question_asked_before_the_silence_is_late_not_news() {
    let timeout = Duration::from_secs(10);
    let mut link = Link::new(Duration::from_secs(1), URL, false);
    // The server facts: the first request answers, then the server stops; the others
    // time out, and the facts arrive, as far as they go, after the verdict.
    let asked = tokio::time::Instant::now();
    tokio::time::advance(timeout).await;
    assert!(link.observe(&timed_out(timeout), None).is_some());
    let facts = Outcome::Event {
        job: None,
        event: DataEvent::Instant {
            id: 0,
            at: 0.0,
            result: Ok(vec![]),
            latency: Duration::ZERO,
        },
        omitted: 0,
        warnings: Vec::new(),
        sent: asked,
    };
    assert_eq!(link.observe(&facts, None), None);
    assert_eq!(
        link.observe(&instant(Ok(vec![])), None),
        Some(Connection::Connected),
        "an answer to a question asked since is"
    );
}

fn refused(status: u16) -> PromError {
    PromError::Http {
        status,
        message: "credentials refused: basic auth as ops (wrong user or password?)".into(),
    }
}

#[test]
fn refused_credentials_are_asked_again_with_a_growing_wait_never_connected() {
    let mut link = Link::new(Duration::from_secs(1), URL, false);
    let said = "credentials refused: basic auth as ops (wrong user or password?) (HTTP 401)";
    let refusal = || instant(Err(refused(401)));
    assert_eq!(link.observe(&refusal(), None), None, "an answer, not data");
    let change = cycle(&mut link, 1, &[refusal(), refusal(), http(404)]);
    assert_eq!(
        change,
        Some(Connection::Unreachable {
            error: said.into(),
            retry_in: Duration::from_secs(1)
        })
    );
    assert!(link.refusing() && link.pace == Pace::Probing);
    assert_eq!(link.held(), Some(Hold::Said(refused(401))));
    let held = Outcome::Held {
        job: Job::Instant(1),
        at: 0.0,
        said: None,
    };
    assert_eq!(link.observe(&held, Some(1)), None, "held back is no answer");
    for seconds in [2, 4, 8, 16, 30, 30] {
        let change = link.observe(&Outcome::Probe(Err(refused(401))), None);
        let Some(Connection::Unreachable { error, retry_in }) = change else {
            panic!("{change:?}")
        };
        assert_eq!(
            (error.as_str(), retry_in),
            (said, Duration::from_secs(seconds))
        );
    }
    // A probe let in while the queries are not: the wait goes on growing.
    assert_eq!(
        link.observe(&Outcome::Probe(Ok(())), None),
        Some(Connection::Connected)
    );
    let change = cycle(&mut link, 2, &[refusal(), refusal()]);
    assert!(
        matches!(change, Some(Connection::Unreachable { retry_in, .. }) if retry_in == MAX_BACKOFF),
        "{change:?}"
    );
    // The credentials get in: connected, and the next refusal starts over at 1 s.
    assert_eq!(
        link.observe(&Outcome::Probe(Ok(())), None),
        Some(Connection::Connected)
    );
    assert_eq!(cycle(&mut link, 3, &[instant(Ok(vec![]))]), None);
    let change = cycle(&mut link, 4, &[refusal()]);
    assert!(
        matches!(change, Some(Connection::Unreachable { retry_in, .. }) if retry_in == Duration::from_secs(1)),
        "{change:?}"
    );
}

#[test]
fn a_few_forbidden_queries_are_their_panels_business() {
    let mut link = Link::new(Duration::from_secs(1), URL, false);
    // Before any refresh got in, a refusal holds the rest of its refresh back until the
    // verdict; once one did, a refusal is one panel's.
    link.begin_cycle(1, 3);
    assert_eq!(link.observe(&instant(Err(refused(403))), Some(1)), None);
    assert!(link.pausing());
    assert_eq!(link.held(), Some(Hold::Quiet));
    let held = Outcome::Held {
        job: Job::Instant(2),
        at: 0.0,
        said: None,
    };
    assert_eq!(link.observe(&held, Some(1)), None);
    let change = link.observe(&instant(Ok(vec![])), Some(1));
    assert_eq!(change, Some(Connection::Connected));
    assert!(!link.pausing() && link.held().is_none());
    let forbidden = || instant(Err(refused(403)));
    let change = cycle(
        &mut link,
        2,
        &[forbidden(), instant(Ok(vec![])), instant(Ok(vec![]))],
    );
    assert_eq!(change, None);
    assert!(!link.refusing() && !link.pausing() && link.pace == Pace::Polling);
    let change = cycle(
        &mut link,
        3,
        &[forbidden(), forbidden(), instant(Ok(vec![]))],
    );
    let Some(Connection::Unreachable { error, .. }) = change else {
        panic!("most of a refresh forbidden: {change:?}")
    };
    assert!(error.ends_with("(HTTP 403)") && link.refusing(), "{error}");
}

#[test]
fn a_refresh_held_back_whole_says_nothing() {
    let mut link = Link::new(Duration::from_secs(1), URL, false);
    link.begin_cycle(1, 2);
    assert_eq!(link.observe(&instant(Err(refused(401))), Some(1)), None);
    link.begin_cycle(2, 2);
    let held = |id| Outcome::Held {
        job: Job::Instant(id),
        at: 0.0,
        said: None,
    };
    assert_eq!(link.observe(&held(0), Some(2)), None);
    assert_eq!(
        link.observe(&held(1), Some(2)),
        None,
        "no 'every request timed out'"
    );
    assert!(
        link.pausing(),
        "the first refresh's verdict is still to come"
    );
}

#[test]
fn beats_of_one_period_fall_due_together_never_too_soon() {
    let period = Duration::from_secs(1);
    let now = Instant::now();
    let first = super::beat_after(period, now);
    let gap = first.duration_since(now);
    assert!(gap >= period / 2 && gap <= period * 3 / 2, "{gap:?}");
    // Asked later within the same beat, or by another timer: the same instant.
    let later = now + Duration::from_millis(300);
    let again = super::beat_after(period, later);
    assert!(
        again == first || again == first + period,
        "{:?}",
        again.duration_since(first)
    );
    // Beats of two periods line up where they meet: a 5 s refresh falls on a 1 s tick.
    let five = super::beat_after(Duration::from_secs(5), now);
    let ticks = super::beat_after(period, five - Duration::from_secs(1));
    assert_eq!(ticks, five);
}
