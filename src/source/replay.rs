//! A recording played back as a data source: the same events the live session ingested,
//! sent on the same channel at the recorded pace (times a speed), answering the same
//! commands as the live poller. The app cannot tell it from Prometheus, except that it can
//! travel in time.

use crate::alerts::board::AlertBoard;
use crate::alerts::timeline::AlertTimeline;
use crate::config::layout::QueryDef;
use crate::event::{DataEvent, RangeRequest, SourceCommand};
use crate::event::{ReplayIndex, ReplayStatus};
use crate::model::Labels;
use crate::prom::{PromError, Series};
use crate::session::{Entries, Entry, Recording};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How often the replay clock advances and sends what came due.
const FRAME: Duration = Duration::from_millis(50);
/// How often the timeline hears where the replay is.
const STATUS_EVERY: Duration = Duration::from_millis(250);

pub struct ReplayOptions {
    pub speed: f64,
    /// Where to start (Unix seconds); `None`: the beginning.
    pub start_at: Option<f64>,
    pub paused: bool,
    /// What the app polls (the layout's queries and the rules'), to answer range
    /// queries from the recorded answers.
    pub queries: Vec<QueryDef>,
}

/// Starts playing; stops when the event receiver is dropped.
pub fn spawn(
    recording: Arc<Recording>,
    options: ReplayOptions,
    events: mpsc::Sender<DataEvent>,
) -> mpsc::Sender<SourceCommand> {
    let (commands, command_rx) = mpsc::channel(64);
    let (start, end) = recording.span().unwrap_or((0.0, 0.0));
    // Seeking replays enough history for every panel's window.
    let lookback = options
        .queries
        .iter()
        .filter_map(|q| q.history)
        .max()
        .unwrap_or_default()
        .as_secs_f64()
        + recording.header().refresh.as_secs_f64() * 2.0;
    let player = Player {
        recording,
        events,
        queries: options.queries,
        start,
        end,
        position: options.start_at.unwrap_or(start).clamp(start, end),
        speed: options.speed.max(0.1),
        playing: !options.paused,
        lookback,
    };
    tokio::spawn(player.run(command_rx));
    commands
}

struct Player {
    recording: Arc<Recording>,
    events: mpsc::Sender<DataEvent>,
    queries: Vec<QueryDef>,
    start: f64,
    end: f64,
    position: f64,
    speed: f64,
    playing: bool,
    lookback: f64,
}

/// The replay clock between frames: when the last frame and the last status were, and
/// whether the end was just reached (said at once). A paused replay reports its status
/// when a command changes it, not on a timer: an idle replay must not redraw the screen
/// four times a second.
struct Clock {
    last: Instant,
    last_status: Instant,
    reached_end: bool,
}

impl Player {
    async fn run(mut self, mut commands: mpsc::Receiver<SourceCommand>) {
        let recording = self.recording.clone();
        {
            let recording = recording.clone();
            let events = self.events.clone();
            tokio::spawn(async move {
                if let Ok(index) = tokio::task::spawn_blocking(move || index(&recording)).await {
                    let _ = events.send(DataEvent::ReplayIndex(index)).await;
                }
            });
        }
        let mut entries = recording.entries_from(self.start).peekable();
        if self.position > self.start
            && self
                .seek_into(&mut entries, &recording, self.position)
                .await
                .is_err()
        {
            return;
        }
        let mut ticker = tokio::time::interval(FRAME);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut clock = Clock {
            last: Instant::now(),
            last_status: Instant::now() - STATUS_EVERY,
            reached_end: false,
        };
        loop {
            // Err: the app is gone; the replay stops.
            let heard = tokio::select! {
                _ = ticker.tick() => self.on_tick(&mut clock, &mut entries).await,
                command = commands.recv() => match command {
                    Some(command) => {
                        self.on_command(command, &mut clock, &mut entries, &recording).await
                    }
                    None => Err(()),
                },
            };
            if heard.is_err() {
                return;
            }
        }
    }

    /// A frame: the position moves on (stopping at the end), what came due is sent, and
    /// while playing the status every [`STATUS_EVERY`].
    async fn on_tick(
        &mut self,
        clock: &mut Clock,
        entries: &mut std::iter::Peekable<Entries<'_>>,
    ) -> Result<(), ()> {
        let now = Instant::now();
        if self.playing {
            self.position += (now - clock.last).as_secs_f64() * self.speed;
            if self.position >= self.end {
                self.position = self.end;
                self.playing = false;
                clock.reached_end = true;
            }
        }
        clock.last = now;
        self.emit_until(entries, self.position).await?;
        if (self.playing && now - clock.last_status >= STATUS_EVERY)
            || std::mem::take(&mut clock.reached_end)
        {
            clock.last_status = now;
            self.send_status().await?;
        }
        Ok(())
    }

