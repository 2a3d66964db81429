//! The conversion report: every panel, row, variable and annotation of the dashboards,
//! converted, approximated (and why) or skipped (and why). Text for the terminal, JSON
//! for `--report FILE`.

use super::text::one_line;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Converted,
    Approximated,
    Skipped,
}

/// What became of one thing in a dashboard.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// The dashboard file it is in.
    pub dashboard: String,
    /// panel, row, variable or annotation.
    pub what: &'static str,
    pub id: Option<i64>,
    pub title: String,
    /// Grafana's panel or variable type.
    pub grafana_type: String,
    pub outcome: Outcome,
    /// The layout's kind (chart, stat, tab, query variable…) when converted.
    pub converted_as: Option<String>,
    /// Why it was approximated or skipped.
    pub because: Vec<String>,
    /// Facts that lose nothing Grafana showed.
    pub notes: Vec<String>,
}

impl Entry {
    pub fn converted(
        dashboard: &str,
        what: &'static str,
        id: Option<i64>,
        title: &str,
        grafana_type: &str,
        converted_as: &str,
        approximations: Vec<String>,
    ) -> Entry {
        Entry {
            dashboard: dashboard.to_string(),
            what,
            id,
            title: title.to_string(),
            grafana_type: grafana_type.to_string(),
            outcome: if approximations.is_empty() {
                Outcome::Converted
            } else {
                Outcome::Approximated
            },
            converted_as: Some(converted_as.to_string()),
            because: approximations,
            notes: Vec::new(),
        }
    }

    /// Adds a loss found after conversion (where the panel was placed).
    pub fn approximate(&mut self, because: String) {
        if self.outcome == Outcome::Converted {
            self.outcome = Outcome::Approximated;
        }
        self.because.push(because);
    }

    pub fn skipped(
        dashboard: &str,
        what: &'static str,
        id: Option<i64>,
        title: &str,
        grafana_type: &str,
        because: String,
    ) -> Entry {
        Entry {
            dashboard: dashboard.to_string(),
            what,
            id,
            title: title.to_string(),
            grafana_type: grafana_type.to_string(),
            outcome: Outcome::Skipped,
            converted_as: None,
            because: vec![because],
            notes: Vec::new(),
        }
    }
}

/// One dashboard read.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    pub file: String,
    pub title: String,
    pub uid: Option<String>,
    pub schema_version: i64,
    /// The time range Grafana opens it on, e.g. `now-24h → now`.
    pub time: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub converted: usize,
    pub approximated: usize,
    pub skipped: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub dashboards: Vec<Dashboard>,
    pub entries: Vec<Entry>,
}

/// The report as `--report FILE` writes it.
#[derive(Serialize)]
struct Json<'a> {
    dashboards: &'a [Dashboard],
    summary: Summary,
    entries: &'a [Entry],
}

impl Report {
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// How many entries had each outcome.
    pub fn summary(&self) -> Summary {
        let count = |outcome| self.entries.iter().filter(|e| e.outcome == outcome).count();
        Summary {
            converted: count(Outcome::Converted),
            approximated: count(Outcome::Approximated),
            skipped: count(Outcome::Skipped),
        }
    }

    /// Whether anything was approximated or skipped (`--strict` fails then).
    pub fn is_lossy(&self) -> bool {
        self.entries.iter().any(|e| e.outcome != Outcome::Converted)
    }

    pub fn to_json(&self) -> String {
        let json = Json {
            dashboards: &self.dashboards,
            summary: self.summary(),
            entries: &self.entries,
        };
        // Plain strings, numbers and enums: serialising cannot fail.
        serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
    }

    /// One line per entry, grouped by dashboard, and a closing count.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for dashboard in &self.dashboards {
            // Titles are the file's text: no control character reaches the terminal.
            let _ = writeln!(
                out,
                "{} \"{}\":",
                one_line(&dashboard.file),
                one_line(&dashboard.title)
            );
            for e in self
                .entries
                .iter()
                .filter(|e| e.dashboard == dashboard.file)
            {
                let id = e.id.map(|i| format!(" #{i}")).unwrap_or_default();
                let head = format!(
                    "  {}{id} \"{}\" ({})",
                    e.what,
                    one_line(&e.title),
                    one_line(&e.grafana_type)
                );
                let target = e.converted_as.as_deref().unwrap_or("");
                let _ = match e.outcome {
                    Outcome::Converted => writeln!(out, "{head} → {target}: converted"),
                    Outcome::Approximated => writeln!(
                        out,
                        "{head} → {target}: approximated because {}",
                        e.because.join("; ")
                    ),
                    Outcome::Skipped => {
                        writeln!(out, "{head}: skipped because {}", e.because.join("; "))
                    }
                };
                for note in &e.notes {
                    let _ = writeln!(out, "      note: {note}");
                }
            }
        }
        let s = self.summary();
        let _ = writeln!(
            out,
            "{} converted, {} approximated, {} skipped",
            s.converted, s.approximated, s.skipped
        );
        // Reasons quote the file too (a panel type, a variable's query): no control
        // character of it reaches the terminal.
        out.lines()
            .map(|line| line.replace(char::is_control, " ") + "\n")
            .collect()
    }
}

/// The name serde gives a layout enum (`kpi_table`), for the report and notes.
pub fn word(value: &impl Serialize) -> String {
    match toml::Value::try_from(value) {
        Ok(toml::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(e) => format!("(not written: {e})"),
    }
}
