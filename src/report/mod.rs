//! The incident report of a recording (`spheroseg-top export FILE`): what paged, which
//! KPIs left their target and for how long, the KPI tables at each marker and at the worst
//! moment, and the notes — as Markdown to paste into a postmortem, or as JSON.
//!
//! [`build`] replays the recording through the same [`App`] a replay draws, so every
//! status in the report is the one the dashboard showed: after each event it reads the
//! KPI rows the event can have changed with [`view::reading`] and looks at the active
//! alerts. The bookkeeping (time per status, crossings, alert instances) is in `track`.
//!
//! Times are UTC everywhere, never the local zone, so a report reads the same wherever it
//! is made.

pub(crate) mod alert_groups;
mod annotations;
mod kpi_track;
mod markdown;
pub(crate) mod rows;
pub(crate) mod slo;
pub(crate) mod snapshot;
pub(crate) mod time;
mod track;

pub use annotations::AnnotationRow;
pub use time::Time;

use crate::alerts::timeline::AlertTimeline;
use crate::app::restore::{self, RestoreError};
use crate::app::{App, Msg};
use crate::config::Layout;
use crate::config::layout::QueryId;
use crate::event::DataEvent;
use crate::model::duration::Form;
use crate::model::{Bound, Labels, Status, Thresholds};
use crate::prom::{AlertSource, AlertState};
use crate::session::{Entry, Marker, Recording, WarningKind};
use crate::view::reading;
use kpi_track::{KpiTrack, observe};
use rows::{format_value, kpi_rows, series_name, shown_labels};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Why no report can be made of a recording: its embedded dashboard does not load.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Restore(#[from] RestoreError),
}

/// Everything the report says, in the order it says it. Numbers are numbers, durations
/// are seconds, and every time is given as Unix seconds and as ISO-8601 (UTC).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The layout's title: what was being watched.
    pub title: String,
    /// The Prometheus the data came from (never with credentials).
    pub source: String,
    pub refresh_seconds: f64,
    /// Where the recorded session's layout came from.
    pub layout: String,
    /// The spheroseg-top version that recorded it.
    pub app_version: String,
    /// When recording started.
    pub created: Time,
    /// The first and last recorded event; `None` when the recording holds no event.
    pub start: Option<Time>,
    pub end: Option<Time>,
    pub duration_seconds: f64,
    /// Refresh cycles recorded (distinct evaluation times of the instant queries).
    pub cycles: usize,
    /// Whether the recorder closed the file normally.
    pub complete: bool,
    /// Damage the reader stepped over: the report covers what could be read.
    pub warnings: Vec<ReportWarning>,
    /// Every alert instance that was pending or firing, in the order it started.
    pub alerts: Vec<AlertRow>,
    /// The same instances grouped by rule and source, as the Alerts tab groups them.
    pub alert_groups: Vec<alert_groups::AlertGroupSummary>,
    /// Every KPI row of the layout (once, however many tabs show it), in layout order.
    pub kpis: Vec<KpiSummary>,
    /// KPI tables at each marker and at the worst moment, in time order.
    pub moments: Vec<Moment>,
    /// The markers placed during the session.
    pub notes: Vec<Note>,
    /// The moments `[[annotation]]` queries marked (restarts, deploys).
    pub annotations: Vec<AnnotationRow>,
    /// Each SLO's budget over the recording and during each alert.
    pub slos: Vec<slo::SloSpend>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportWarning {
    /// `truncated`, `corrupt` or `skipped`.
    pub kind: &'static str,
    /// Where in the file.
    pub offset: u64,
    pub detail: String,
}

/// One alert instance (rule name and labels) from the first look that saw it active to
/// the first that did not.
#[derive(Clone, Debug, Serialize)]
pub struct AlertRow {
    pub name: String,
    pub labels: Labels,
    pub severity: Option<String>,
    /// Who reported it: Prometheus, the local rules, or both.
    pub sources: Vec<AlertSource>,
    /// When it went pending (the earliest `activeAt` reported).
    pub pending_at: Time,
    /// The first look that saw it firing; `None` if it never fired.
    pub fired_at: Option<Time>,
    /// It was already firing when the recording first looked at the alerts.
    pub firing_at_start: bool,
    /// The first look that no longer saw it; `None` when still active at the end.
    pub resolved_at: Option<Time>,
    /// Its state at the end of the recording, when still active.
    pub state_at_end: Option<AlertState>,
    /// The highest value of its expression.
    pub peak_value: Option<f64>,
    /// The `summary` annotation as it read when the alert fired.
    pub summary: Option<String>,
}

