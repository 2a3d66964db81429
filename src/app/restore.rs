//! A recording's dashboard as it was: the layout, theme and rule files embedded in its
//! header, loaded the way the live session loaded them.

use super::{App, SourceInfo};
use crate::alerts::RuleFileError;
use crate::config::{ConfigError, Source};
use crate::session::{ConfigText, Header};

/// Why a recording's embedded configuration does not load (a recording from a newer
/// version with panel kinds this one lacks, or a hand-edited file).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("the recording's layout or theme: {0}")]
    Config(#[from] ConfigError),
    #[error("the recording's rule file: {0}")]
    Rules(#[from] RuleFileError),
}

/// The dashboard of the recorded session, before any of its data.
pub fn app(header: &Header) -> Result<App, RestoreError> {
    let layout = header.layout()?;
    let theme = header.theme()?;
    let rules = header.rule_files()?;
    let info = SourceInfo {
        label: header.source.clone(),
        refresh: header.refresh,
        note: None,
    };
    Ok(App::new(layout, theme, info)
        .with_rules(&rules)
        .with_backends(header.backends.clone()))
}

/// The header a live session writes: where from, and exactly what it showed.
pub fn header(app: &App, rule_texts: Vec<ConfigText>) -> Header {
    let text = |s: &Source| ConfigText {
        origin: s.origin.display().to_string(),
        text: s.text.clone(),
    };
    let mut header = Header::new(
        &app.source.label,
        app.source.refresh,
        text(&app.layout.source),
        text(&app.theme.source),
    );
    header.rules = rule_texts;
    header.backends.clone_from(&app.backend_names);
    header
}
