//! The seam between the data sources and the app: what a source tells the app
//! ([`DataEvent`]) and what the app asks of it ([`SourceCommand`]). The live poller and a
//! replay speak exactly this, so the app cannot tell them apart; a recording stores the
//! events as they were ingested.

use crate::config::layout::QueryId;
use crate::prom::alertmanager::AlertmanagerState;
use crate::prom::status::{SeriesList, ServerFacts, Target};
use crate::prom::{Alert, PromError, RuleGroupStatus, Sample, Series};
use crate::variables::{OptionsQuery, Selection};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a data source tells the app.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum DataEvent {
    Instant {
        id: QueryId,
        at: f64,
        result: Result<Vec<Sample>, PromError>,
        latency: Duration,
    },
    /// The next answer of query `id` (evaluated `at`) held `count` more series than it
    /// brings: a burst is cut while parsing. Sent just before that answer, only when cut.
    SeriesOmitted {
        id: QueryId,
        at: f64,
        count: usize,
    },
    Range {
        id: QueryId,
        result: Result<Vec<Series>, PromError>,
        latency: Duration,
    },
    /// The next answer of query `id` (evaluated `at`) came with the server's warnings: its
    /// data may be partial (Thanos' partial responses). Sent just before that answer, only
    /// when there are some.
    Warnings {
        id: QueryId,
        at: f64,
        warnings: Vec<String>,
    },
    Connection(Connection),
    /// What backend `backend` (from 1: the second one given) said, when several are shown
    /// side by side; the first backend's events come as they are, so a run with one
    /// backend (and its recordings) is what it always was.
    Backend {
        backend: usize,
        event: Box<DataEvent>,
    },
    /// Which server of an HA group the live poller asks now: sent at the start and at
    /// every switch, only when the profile names more than one.
    Replica(Replica),
    /// The clock moved (Unix seconds): wall time live, the recorded ticks in a replay.
    Clock(f64),
    /// A replay jumped in time: forget everything, the history up to there follows.
    Reset,
    /// Where a replay stands (not recorded: only a replay sends it).
    ReplayStatus(ReplayStatus),
    /// A replay's alert transitions and spans, once it has read the whole recording.
    ReplayIndex(ReplayIndex),
    /// Prometheus' active alerts (`/api/v1/alerts`), polled every refresh.
    Alerts {
        at: f64,
        result: Result<Vec<Alert>, PromError>,
    },
    /// Prometheus' rule groups and their health (`/api/v1/rules`), polled every refresh.
    Rules {
        at: f64,
        result: Result<Vec<RuleGroupStatus>, PromError>,
    },
    /// Alertmanager's groups and silences (`--alertmanager`), polled every refresh.
    Alertmanager {
        at: f64,
        result: Result<AlertmanagerState, PromError>,
    },
    /// How often the live poller asks for what is on screen and for the rest; sent when
    /// it starts and when that changes.
    Schedule(Schedule),
    /// The answer to a [`SourceCommand::Range`] (drill views, zoomed ranges).
    RangeAnswer {
        request: RangeRequest,
        result: Result<Vec<Series>, PromError>,
        latency: Duration,
    },
    /// The options of template variable `name`, as Prometheus answered
    /// [`SourceCommand::VariableOptions`] (before the variable's regex).
    VariableOptions {
        name: String,
        result: Result<Vec<String>, PromError>,
    },
    /// The template variables' selection the queries are expanded with from now on: the
    /// live poller echoes [`SourceCommand::Expand`] so a recording holds the choice, and a
    /// replay shows it.
    Variables(Vec<(String, Selection)>),
    /// The answer to a [`SourceCommand::Server`], asked `at` (Unix seconds).
    Server {
        at: f64,
        request: ServerRequest,
        result: Result<ServerData, PromError>,
    },
}

/// One server of an HA group (a profile's `prometheus = [URL, URL, …]`): the poller asks
/// one at a time, so no answer is ever counted twice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replica {
    /// Its URL as shown: credentials masked.
    pub url: String,
    /// Its place in the profile's list, from 0 (the one preferred).
    pub index: usize,
    pub count: usize,
}

/// How far back metadata requests look for series ([`ServerRequest::Series`] and
/// [`ServerRequest::LabelValues`]): a metric whose target went down an hour ago still
/// counts as existing.
pub const METADATA_LOOKBACK: Duration = Duration::from_secs(3600);

