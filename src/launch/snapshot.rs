//! `spheroseg-top snapshot`: every query of the layout asked once (at most `--concurrency`
//! at a time) with Prometheus' alerts, the answers fed to the same [`App`] the dashboard
//! runs, and the result judged by [`Snapshot`]. Template variables get their options first,
//! as the dashboard asks them (in chain order, each with the choice before it), within
//! `--query-timeout`; then whatever has not answered by `--query-timeout` (plus a little)
//! counts as timed out, so the run ends within a second of it. Empty queries are explained
//! as on screen: the app's questions about the server are answered within the same
//! deadline.

use super::backends::Backend;
use super::connect;
use super::{Config, InvalidInput};
use crate::app::{App, Msg, SourceInfo};
use crate::cli::{Options, SnapshotArgs};
use crate::clock::unix_now;
use crate::config::Layout;
use crate::config::colour_depth::ColourDepth;
use crate::event::{DataEvent, ServerRequest, SourceCommand};
use crate::prom::{PromClient, PromError};
use crate::report::snapshot::Snapshot;
use crate::source::live::server_event;
use crate::source::live::variables::options_event;
use crate::variables::OptionsQuery;
use futures::StreamExt;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::time::Instant;

/// Slack past `--query-timeout` for answers already on their way.
const GRACE: Duration = Duration::from_millis(200);

/// Prints the snapshot in the asked format and returns its exit code.
pub async fn run(
    options: &Options,
    backends: &[Backend],
    config: Config,
    args: &SnapshotArgs,
) -> anyhow::Result<u8> {
    let tabs = match &args.tab {
        Some(name) => vec![tab_index(&config.layout, name)?],
        None => Vec::new(),
    };
    let (reached, label) = reach(backends).await?;
    let source = SourceInfo {
        label,
        refresh: options.refresh.unwrap_or(Duration::from_secs(5)),
        note: None,
    };
    let theme = config.theme.for_depth(ColourDepth::from_environment());
    // --var as the dashboard takes it; the others' options are asked as it asks them.
    let chosen = crate::app::variables::choices(&config.layout, &options.vars)
        .map_err(|e| InvalidInput(e.to_string()))?;
    let names = super::backends::names(backends);
    let mut app = App::new(config.layout, config.theme, source)
        .with_rules(&config.rules)
        .with_variables(chosen, options.scrape_interval)
        .with_backends(names);
    let (first, _) = &reached[0];
    let deadline = Instant::now() + options.query_timeout + GRACE;
    choose_variables(&mut app, first, options, deadline).await;
    let deadline = Instant::now() + options.query_timeout + GRACE;
    // Every backend at once: one that hangs costs the others nothing.
    let polls = reached.iter().map(|(client, alertmanager)| {
        poll_once(&app, client, alertmanager.as_ref(), options, deadline)
    });
    let answers = futures::future::join_all(polls).await;
    for (backend, events) in answers.into_iter().enumerate() {
        for event in events {
            let event = match backend {
                0 => event,
                _ => DataEvent::Backend {
                    backend,
                    event: Box::new(event),
                },
            };
            app.update(Msg::Data(event));
        }
    }
    let evaluated = app.now();
    explain_empty(&mut app, first, options, deadline).await;
    // Judged as of the evaluation: the explanations' answers, later, move the app's clock
    // on, and a slow server's rows then read STALE though nothing is older than that.
    app.update(Msg::Tick(evaluated));
    let snapshot = Snapshot::of(&app, &tabs);
    let text = match args.format.as_str() {
        "json" => snapshot.to_json(),
        "nagios" => snapshot.to_nagios(),
        _ => {
            let colour = std::io::stdout().is_terminal();
            snapshot.to_text(colour.then_some(&theme))
        }
    };
    print!("{text}");
    Ok(snapshot.exit_code)
}

/// Each backend's Prometheus (an HA group's first that answers) and Alertmanager; what
/// the connection has to say is said on stderr.
async fn reach(backends: &[Backend]) -> Result<(Vec<Reached>, String), InvalidInput> {
    let connected = connect::each(backends)?;
    connected
        .notes
        .iter()
        .for_each(|note| eprintln!("warning: {}", note.full));
    let mut reached = Vec::new();
    for backend in connected.servers {
        reached.push((
            backend.servers.first_answering().await,
            backend.alertmanager,
        ));
    }
    Ok((reached, connected.label))
}

/// A backend's Prometheus and Alertmanager.
type Reached = (PromClient, Option<PromClient>);

/// The tab named `name` (its title in any case, or its number from 1).
pub(super) fn tab_index(layout: &Layout, name: &str) -> Result<usize, InvalidInput> {
    let by_number = name
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=layout.tabs.len()).contains(n))
        .map(|n| n - 1);
    by_number
        .or_else(|| {
            layout
                .tabs
                .iter()
                .position(|t| t.title.eq_ignore_ascii_case(name.trim()))
        })
        .ok_or_else(|| {
            let titles: Vec<&str> = layout.tabs.iter().map(|t| t.title.as_str()).collect();
            InvalidInput(format!(
                "--tab: no tab \"{name}\"; the layout has {}",
                titles.join(", ")
            ))
        })
}

