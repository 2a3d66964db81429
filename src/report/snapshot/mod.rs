//! One moment of the dashboard judged for scripts and people (`spheroseg-top snapshot`):
//! every KPI row and stat/gauge panel with its value and status, the firing alerts, and
//! what could not be measured and why — as the KPI tables in text, as JSON (schema:
//! `docs/snapshot.schema.json`), or as one Nagios plugin line with perfdata.
//!
//! As the Nagios plugin guidelines ask, a check never says OK about what it could not
//! see: no row measured is UNKNOWN (unless a critical alert fires), and a failed query, an
//! unread alert list, a row with no data or stale, a partial answer or a template variable
//! without a value is at least WARNING, with the reason on the first line.
//!
//! [`Snapshot::of`] reads an [`App`] that ingested one answer per query, with the same
//! [`reading`] the screen's widgets use, so every status is the one the dashboard shows.

mod nagios;
mod rows;
pub(crate) mod slo;
mod text;
mod words;

use crate::app::App;
use crate::model::Status;
use crate::model::labels::legend;
use crate::model::text::printable;
use crate::prom::AlertState;
use crate::view::why_empty;
pub use rows::SnapshotRow;
use rows::{Read, tab_rows};
use serde::Serialize;
use words::{NAMED, named, quote, rows_word};

/// The verdict as a Nagios plugin's exit code: how a cron job or CI step reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl Verdict {
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::Warning => "WARNING",
            Verdict::Critical => "CRITICAL",
            Verdict::Unknown => "UNKNOWN",
        }
    }
}

/// Everything judged at one moment.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    /// The server asked, without credentials.
    pub prometheus: String,
    /// Unix seconds of the evaluation.
    pub at: f64,
    pub verdict: Verdict,
    pub exit_code: u8,
    pub rows: Vec<SnapshotRow>,
    /// The SLOs of the judged tabs' SLO panels: budget left, burn rates, state.
    pub slos: Vec<slo::SloRow>,
    /// Prometheus' (and local rules') alerts firing now.
    pub alerts: Vec<FiringAlert>,
    /// Why Prometheus' alert list could not be read, if it could not.
    pub alerts_error: Option<String>,
    /// What could not be measured, or only in part, each in words, most telling first:
    /// the first line of the text and Nagios formats says them.
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FiringAlert {
    pub name: String,
    /// The backend it fires in, when several show side by side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    pub severity: Option<String>,
    /// The `summary` annotation, else the labels.
    pub summary: String,
}

impl Snapshot {
    /// Judges `tabs` (indices into the layout; every tab when empty) as `app` knows them.
    pub fn of(app: &App, tabs: &[usize]) -> Snapshot {
        let layout = app.layout();
        let ctx = app.context();
        let store = app.store();
        let backends: Vec<Read> = app
            .backends()
            .into_iter()
            .map(|b| Read {
                name: app.side_by_side().then(|| b.name.to_string()),
                store: b.store,
                reasons: why_empty::reasons(b.store, app.now()),
            })
            .collect();
        let rows: Vec<SnapshotRow> = layout
            .tabs
            .iter()
            .enumerate()
            .filter(|(i, _)| tabs.is_empty() || tabs.contains(i))
            .flat_map(|(_, tab)| tab_rows(tab, app, ctx, &backends))
            .collect();
        let alerts = firing(store);
        let alerts_error = match &store.alerts.server {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        };
        let slos = layout
            .tabs
            .iter()
            .enumerate()
            .filter(|(i, _)| tabs.is_empty() || tabs.contains(i))
            .flat_map(|(_, tab)| tab.rows.iter().flat_map(|r| &r.panels))
            .find(|p| !p.slos.is_empty())
            .map_or_else(Vec::new, |p| {
                // Side by side, each SLO once per backend, next to each other.
                (p.slos.iter())
                    .flat_map(|s| {
                        (backends.iter())
                            .map(move |b| slo::row(s, b.name.as_deref(), b.store, ctx.now))
                    })
                    .collect()
            });
        let mut unmeasured = unset_variables(app);
        unmeasured.extend(unmeasured_of(
            app,
            &backends,
            &rows,
            alerts_error.as_deref(),
        ));
        let unread: Vec<String> = slos
            .iter()
            .filter(|s| s.status == Status::NoData)
            .map(|s| s.who())
            .collect();
        if !unread.is_empty() {
            unmeasured.push(format!("no data: SLO {}", named(&unread, NAMED)));
        }
        let verdict = verdict(
            &rows,
            &slos,
            &alerts,
            alerts_error.is_some(),
            !unmeasured.is_empty(),
        );
        Snapshot {
            prometheus: app.source().label.clone(),
            at: app.now(),
            verdict,
            exit_code: verdict.code(),
            rows,
            slos,
            alerts,
            alerts_error,
            reasons: unmeasured,
        }
    }