/// What the app asks Prometheus about itself and its series, beyond queries. Windows end
/// at the source's present, so equal requests are equal whenever they are asked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ServerRequest {
    /// The scrape targets.
    Targets,
    /// Version, runtime, scrape interval and head cardinality.
    Facts,
    /// The series matching a selector within [`METADATA_LOOKBACK`].
    Series { selector: String },
    /// The values label `name` takes among the series matching `selector`, within
    /// [`METADATA_LOOKBACK`].
    LabelValues { name: String, selector: String },
    /// The samples of the layout's `index`-th `[[annotation]]`, `expr`, over the last
    /// `window` seconds, every `step` seconds.
    Annotation {
        index: usize,
        expr: String,
        window: u32,
        step: u32,
    },
}

/// The answer to a [`ServerRequest`], of the matching kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ServerData {
    Targets(Vec<Target>),
    Facts(Box<ServerFacts>),
    Series(SeriesList),
    Values(Vec<String>),
    Marks(Vec<Series>),
}

/// A range query asked for on demand, in whole seconds so equal requests hash equal and a
/// cache can answer them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RangeRequest {
    pub expr: String,
    pub start: i64,
    pub end: i64,
    pub step: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Connection {
    Connecting,
    Connected,
    Unreachable { error: String, retry_in: Duration },
}

/// What the app asks of its data source (the live poller or a replay).
#[derive(Clone, Debug, PartialEq)]
pub enum SourceCommand {
    RefreshNow,
    SetPaused(bool),
    Range(RangeRequest),
    /// Replay only: jump to a moment (Unix seconds).
    Seek(f64),
    /// Replay only: seconds of recording per second.
    SetSpeed(f64),
    /// Replay only: one refresh cycle forward (1) or back (-1), then pause.
    Step(i32),
    /// Live only: fetch the options of template variable `name` (its query already
    /// expanded with the earlier variables' choice).
    VariableOptions {
        name: String,
        query: OptionsQuery,
    },
    /// A new selection of template variables. Live: poll these queries as expanded for it
    /// (their history starts over) and echo it as [`DataEvent::Variables`]; a replay:
    /// answer range requests from the recorded answers to the new text.
    Expand {
        queries: Vec<(QueryId, String)>,
        selections: Vec<(String, Selection)>,
    },
    /// Live only: ask Prometheus about itself or its series; a replay has the answers
    /// recorded.
    Server(ServerRequest),
    /// Live only: what is on screen, polled every refresh; the rest less often.
    Watch(Watch),
}

/// What the screen shows, so the poller asks for it every refresh: the visible tab's
/// queries, and whether the rule states are in sight.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Watch {
    pub queries: Vec<QueryId>,
    pub rules: bool,
    /// Asked at most once per its period, shown or not: SLO windows, whose ratios move
    /// slowly ([`crate::config::layout::slo::pace`]).
    pub paced: Vec<(QueryId, Duration)>,
    /// Not asked at all: an SLO window read from its recording rule instead, or the rule's
    /// series while Prometheus has not loaded it.
    pub idle: Vec<QueryId>,
}

/// How old the poller lets data get: what is on screen is asked for every `visible`;
/// other tabs' queries, local rules' and the rule states every `background`. Data is
/// stale only once it is older than the slower of the two allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub visible: Duration,
    pub background: Duration,
}

/// Where a replay's timeline stands, as the replayer reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayStatus {
    pub start: f64,
    pub end: f64,
    pub position: f64,
    pub speed: f64,
    pub playing: bool,
}

/// The moments of a recording worth a key, and what damage took: computed once by the
/// replayer, which reads the whole recording for it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplayIndex {
    pub transitions: Vec<f64>,
    pub alert_spans: Vec<(f64, f64)>,
    /// Stretches lost to damage in the file: (from, to).
    pub lost_spans: Vec<(f64, f64)>,
    /// What the reader found damaged, where in the file.
    pub damage: Vec<String>,
    /// Every recorded choice of template variables, with when it was made: after a seek
    /// the one in force there is shown, however long ago it was made.
    #[serde(default)]
    pub choices: Vec<(f64, Vec<(String, Selection)>)>,
}
