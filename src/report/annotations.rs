//! The `[[annotation]]` marks (restarts, deploys) a recording holds: gathered from every
//! recorded annotation answer as the replayed app reads it, each moment once.

use super::Report;
use super::time::{ClockStyle, Time};
use crate::app::App;
use crate::view::annotations::marks;
use serde::Serialize;

/// Answers overlap (each covers the chart window): marks of one annotation with the same
/// title this close are the same moment seen again.
const SAME_MOMENT: f64 = 60.0;

/// One marked moment.
#[derive(Clone, Debug, Serialize)]
pub struct AnnotationRow {
    pub at: Time,
    /// The annotation's name in the layout.
    pub annotation: String,
    pub title: String,
}

#[derive(Default)]
pub(super) struct AnnotationLog(Vec<AnnotationRow>);

impl AnnotationLog {
    /// Takes the marks the app knows now that were not seen before.
    pub(super) fn observe(&mut self, app: &App) {
        for mark in marks(app.store()) {
            let seen = self.0.iter().any(|row| {
                row.annotation == mark.annotation
                    && row.title == mark.title
                    && (row.at.unix - mark.time).abs() <= SAME_MOMENT
            });
            if !seen {
                self.0.push(AnnotationRow {
                    at: Time::at(mark.time),
                    annotation: mark.annotation,
                    title: mark.title,
                });
            }
        }
    }

    pub(super) fn into_rows(mut self) -> Vec<AnnotationRow> {
        self.0.sort_by(|a, b| a.at.unix.total_cmp(&b.at.unix));
        self.0
    }
}

impl Report {
    pub(super) fn annotations_section(&self, out: &mut String, clock: ClockStyle) {
        if self.annotations.is_empty() {
            return;
        }
        out.push_str("## Annotations\n\n");
        let rows = self.annotations.iter().map(|a| {
            vec![
                clock.format(a.at.unix),
                a.annotation.clone(),
                a.title.clone(),
            ]
        });
        super::markdown::table(out, &["Time", "Annotation", "Title"], rows);
        out.push('\n');
    }
}