/// How one KPI row fared over the whole recording (side by side, on one backend).
#[derive(Clone, Debug, Serialize)]
pub struct KpiSummary {
    pub name: String,
    /// The backend, when several were recorded side by side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    pub query: String,
    /// `above` when higher is worse, `below` when lower is.
    pub direction: &'static str,
    pub target: Option<f64>,
    pub alert: Option<f64>,
    /// The thresholds as the dashboard writes them: `< 1.00 s`, `> 5.00 s`.
    pub target_text: String,
    pub alert_text: String,
    /// Its value was past its target at some point.
    pub left_target: bool,
    /// Time its value was past its target (WARN or ALERT), and past its alert threshold.
    pub beyond_target_seconds: f64,
    pub beyond_alert_seconds: f64,
    /// How many times it left its target.
    pub excursions: usize,
    pub first_left_at: Option<Time>,
    /// The last return within target.
    pub back_within_at: Option<Time>,
    /// Still past its target when the recording ends.
    pub out_at_end: bool,
    /// Time with a current value to judge (not failing, stale or empty).
    pub with_value_seconds: f64,
    /// The worst value by the thresholds' direction, first reached when.
    pub worst: Option<WorstValue>,
    /// Time in each status as the dashboard showed it (`OK`, `WARN`, `ALERT`, `STALE`,
    /// `ERROR`, `NO DATA`), counted from the query's first answer. Unlike the times above,
    /// this includes rows drawn as alerts because an alert on their metric fired.
    pub seconds_by_status: BTreeMap<&'static str, f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WorstValue {
    pub value: f64,
    /// In the KPI's unit: `9.00 s`.
    pub text: String,
    pub at: Time,
    /// The series it came from, when the query answered with several.
    pub series: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MomentKind {
    /// A marker the user placed.
    Marker,
    /// The moment with the most KPI rows at ALERT (ties: most at WARN, then earliest).
    Worst,
}

/// The KPI table at one moment, as the dashboard showed it.
#[derive(Clone, Debug, Serialize)]
pub struct Moment {
    pub at: Time,
    pub kind: MomentKind,
    /// The marker's note.
    pub note: Option<String>,
    pub kpis_at_alert: usize,
    pub kpis_at_warn: usize,
    /// Active alerts then: `DatabaseReplicationLag (replica=replica-2) firing`.
    pub alerts: Vec<String>,
    pub rows: Vec<KpiRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KpiRow {
    pub kpi: String,
    /// The backend, when several were recorded side by side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    pub value: Option<f64>,
    /// In the KPI's unit; `—` without a value.
    pub value_text: String,
    /// The series the value came from, when the query answered with several.
    pub series: Option<String>,
    pub target_text: String,
    pub alert_text: String,
    /// `OK`, `WARN`, `ALERT`, `ERROR`, `NO DATA`, or `STALE 25s`.
    pub status: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Note {
    pub at: Time,
    pub note: String,
}

/// Replays `recording` and reports on it. Damage in the file does not stop it: the
/// report covers what could be read and lists the warnings.
pub fn build(recording: &Recording) -> Result<Report, ReportError> {
    let mut app = restore::app(recording.header())?;
    let mut replay = Replay::new(&app);
    for entry in recording.entries() {
        match entry {
            Entry::Event { time, event } => replay.event(&mut app, time, event),
            Entry::Marker(marker) => replay.marker(&app, marker),
        }
    }
    Ok(replay.finish(&app, recording))
}

impl Report {
    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        crate::model::text::printable_json(self)
    }
}

struct Replay {
    kpis: Vec<KpiTrack>,
    /// The KPI rows each backend's query feeds.
    by_query: HashMap<(usize, QueryId), Vec<usize>>,
    /// Local rules are evaluated on instant answers, so alerts can change with any of them.
    local_rules: bool,
    alerts: AlertTimeline,
    span: Option<(f64, f64)>,
    cycles: usize,
    cycle_at: Option<f64>,
    /// (rows at ALERT, rows at WARN) of the worst moment so far.
    worst_counts: (usize, usize),
    worst: Option<Moment>,
    moments: Vec<Moment>,
    notes: Vec<Note>,
    annotations: annotations::AnnotationLog,
    slos: slo::SloLog,
}

/// Which KPI rows an event can have changed.
enum Touched {
    Nothing,
    /// A backend's query.
    Query(usize, QueryId),
    All,
}

impl Replay {
    fn new(app: &App) -> Self {
        let names: Vec<Option<String>> = app
            .backends()
            .iter()
            .map(|b| (!b.name.is_empty()).then(|| b.name.to_string()))
            .collect();
        // Side by side, each KPI once per backend, next to each other.
        let kpis: Vec<KpiTrack> = kpi_rows(app.layout())
            .into_iter()
            .flat_map(|kpi| {
                names
                    .iter()
                    .enumerate()
                    .map(move |(b, name)| KpiTrack::new(kpi.clone(), b, name.clone()))
            })
            .collect();
        let mut by_query: HashMap<(usize, QueryId), Vec<usize>> = HashMap::new();
        for (i, track) in kpis.iter().enumerate() {
            let key = (track.backend, track.kpi.query.id);
            by_query.entry(key).or_default().push(i);
        }
        Self {
            kpis,
            by_query,
            local_rules: !app.store().alerts.local.is_empty(),
            alerts: AlertTimeline::default(),
            span: None,
            cycles: 0,
            cycle_at: None,
            worst_counts: (0, 0),
            worst: None,
            moments: Vec::new(),
            notes: Vec::new(),
            annotations: annotations::AnnotationLog::default(),
            slos: slo::SloLog::new(&app.layout().slos, &names),
        }
    }