    /// Every string without control characters, as everything the snapshot prints.
    pub fn to_json(&self) -> String {
        crate::model::text::printable_json(self) + "\n"
    }

    /// The KPI tables; status words in `theme`'s colours when one is given (a terminal),
    /// the only escapes in it: the texts are [`printable`].
    pub fn to_text(&self, theme: Option<&crate::config::Theme>) -> String {
        text::render(&self.printable(), theme)
    }

    pub fn to_nagios(&self) -> String {
        printable(&nagios::render(self)).into_owned()
    }

    /// The snapshot with its texts as the screen shows them: a server's error, an alert's
    /// name or summary must not move the cursor or retitle the terminal.
    fn printable(&self) -> Snapshot {
        let clean = |text: &mut String| *text = printable(text).into_owned();
        let mut snapshot = self.clone();
        clean(&mut snapshot.prometheus);
        for row in &mut snapshot.rows {
            let SnapshotRow {
                tab,
                panel,
                name,
                query,
                shown,
                error,
                why_empty,
                target_text,
                alert_text,
                warnings,
                ..
            } = row;
            for text in [tab, panel, name, query, shown, target_text, alert_text] {
                clean(text);
            }
            error.iter_mut().for_each(clean);
            why_empty.iter_mut().for_each(|why| clean(&mut why.text));
            warnings.iter_mut().for_each(clean);
        }
        for slo in &mut snapshot.slos {
            clean(&mut slo.name);
            slo.backend.iter_mut().for_each(clean);
        }
        for alert in &mut snapshot.alerts {
            clean(&mut alert.name);
            alert.severity.iter_mut().for_each(clean);
            clean(&mut alert.summary);
        }
        snapshot.alerts_error.iter_mut().for_each(clean);
        snapshot.reasons.iter_mut().for_each(clean);
        snapshot
    }
}

/// The alerts firing that Alertmanager does not hold back.
fn firing(store: &crate::store::Store) -> Vec<FiringAlert> {
    store
        .alerts
        .all()
        .into_iter()
        .filter(|a| a.state == AlertState::Firing && !store.alerts.is_suppressed(a))
        .map(|a| FiringAlert {
            name: a.name.clone(),
            backend: a.labels.get(crate::model::labels::BACKEND_LABEL).cloned(),
            severity: a.severity().map(str::to_string),
            summary: a
                .annotations
                .get("summary")
                .cloned()
                .unwrap_or_else(|| legend(None, &a.labels)),
        })
        .collect()
}

/// Whether a row's value was measured: not failed, not empty, not stale.
fn measured(row: &SnapshotRow) -> bool {
    !matches!(row.status.0, Status::Error | Status::NoData | Status::Stale)
}

/// 2 for an ALERT (an SLO paging) or a firing critical alert; else 3 when nothing could be
/// measured (or, without rows, the alert list could not be read); else 1 for a WARN (an
/// SLO's ticket), another firing alert, or anything not measured in full (`incomplete`:
/// the reasons); 0 otherwise.
fn verdict(
    rows: &[SnapshotRow],
    slos: &[slo::SloRow],
    alerts: &[FiringAlert],
    alerts_failed: bool,
    incomplete: bool,
) -> Verdict {
    let critical_alert = alerts
        .iter()
        .any(|a| a.severity.as_deref() == Some("critical"));
    let worst = rows
        .iter()
        .map(|r| r.status.0)
        .chain(slos.iter().map(|s| s.status))
        .max()
        .unwrap_or(Status::Ok);
    let blind = if rows.is_empty() && slos.is_empty() {
        alerts_failed
    } else {
        !rows.iter().any(measured) && slos.iter().all(|s| s.status == Status::NoData)
    };
    if worst == Status::Alert || critical_alert {
        Verdict::Critical
    } else if blind {
        Verdict::Unknown
    } else if worst == Status::Warn || !alerts.is_empty() || incomplete {
        Verdict::Warning
    } else {
        Verdict::Ok
    }
}

/// Template variables without a value: their queries were asked for nothing.
fn unset_variables(app: &App) -> Vec<String> {
    let mut reasons = Vec::new();
    for (i, (variable, selection)) in app.variable_values().into_iter().enumerate() {
        if let Some(error) = app.variable_error(i) {
            reasons.push(format!(
                "${}: options not read: {}",
                variable.name,
                quote(error)
            ));
        } else if !selection.all && selection.values.is_empty() {
            reasons.push(format!("${} has no value (no options)", variable.name));
        }
    }
    reasons
}

