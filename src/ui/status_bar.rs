//! The bottom line: where the data comes from, whether it is arriving, and how fast.

use crate::app::App;
use crate::event::{Connection, Replica};
use crate::model::Status;
use crate::model::duration::Form;
use crate::prom::PromError;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use std::time::Duration;

pub struct StatusBar<'a> {
    pub app: &'a App,
}

/// Bytes as a compact size: 812 B, 14.2 KiB, 3.1 MiB.
pub fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// "▲ 2 critical firing · 1 warning pending": what pages, most severe first.
pub fn alert_counts(app: &App) -> Option<Span<'static>> {
    let theme = app.theme();
    let board = &app.store().alerts;
    let counts = board.counts();
    let mut parts = Vec::new();
    let mut firing = false;
    for (severity, f, p) in &counts.by_severity {
        if *f > 0 {
            firing = true;
            parts.push(format!("{f} {severity} firing"));
        }
        if *p > 0 {
            parts.push(format!("{p} {severity} pending"));
        }
    }
    if parts.is_empty() {
        // Quiet only once something was asked: "no alerts" must mean it.
        let known = matches!(board.server, Some(Ok(_))) || !board.local.is_empty();
        return known.then(|| Span::styled("no alerts", theme.ok));
    }
    let style = if firing { theme.alert } else { theme.warn };
    Some(Span::styled(format!("▲ {}", parts.join(" · ")), style))
}

/// "HTTP 403: credentials refused: basic auth as ops is forbidden here (…)": the server
/// refuses some queries the credential, which the connection state says only when it
/// refuses most (then the poller asks again with backoff and says so itself).
fn credential_refused(app: &App) -> Option<String> {
    if matches!(app.connection(), Connection::Unreachable { .. }) {
        return None;
    }
    app.store()
        .queries()
        .iter()
        .find_map(|query| match &query.error {
            Some(
                error @ PromError::Http {
                    status: 401 | 403, ..
                },
            ) => Some(error.to_string()),
            _ => None,
        })
}

/// " ● connected ": whether the source answers, and when it tries again if not; with an
/// HA group, which of its servers: " ● connected to prom-b:9090 (standby 2 of 2) ".
fn connection(app: &App) -> Span<'static> {
    let theme = app.theme();
    let (glyph, word, style) = match &app.connection() {
        Connection::Connecting => ("○", "connecting".to_string(), theme.status(Status::NoData)),
        Connection::Connected => (
            "●",
            format!(
                "connected{}",
                app.replica().map(replica).unwrap_or_default()
            ),
            theme.status(Status::Ok),
        ),
        Connection::Unreachable { error, retry_in } => (
            "✖",
            format!("{error} (retry in {})", Form::Setting.duration(*retry_in)),
            theme.status(Status::Alert),
        ),
    };
    Span::styled(format!(" {glyph} {word} "), style)
}

/// " eu ● us ✖ 12s ": each backend's link when several show side by side; a backend
/// not answering says when it is asked again (why is in the log pane, `L`).
fn links(app: &App) -> Span<'static> {
    let theme = app.theme();
    let mut text = String::from(" ");
    let mut worst = Status::Ok;
    for backend in app.backends() {
        let (glyph, status) = match backend.connection {
            Connection::Connecting => ("○".to_string(), Status::NoData),
            Connection::Connected => ("●".to_string(), Status::Ok),
            Connection::Unreachable { retry_in, .. } => (
                format!("✖ {}", Form::Setting.duration(*retry_in)),
                Status::Alert,
            ),
        };
        let standby = backend
            .replica
            .filter(|r| r.index > 0)
            .map(|r| format!(" (standby {} of {})", r.index + 1, r.count))
            .unwrap_or_default();
        worst = worst.max(status);
        text.push_str(&format!("{} {glyph}{standby} ", backend.name));
    }
    Span::styled(text, theme.status(worst))
}

/// " to prom-b:9090 (standby 2 of 2)": the server of an HA group that answers.
fn replica(replica: &Replica) -> String {
    let host = replica
        .url
        .split_once("://")
        .map_or(replica.url.as_str(), |(_, rest)| rest)
        .trim_end_matches('/');
    let role = if replica.index == 0 { "" } else { "standby " };
    format!(
        " to {host} ({role}{} of {})",
        replica.index + 1,
        replica.count
    )
}