    fn event(&mut self, app: &mut App, time: f64, event: DataEvent) {
        self.span = Some(match self.span {
            None => (time, time),
            Some((first, last)) => (first, last.max(time)),
        });
        // Side by side, another backend's answer touches that backend's rows.
        let (backend, inner) = match &event {
            DataEvent::Backend { backend, event } => (*backend, event.as_ref()),
            event => (0, event),
        };
        let (touched, alerts_may_change) = self.touched(backend, inner);
        let Some(event) = self.needed(event) else {
            return;
        };
        let marks = matches!(event, DataEvent::Server { .. });
        app.update(Msg::Data(event));
        if marks {
            self.annotations.observe(app);
        }
        // Nobody serves drill requests here; drop them.
        app.take_commands();
        if let Some(store) = app.backend_store(backend) {
            self.slos.observe(backend, store, time);
        }
        if alerts_may_change {
            self.alerts.observe(time, &app.store().alerts.all());
        }
        match touched {
            Touched::Nothing => return,
            Touched::Query(backend, id) => {
                let Some(rows) = self.by_query.get(&(backend, id)) else {
                    return;
                };
                for &i in rows {
                    observe(&mut self.kpis[i], app, time, true);
                }
            }
            Touched::All => {
                for track in &mut self.kpis {
                    observe(track, app, time, false);
                }
            }
        }
        self.check_worst(app, time);
    }

    /// Which KPI rows `event` (of backend `backend`) can have changed, and whether the
    /// alerts can have; counts a new refresh cycle.
    fn touched(&mut self, backend: usize, event: &DataEvent) -> (Touched, bool) {
        match event {
            DataEvent::Instant { id, at, .. } => {
                // Cycles are counted on the first backend's clock.
                let new_cycle =
                    backend == 0 && self.cycle_at.is_none_or(|c| c.to_bits() != at.to_bits());
                if new_cycle {
                    self.cycles += 1;
                    self.cycle_at = Some(*at);
                }
                // A new cycle moves the app's clock, which can make other rows stale.
                let touched = if new_cycle {
                    Touched::All
                } else {
                    Touched::Query(backend, *id)
                };
                (touched, self.local_rules)
            }
            DataEvent::Range { id, .. } => (Touched::Query(backend, *id), false),
            DataEvent::Alerts { .. } => (Touched::All, true),
            DataEvent::Clock(_)
            | DataEvent::Connection(_)
            | DataEvent::Replica(_)
            | DataEvent::Rules { .. } => (Touched::All, false),
            DataEvent::RangeAnswer { .. } => (Touched::Nothing, false),
            // What a row shows can hang on these (a cut answer, a server's warnings, the
            // variables' choice, the server's facts), so every row is read again.
            DataEvent::SeriesOmitted { .. }
            | DataEvent::Warnings { .. }
            | DataEvent::Reset
            | DataEvent::ReplayStatus(_)
            | DataEvent::ReplayIndex(_)
            | DataEvent::Alertmanager { .. }
            | DataEvent::Schedule(_)
            | DataEvent::VariableOptions { .. }
            | DataEvent::Variables(_)
            | DataEvent::Backend { .. }
            | DataEvent::Server { .. } => (Touched::All, false),
        }
    }