/// What the rows and the alert list could not measure; side by side, each backend's
/// gaps said apart (one down is named, the others still judged).
fn unmeasured_of(
    app: &App,
    backends: &[Read],
    rows: &[SnapshotRow],
    alerts_error: Option<&str>,
) -> Vec<String> {
    if !app.side_by_side() {
        return unmeasured_rows(rows, alerts_error);
    }
    let mut unmeasured = Vec::new();
    for backend in backends {
        let own: Vec<SnapshotRow> = rows
            .iter()
            .filter(|r| r.backend == backend.name)
            .cloned()
            .collect();
        let name = backend.name.as_deref().unwrap_or_default();
        let reasons = unmeasured_rows(&own, None).into_iter();
        unmeasured.extend(reasons.map(|reason| format!("{name}: {reason}")));
    }
    unmeasured.extend(alerts_unread(alerts_error, rows));
    unmeasured
}

/// What the rows and the alert list could not measure, or only in part: failed queries
/// (the most frequent error quoted), the alert list not read, answers the server called
/// partial, rows stale or with no data.
fn unmeasured_rows(rows: &[SnapshotRow], alerts_error: Option<&str>) -> Vec<String> {
    let mut reasons = Vec::new();
    let mut errors: Vec<(&str, usize)> = Vec::new();
    for error in rows.iter().filter_map(|r| r.error.as_deref()) {
        match errors.iter_mut().find(|(e, _)| *e == error) {
            Some((_, n)) => *n += 1,
            None => errors.push((error, 1)),
        }
    }
    errors.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let failed: usize = errors.iter().map(|(_, n)| n).sum();
    if let Some((main, _)) = errors.first() {
        let others = match errors.len() - 1 {
            0 => String::new(),
            1 => " (and 1 other error)".to_string(),
            n => format!(" (and {n} other errors)"),
        };
        reasons.push(if failed == rows.len() {
            format!("every query failed: {}{others}", quote(main))
        } else {
            format!(
                "partial data: {failed} of {} rows failed: {}{others}",
                rows.len(),
                quote(main)
            )
        });
    }
    reasons.extend(alerts_unread(alerts_error, rows));
    let warned: Vec<&SnapshotRow> = rows.iter().filter(|r| !r.warnings.is_empty()).collect();
    if let Some(first) = warned.first().and_then(|r| r.warnings.first()) {
        reasons.push(format!(
            "partial data: {} answered with a warning: {}",
            rows_word(warned.len()),
            quote(first)
        ));
    }
    for (status, what) in [(Status::Stale, "stale"), (Status::NoData, "no data")] {
        let names: Vec<&str> = rows
            .iter()
            .filter(|r| r.status.0 == status)
            .map(|r| r.name.as_str())
            .collect();
        if !names.is_empty() {
            reasons.push(format!("{what}: {}", named(&names, NAMED)));
        }
    }
    reasons
}

/// "alerts not read: …", unless the queries failed the same way (said once).
fn alerts_unread(alerts_error: Option<&str>, rows: &[SnapshotRow]) -> Option<String> {
    let error = alerts_error?;
    let said = rows.iter().any(|r| r.error.as_deref() == Some(error));
    (!said).then(|| format!("alerts not read: {}", quote(error)))
}

#[cfg(test)]
mod tests {
    use super::rows::StatusWord;
    use super::*;
    use crate::config::layout::SnapshotKind;
    use crate::model::{Direction, Unit};

    fn row(status: Status, error: bool) -> SnapshotRow {
        SnapshotRow {
            tab: "Overview".into(),
            panel: "KPIs".into(),
            kind: SnapshotKind::Kpi,
            name: "p95".into(),
            backend: None,
            query: "x".into(),
            value: Some(1.0),
            shown: "1".into(),
            unit: Unit::None,
            target: None,
            alert: None,
            direction: Direction::Above,
            status: StatusWord(status),
            error: error.then(|| "timeout".to_string()),
            why_empty: None,
            warnings: Vec::new(),
            target_text: "–".into(),
            alert_text: "–".into(),
        }
    }

    fn firing(severity: &str) -> FiringAlert {
        FiringAlert {
            name: "A".into(),
            backend: None,
            severity: Some(severity.into()),
            summary: String::new(),
        }
    }

    /// The verdict of `rows` and `alerts`, with the alert list unread when `alerts_failed`.
    fn judged(rows: &[SnapshotRow], alerts: &[FiringAlert], alerts_failed: bool) -> Verdict {
        let error = alerts_failed.then_some("HTTP 500");
        let incomplete = !unmeasured_rows(rows, error).is_empty();
        verdict(rows, &[], alerts, alerts_failed, incomplete)
    }