    /// What the app asks of the source: the replay's controls, and range queries.
    async fn on_command<'a>(
        &mut self,
        command: SourceCommand,
        clock: &mut Clock,
        entries: &mut std::iter::Peekable<Entries<'a>>,
        recording: &'a Arc<Recording>,
    ) -> Result<(), ()> {
        match command {
            SourceCommand::SetPaused(paused) => {
                self.playing = !paused && self.position < self.end;
                clock.last = Instant::now();
                self.send_status().await
            }
            SourceCommand::SetSpeed(speed) => {
                self.speed = speed.max(0.1);
                self.send_status().await
            }
            SourceCommand::Seek(at) => {
                self.playing = self.playing && at < self.end;
                self.seek_into(entries, recording, at).await
            }
            SourceCommand::Step(direction) => {
                self.playing = false;
                let refresh = recording.header().refresh.as_secs_f64().max(0.001);
                let at = self.position + f64::from(direction) * refresh;
                if direction > 0 {
                    self.position = at.min(self.end);
                    self.emit_until(entries, self.position).await?;
                    self.send_status().await
                } else {
                    self.seek_into(entries, recording, at).await
                }
            }
            // The server's answers were recorded as they came.
            SourceCommand::Server(_) => Ok(()),
            SourceCommand::Range(request) => {
                self.answer_range(recording.clone(), request);
                Ok(())
            }
            // The recorded answers are of the recorded choice; it is shown, not changed.
            SourceCommand::RefreshNow
            | SourceCommand::VariableOptions { .. }
            | SourceCommand::Watch(_) => Ok(()),
            // The recorded choice moved: ranges come from answers to the new text.
            SourceCommand::Expand { queries, .. } => {
                for (id, expr) in queries {
                    if let Some(query) = self.queries.get_mut(id) {
                        query.expr = expr;
                    }
                }
                Ok(())
            }
        }
    }

    /// Answers a range query from the recording. Reading hours of recording can take a
    /// moment: off the clock's task.
    fn answer_range(&self, recording: Arc<Recording>, request: RangeRequest) {
        let queries = self.queries.clone();
        let events = self.events.clone();
        // Side by side, each backend's range from its own recorded answers.
        let backends = recording.header().backends.len().max(1);
        tokio::spawn(async move {
            for backend in 0..backends {
                let started = std::time::Instant::now();
                let answer = {
                    let (recording, queries, request) =
                        (recording.clone(), queries.clone(), request.clone());
                    tokio::task::spawn_blocking(move || {
                        answer(&recording, &queries, &request, backend)
                    })
                    .await
                };
                let result = answer.unwrap_or_else(|e| Err(PromError::Decode(e.to_string())));
                let event = DataEvent::RangeAnswer {
                    request: request.clone(),
                    result,
                    latency: started.elapsed(),
                };
                let event = match backend {
                    0 => event,
                    backend => DataEvent::Backend {
                        backend,
                        event: Box::new(event),
                    },
                };
                if events.send(event).await.is_err() {
                    break;
                }
            }
        });
    }

    async fn send(&self, event: DataEvent) -> Result<(), ()> {
        self.events.send(event).await.map_err(|_| ())
    }

    async fn send_status(&self) -> Result<(), ()> {
        self.send(DataEvent::ReplayStatus(ReplayStatus {
            start: self.start,
            end: self.end,
            position: self.position,
            speed: self.speed,
            playing: self.playing,
        }))
        .await
    }

    /// Sends every entry recorded at or before `until`.
    async fn emit_until(
        &self,
        entries: &mut std::iter::Peekable<Entries<'_>>,
        until: f64,
    ) -> Result<(), ()> {
        while let Some(entry) = entries.next_if(|e| e.time() <= until) {
            if let Entry::Event { event, .. } = entry {
                self.send(event).await?;
            }
        }
        Ok(())
    }

    /// Jumps to `at`: the app forgets everything, then gets the history its panels show.
    async fn seek_into<'a>(
        &mut self,
        entries: &mut std::iter::Peekable<Entries<'a>>,
        recording: &'a Recording,
        at: f64,
    ) -> Result<(), ()> {
        self.position = at.clamp(self.start, self.end);
        self.send(DataEvent::Reset).await?;
        *entries = recording
            .entries_from((self.position - self.lookback).max(self.start))
            .peekable();
        self.emit_until(entries, self.position).await?;
        self.send_status().await
    }
}