/// "updated 3s ago · every 5s": the data's age and how often it is polled.
fn freshness(app: &App) -> String {
    let mut every = Form::Setting.duration(app.source().refresh);
    // What is not on screen is polled less often: said, so nobody takes a tab's glyph
    // for fresher than it is.
    if let Some(schedule) = app.schedule()
        && schedule.background > schedule.visible
    {
        every = format!(
            "{} (other tabs {})",
            Form::Setting.duration(schedule.visible),
            Form::Setting.duration(schedule.background)
        );
    }
    match app.last_refresh_age() {
        Some(a) => format!("updated {} ago · every {every}", Form::Age.seconds(a)),
        None => format!("no data yet · every {every}"),
    }
}

/// "12 queries · p50 40 ms · max 210 ms", once any query has answered.
fn latency(app: &App) -> Option<String> {
    let queries = app.store().queries();
    let mut latencies: Vec<Duration> = queries.iter().filter_map(|q| q.latency).collect();
    latencies.sort();
    let (median, max) = (latencies.get(latencies.len() / 2)?, latencies.last()?);
    Some(format!(
        "{} queries · p50 {} ms · max {} ms",
        queries.len(),
        median.as_millis(),
        max.as_millis()
    ))
}

/// The bar's segments in order of importance; those that do not fit are left out from the
/// end, so the connection state and the data's age survive the narrowest terminal.
fn segments(app: &App) -> Vec<Span<'_>> {
    let theme = app.theme();
    let mut segments: Vec<Span> = vec![if app.side_by_side() {
        links(app)
    } else {
        connection(app)
    }];
    // Refused credentials and unchecked certificates come right after the connection:
    // the first says why every panel fails, the second must never scroll out of sight.
    if let Some(refusal) = credential_refused(app) {
        segments.push(Span::styled(format!(" ✖ {refusal} "), theme.error));
    }
    if let Some(warning) = app.source_warning() {
        segments.push(Span::styled(format!(" {warning} "), theme.warn));
    }
    if let Some(recording) = app.recording() {
        segments.push(Span::styled(
            format!(" ● REC {} {} ", recording.path, size(recording.bytes)),
            theme.alert,
        ));
    }
    if let Some(failure) = app.recording_failure() {
        segments.push(Span::styled(format!(" ✖ {failure} (Esc) "), theme.error));
    }
    segments.extend(alert_counts(app));
    if app.paused() {
        segments.push(Span::styled(" PAUSED ", theme.warn));
    }
    if let Some(notice) = app.notice() {
        segments.push(Span::styled(notice, theme.warn));
    }
    segments.push(Span::styled(freshness(app), theme.status_bar));
    let failing = app
        .store()
        .queries()
        .iter()
        .filter(|q| q.error.as_ref().is_some_and(|e| !e.is_connection()))
        .count();
    if failing > 0 {
        segments.push(Span::styled(
            format!("{failing} failing (L: log)"),
            theme.error,
        ));
    }
    segments.push(Span::styled(app.source().label.clone(), theme.status_bar));
    if let Some(note) = &app.source().note {
        segments.push(Span::styled(note.clone(), theme.status_bar));
    }
    if let Some(latency) = latency(app) {
        segments.push(Span::styled(latency, theme.status_bar));
    }
    segments
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let theme = app.theme();
        let hint = Span::styled(" ? help  q quit ", theme.status_bar);
        let budget = usize::from(area.width).saturating_sub(hint.width());
        let mut spans: Vec<Span> = Vec::new();
        let mut used = 0;
        for segment in segments(app) {
            let width = segment.width() + if spans.is_empty() { 0 } else { 3 };
            if used + width > budget && !spans.is_empty() {
                break;
            }
            if !spans.is_empty() {
                spans.push(Span::styled(" │ ", theme.status_bar));
            }
            used += width;
            spans.push(segment);
        }
        spans.push(Span::styled(
            " ".repeat(budget.saturating_sub(used)),
            theme.status_bar,
        ));
        spans.push(hint);
        Line::from(spans).style(theme.status_bar).render(area, buf);
    }
}