    #[test]
    fn the_verdict_follows_the_nagios_convention() {
        let ok = row(Status::Ok, false);
        assert_eq!(judged(std::slice::from_ref(&ok), &[], false), Verdict::Ok);
        assert_eq!(
            judged(&[ok.clone(), row(Status::Warn, false)], &[], false),
            Verdict::Warning
        );
        assert_eq!(
            judged(&[ok.clone(), row(Status::Error, true)], &[], false),
            Verdict::Warning
        );
        assert_eq!(
            judged(std::slice::from_ref(&ok), &[firing("warning")], false),
            Verdict::Warning
        );
        assert_eq!(
            judged(&[ok.clone(), row(Status::Alert, false)], &[], false),
            Verdict::Critical
        );
        assert_eq!(
            judged(std::slice::from_ref(&ok), &[firing("critical")], false),
            Verdict::Critical
        );
        assert_eq!(
            judged(&[row(Status::Error, true)], &[], true),
            Verdict::Unknown
        );
        assert_eq!(judged(&[], &[], true), Verdict::Unknown);
        assert_eq!(judged(&[], &[], false), Verdict::Ok);
        // A critical page is known even when the rows are not.
        assert_eq!(
            judged(&[row(Status::Error, true)], &[firing("critical")], false),
            Verdict::Critical
        );
    }

    #[test]
    fn what_was_not_measured_is_never_ok() {
        let ok = row(Status::Ok, false);
        let no_data = row(Status::NoData, false);
        let stale = row(Status::Stale, false);
        // Before: OK, OK, OK and OK.
        assert_eq!(
            judged(&[ok.clone(), no_data.clone()], &[], false),
            Verdict::Warning
        );
        assert_eq!(
            judged(&[ok.clone(), stale.clone()], &[], false),
            Verdict::Warning
        );
        assert_eq!(
            judged(&[stale.clone(), stale.clone()], &[], false),
            Verdict::Unknown
        );
        assert_eq!(
            judged(std::slice::from_ref(&no_data), &[], false),
            Verdict::Unknown
        );
        assert_eq!(
            judged(std::slice::from_ref(&ok), &[], true),
            Verdict::Warning,
            "the alert list not read"
        );
        let partial = SnapshotRow {
            warnings: vec!["store eu-1 not answering".into()],
            ..ok.clone()
        };
        assert_eq!(
            judged(std::slice::from_ref(&partial), &[], false),
            Verdict::Warning
        );

        let reasons = unmeasured_rows(
            &[
                ok.clone(),
                row(Status::Error, true),
                no_data,
                stale,
                partial,
            ],
            Some("HTTP 500: Internal Server Error"),
        );
        assert_eq!(
            reasons,
            [
                "partial data: 1 of 5 rows failed: timeout",
                "alerts not read: HTTP 500: Internal Server Error",
                "partial data: 1 row answered with a warning: store eu-1 not answering",
                "stale: p95",
                "no data: p95",
            ]
        );
        let all = unmeasured_rows(&[row(Status::Error, true)], Some("timeout"));
        assert_eq!(all, ["every query failed: timeout"], "said once");
    }

    #[test]
    fn server_text_prints_without_its_escapes() {
        let hostile = "x\x1b]0;pwned\x07\x1b[2J\u{9b}31m";
        let mut alert = firing("critical");
        alert.name = format!("Alert{hostile}");
        alert.summary = format!("summary{hostile}\nsecond line");
        let snapshot = Snapshot {
            prometheus: "http://prom".into(),
            at: 0.0,
            verdict: Verdict::Critical,
            exit_code: 2,
            rows: vec![SnapshotRow {
                error: Some(format!("error{hostile}")),
                warnings: vec![format!("warning{hostile}")],
                ..row(Status::Error, true)
            }],
            slos: Vec::new(),
            alerts: vec![alert],
            alerts_error: Some(format!("alerts{hostile}")),
            reasons: vec![format!("reason{hostile}")],
        };
        let theme = crate::config::Theme::load("default").unwrap();
        let coloured = snapshot.to_text(Some(&theme));
        // The status words' colours are the text's only escapes.
        assert_eq!(coloured.matches('\x1b').count(), 2, "{coloured:?}");
        for out in [
            snapshot.to_text(None),
            snapshot.to_json(),
            snapshot.to_nagios(),
        ] {
            assert!(out.contains("Alert"), "{out}");
            assert!(
                !out.chars().any(|c| c.is_control() && c != '\n') && !out.contains("\\u00"),
                "{out:?}"
            );
        }
        assert_eq!(
            snapshot
                .to_nagios()
                .lines()
                .next()
                .map(|l| l.contains("Alert")),
            Some(true)
        );
    }
}