    /// The event as far as the report needs it. Answers to queries no KPI row reads
    /// (charts, drill panels: most of the series) only move the clock, so they reach the
    /// app empty, which spares storing what nothing reads. With local rules every answer
    /// counts: any query may feed a rule.
    fn needed(&self, event: DataEvent) -> Option<DataEvent> {
        let read = |id: &QueryId| {
            // Every backend has the same KPI rows: the first's say which queries are read.
            self.local_rules || self.by_query.contains_key(&(0, *id)) || self.slos.reads(*id)
        };
        match event {
            DataEvent::Instant {
                id,
                at,
                result: Ok(_),
                latency,
            } if !read(&id) => Some(DataEvent::Instant {
                id,
                at,
                result: Ok(Vec::new()),
                latency,
            }),
            DataEvent::Range { id, .. } if !read(&id) => None,
            // Drill views' answers: no drill view is open here.
            DataEvent::RangeAnswer { .. } => None,
            DataEvent::Backend { backend, event } => {
                let event = Box::new(self.needed(*event)?);
                Some(DataEvent::Backend { backend, event })
            }
            event => Some(event),
        }
    }

    fn marker(&mut self, app: &App, marker: Marker) {
        let moment = self.moment(
            app,
            marker.at,
            MomentKind::Marker,
            Some(marker.note.clone()),
        );
        self.moments.push(moment);
        self.notes.push(Note {
            at: Time::at(marker.at),
            note: marker.note,
        });
    }

    /// Keeps the KPI table of the moment with the most rows at ALERT, then at WARN; the
    /// earliest of equals.
    fn check_worst(&mut self, app: &App, time: f64) {
        let mut counts = (0, 0);
        for track in &self.kpis {
            match track.shown.current() {
                Some(Status::Alert) => counts.0 += 1,
                Some(Status::Warn) => counts.1 += 1,
                _ => {}
            }
        }
        if counts > self.worst_counts {
            self.worst_counts = counts;
            self.worst = Some(self.moment(app, time, MomentKind::Worst, None));
        }
    }

    /// The KPI table as the dashboard shows it now.
    fn moment(&self, app: &App, at: f64, kind: MomentKind, note: Option<String>) -> Moment {
        let ctx = app.context();
        let rows: Vec<(KpiRow, Status)> = self
            .kpis
            .iter()
            .map(|track| {
                let kpi = &track.kpi;
                let query = app
                    .backend_store(track.backend)
                    .and_then(|s| s.query(kpi.query.id));
                let (value, series, status, age) = match query {
                    Some(query) => {
                        let r = reading(query, kpi.reduce, &kpi.thresholds, ctx);
                        (r.value, series_name(kpi, query, r.series), r.status, r.age)
                    }
                    None => (None, None, Status::NoData, None),
                };
                let status_text = match (status, age) {
                    (Status::Stale, Some(age)) => format!("STALE {}", Form::Report.seconds(age)),
                    (s, _) => s.label().to_string(),
                };
                let row = KpiRow {
                    kpi: kpi.name.clone(),
                    backend: track.backend_name.clone(),
                    value: value.filter(|v| v.is_finite()),
                    value_text: format_value(kpi.unit, kpi.decimals, value),
                    series,
                    target_text: kpi.thresholds.text(Bound::Target, kpi.unit, kpi.decimals),
                    alert_text: kpi.thresholds.text(Bound::Alert, kpi.unit, kpi.decimals),
                    status: status_text,
                };
                (row, status)
            })
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        let alerts = app
            .store()
            .alerts
            .all()
            .into_iter()
            .filter(|a| seen.insert((a.name.clone(), a.labels.clone())))
            .map(|a| {
                let labels = shown_labels(&a.labels);
                let labels = if labels.is_empty() {
                    String::new()
                } else {
                    format!(" ({labels})")
                };
                format!("{}{labels} {}", a.name, a.state.as_str())
            })
            .collect();
        Moment {
            at: Time::at(at),
            kind,
            note,
            kpis_at_alert: rows.iter().filter(|(_, s)| *s == Status::Alert).count(),
            kpis_at_warn: rows.iter().filter(|(_, s)| *s == Status::Warn).count(),
            alerts,
            rows: rows.into_iter().map(|(row, _)| row).collect(),
        }
    }