/// Fetches the template variables' options the app asks for, round after round (a
/// variable's options are asked once those it uses have a value), until it asks nothing
/// more or `deadline` passes (the options not in by then have timed out). The choice is
/// echoed as the poller echoes it, so the answers to the queries it expands are taken.
async fn choose_variables(
    app: &mut App,
    client: &PromClient,
    options: &Options,
    deadline: Instant,
) {
    loop {
        let asks = options_asked(app);
        if asks.is_empty() {
            return;
        }
        let answers = futures::stream::iter(
            asks.iter()
                .map(|(name, query)| options_event(client, name.clone(), query)),
        )
        .buffer_unordered(options.concurrency.max(1));
        let mut answers = std::pin::pin!(answers);
        let mut open: Vec<&String> = asks.iter().map(|(name, _)| name).collect();
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, answers.next()).await {
            if let DataEvent::VariableOptions { name, .. } = &event {
                open.retain(|n| *n != name);
            }
            app.update(Msg::Data(event));
        }
        if !open.is_empty() {
            for name in open {
                let result = Err(PromError::Timeout(options.query_timeout));
                let name = name.clone();
                app.update(Msg::Data(DataEvent::VariableOptions { name, result }));
            }
            options_asked(app);
            return;
        }
    }
}

/// The options the app asks for; its new choices echoed back to it.
fn options_asked(app: &mut App) -> Vec<(String, OptionsQuery)> {
    let mut asks = Vec::new();
    for command in app.take_commands() {
        match command {
            SourceCommand::VariableOptions { name, query } => asks.push((name, query)),
            SourceCommand::Expand { selections, .. } => {
                app.update(Msg::Data(DataEvent::Variables(selections)));
            }
            _ => {}
        }
    }
    asks
}

/// Answers what the app asks to explain its empty queries (targets, series, label
/// values), round after round as it narrows the reason down, until it asks nothing more
/// or `deadline` passes. Its other questions (facts, annotations) a snapshot does not show.
pub(super) async fn explain_empty(
    app: &mut App,
    client: &PromClient,
    options: &Options,
    deadline: Instant,
) {
    loop {
        let asks: Vec<ServerRequest> = app
            .take_commands()
            .into_iter()
            .filter_map(|command| match command {
                SourceCommand::Server(
                    request @ (ServerRequest::Targets
                    | ServerRequest::Series { .. }
                    | ServerRequest::LabelValues { .. }),
                ) => Some(request),
                _ => None,
            })
            .collect();
        if asks.is_empty() {
            return;
        }
        let answers = futures::stream::iter(asks.into_iter().map(|r| server_event(client, r)))
            .buffer_unordered(options.concurrency.max(1));
        let mut answers = std::pin::pin!(answers);
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, answers.next()).await {
            app.update(Msg::Data(event));
        }
        if Instant::now() >= deadline {
            return;
        }
    }
}

/// One answer per query, then the alerts (and Alertmanager's groups, to leave silenced
/// alerts out), as data events stamped with one evaluation time.
async fn poll_once(
    app: &App,
    client: &PromClient,
    alertmanager: Option<&PromClient>,
    options: &Options,
    deadline: Instant,
) -> Vec<DataEvent> {
    let at = unix_now();
    // As the poller sends them: variables and built-ins written out.
    let queries = &app.polled_queries();
    let asks = futures::stream::iter(queries.iter().enumerate().map(|(id, query)| async move {
        let started = Instant::now();
        (id, client.instant(&query.expr, at).await, started.elapsed())
    }))
    .buffer_unordered(options.concurrency.max(1));
    let instants = async {
        let mut answered: Vec<Option<_>> = (0..queries.len()).map(|_| None).collect();
        let mut asks = std::pin::pin!(asks);
        while let Ok(Some((id, result, latency))) =
            tokio::time::timeout_at(deadline, asks.next()).await
        {
            answered[id] = Some((result, latency));
        }
        answered
    };
    let late = || PromError::Timeout(options.query_timeout);
    let alerts = async {
        tokio::time::timeout_at(deadline, client.alerts())
            .await
            .unwrap_or_else(|_| Err(late()))
    };
    let silences = async {
        match alertmanager {
            Some(am) => Some(
                tokio::time::timeout_at(deadline, am.alertmanager())
                    .await
                    .unwrap_or_else(|_| Err(late())),
            ),
            None => None,
        }
    };
    let (answered, alerts, silences) = tokio::join!(instants, alerts, silences);

    let mut events = vec![DataEvent::Clock(at)];
    for (id, answer) in answered.into_iter().enumerate() {
        let (result, latency) = answer.unwrap_or_else(|| (Err(late()), options.query_timeout));
        let result = result.map(|answer| {
            if answer.omitted > 0 {
                events.push(DataEvent::SeriesOmitted {
                    id,
                    at,
                    count: answer.omitted,
                });
            }
            if !answer.warnings.is_empty() {
                events.push(DataEvent::Warnings {
                    id,
                    at,
                    warnings: answer.warnings,
                });
            }
            answer.samples
        });
        events.push(DataEvent::Instant {
            id,
            at,
            result,
            latency,
        });
    }
    if let Some(result) = silences {
        events.push(DataEvent::Alertmanager { at, result });
    }
    events.push(DataEvent::Alerts { at, result: alerts });
    events
}