/// A range query answered from backend `backend`'s part of the recording: the recorded
/// answer to exactly this request if there is one, else the recorded answers of the same
/// expression, one point a step.
fn answer(
    recording: &Recording,
    queries: &[QueryDef],
    request: &RangeRequest,
    backend: usize,
) -> Result<Vec<Series>, PromError> {
    let step = f64::from(request.step);
    let ids: BTreeSet<usize> = queries
        .iter()
        .enumerate()
        .filter(|(_, q)| q.expr == request.expr)
        .map(|(id, _)| id)
        .collect();
    let (recorded, points) = recorded_answers(recording, &ids, request, backend);
    if let Some(series) = recorded {
        return Ok(series);
    }
    if ids.is_empty() {
        return Err(PromError::Query {
            kind: "not recorded".into(),
            message: "this expression was not polled during the recorded session".into(),
        });
    }
    Ok(points
        .into_iter()
        .map(|(labels, points)| Series {
            labels,
            points: thinned(points, step),
        })
        .filter(|s| !s.points.is_empty())
        .collect())
}

/// Points per series, as recorded.
type Points = BTreeMap<Labels, Vec<(f64, f64)>>;

/// Backend `backend`'s recorded answer to exactly `request`, if any, and the points of the
/// queries `ids` (the request's expression) recorded in its range, per series.
fn recorded_answers(
    recording: &Recording,
    ids: &BTreeSet<usize>,
    request: &RangeRequest,
    backend: usize,
) -> (Option<Vec<Series>>, Points) {
    let (start, end) = (request.start as f64, request.end as f64);
    let mut points = Points::new();
    let mut recorded = None;
    for entry in recording.entries_from(start) {
        if entry.time() > end + 60.0 {
            break;
        }
        let Entry::Event { event, .. } = entry else {
            continue;
        };
        let event = match event {
            DataEvent::Backend { backend: b, event } if b == backend => *event,
            DataEvent::Backend { .. } => continue,
            _ if backend != 0 => continue,
            event => event,
        };
        match event {
            DataEvent::RangeAnswer {
                request: r,
                result: Ok(series),
                ..
            } if r == *request => {
                recorded = Some(series);
            }
            DataEvent::Instant {
                id,
                at,
                result: Ok(samples),
                ..
            } if ids.contains(&id) && (start..=end).contains(&at) => {
                for sample in samples {
                    points
                        .entry(sample.labels)
                        .or_default()
                        .push((at, sample.value));
                }
            }
            DataEvent::Range {
                id,
                result: Ok(series),
                ..
            } if ids.contains(&id) => {
                for s in series {
                    points.entry(s.labels).or_default().extend(
                        s.points
                            .into_iter()
                            .filter(|(t, _)| (start..=end).contains(t)),
                    );
                }
            }
            _ => {}
        }
    }
    (recorded, points)
}

/// A series' points in time order, one per step at most, like Prometheus' own step.
fn thinned(mut points: Vec<(f64, f64)>, step: f64) -> Vec<(f64, f64)> {
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points.dedup_by(|a, b| a.0 == b.0);
    let mut thinned: Vec<(f64, f64)> = Vec::with_capacity(points.len());
    for p in points {
        match thinned.last() {
            Some(last) if p.0 - last.0 < step * 0.999 => {}
            _ => thinned.push(p),
        }
    }
    thinned
}

/// When the alerts changed and when any was firing: Prometheus' recorded alerts and those
/// of the recording's own rule files, evaluated again here exactly as the app evaluates
/// them, followed through the one alert timeline.
pub fn index(recording: &Recording) -> ReplayIndex {
    let header = recording.header();
    let (Ok(mut layout), Ok(rules)) = (header.layout(), header.rule_files()) else {
        return ReplayIndex::default();
    };
    let mut board = AlertBoard::for_rules(&rules, &mut layout);
    let mut timeline = AlertTimeline::default();
    let mut last_time = None;
    let mut choices = Vec::new();
    for entry in recording.entries() {
        let Entry::Event { time, event } = entry else {
            continue;
        };
        match event {
            DataEvent::Variables(pairs) => {
                choices.push((time, pairs));
                continue;
            }
            DataEvent::Alerts { result, .. } => board.set_server_alerts(result),
            DataEvent::Instant { id, at, result, .. } => {
                if !board.evaluate(id, at, result.as_deref()) {
                    continue;
                }
            }
            _ => continue,
        }
        last_time = Some(time);
        timeline.observe(time, &board.all());
    }
    ReplayIndex {
        transitions: timeline.transitions(),
        alert_spans: last_time.map_or_else(Vec::new, |end| timeline.firing_spans(end)),
        // Everything was read above: every damaged spot is known now.
        lost_spans: recording.lost_spans(),
        damage: recording
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect(),
        choices,
    }
}