    fn finish(mut self, app: &App, recording: &Recording) -> Report {
        let header = recording.header();
        let end = self.span.map(|(_, last)| last);
        let kpis = self
            .kpis
            .into_iter()
            .map(|mut track| {
                if let Some(end) = end {
                    track.value.finish(end);
                    track.shown.finish(end);
                }
                summary(track, app.layout())
            })
            .collect();
        let alerts: Vec<AlertRow> = self
            .alerts
            .into_episodes()
            .into_iter()
            .map(|e| AlertRow {
                name: e.name,
                labels: e.labels,
                severity: e.severity,
                sources: e.sources,
                pending_at: Time::at(e.pending_at),
                fired_at: e.fired_at.map(Time::at),
                firing_at_start: e.firing_at_start,
                resolved_at: e.resolved_at.map(Time::at),
                state_at_end: e.resolved_at.is_none().then_some(e.last_state),
                peak_value: e.peak,
                summary: e.summary,
            })
            .collect();
        let spans: Vec<slo::Span> = (alerts.iter())
            .map(|a| slo::Span {
                name: &a.name,
                labels: &a.labels,
                from: a.pending_at.unix,
                to: a.resolved_at.as_ref().map(|t| t.unix),
            })
            .collect();
        let slos = self.slos.finish(&spans, end);
        // Markers first among moments at the same time: the stable sort keeps that.
        self.moments.extend(self.worst);
        self.moments.sort_by(|a, b| a.at.unix.total_cmp(&b.at.unix));
        // Damage inside blocks is found while reading them, so ask only now.
        let warnings = recording
            .warnings()
            .into_iter()
            .map(|w| ReportWarning {
                kind: match w.kind {
                    WarningKind::Truncated => "truncated",
                    WarningKind::Corrupt => "corrupt",
                    WarningKind::Skipped => "skipped",
                },
                offset: w.offset,
                detail: w.detail,
            })
            .collect();
        Report {
            title: app.layout().title.clone(),
            source: header.source.clone(),
            refresh_seconds: header.refresh.as_secs_f64(),
            layout: header.layout.origin.clone(),
            app_version: header.app_version.clone(),
            created: Time::at(header.created),
            start: self.span.map(|(first, _)| Time::at(first)),
            end: end.map(Time::at),
            duration_seconds: self.span.map_or(0.0, |(first, last)| last - first),
            cycles: self.cycles,
            complete: recording.is_complete(),
            warnings,
            alert_groups: alert_groups::summaries(&alerts),
            alerts,
            kpis,
            moments: self.moments,
            notes: self.notes,
            annotations: self.annotations.into_rows(),
            slos,
        }
    }
}

fn summary(track: KpiTrack, layout: &Layout) -> KpiSummary {
    let kpi = &track.kpi;
    let Thresholds {
        target,
        alert,
        direction,
    } = kpi.thresholds;
    KpiSummary {
        name: kpi.name.clone(),
        backend: track.backend_name.clone(),
        query: layout
            .queries
            .get(kpi.query.id)
            .map(|q| q.expr.clone())
            .unwrap_or_default(),
        direction: direction.word(),
        target,
        alert,
        target_text: kpi.thresholds.text(Bound::Target, kpi.unit, kpi.decimals),
        alert_text: kpi.thresholds.text(Bound::Alert, kpi.unit, kpi.decimals),
        left_target: track.crossings.count > 0,
        beyond_target_seconds: track.value.time_from(Status::Warn),
        beyond_alert_seconds: track.value.time_in(Status::Alert),
        excursions: track.crossings.count,
        first_left_at: track.crossings.first_left.map(Time::at),
        back_within_at: track.crossings.back_at.map(Time::at),
        out_at_end: track.crossings.out,
        with_value_seconds: track.value.totals().values().sum(),
        worst: track.worst.map(|w| WorstValue {
            value: w.value,
            text: kpi.unit.format(w.value, kpi.decimals),
            at: Time::at(w.at),
            series: w.detail,
        }),
        seconds_by_status: track
            .shown
            .totals()
            .iter()
            .map(|(s, secs)| (s.label(), *secs))
            .collect(),
    }
}
