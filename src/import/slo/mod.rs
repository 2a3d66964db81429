//! SLOs of Sloth (`prometheus/v1` specs) and Pyrra (`ServiceLevelObjective`) as a layout's
//! `[[slo]]`: `import sloth|pyrra FILE` writes them as a layout, `--slo FILE` adds them to
//! the layout in force. A file of another version, an objective outside (0, 100) or an SLI
//! that is not over counters is refused with file:line:col.

pub(crate) mod out;
mod pyrra;
mod sloth;

use crate::config::layout::{Content, Layout};
use crate::config::{ConfigError, Source};
use out::{Doc, SloOut, documents, slo_tables};
use std::path::Path;

/// Which tool wrote a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Sloth,
    Pyrra,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Sloth => "Sloth prometheus/v1 spec",
            Format::Pyrra => "Pyrra ServiceLevelObjective",
        }
    }
}

/// The top-level keys that say what a document is.
#[derive(serde::Deserialize)]
struct Header {
    version: Option<serde_yaml_ng::Value>,
    #[serde(rename = "apiVersion")]
    api_version: Option<serde_yaml_ng::Value>,
    kind: Option<serde_yaml_ng::Value>,
}

fn text_of(value: Option<&serde_yaml_ng::Value>) -> String {
    match value {
        Some(serde_yaml_ng::Value::String(s)) => s.clone(),
        Some(other) => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
        None => String::new(),
    }
}

/// Which format `doc` is in, when its version is one this reads.
fn format_of(doc: &Doc) -> Result<Format, ConfigError> {
    let header: Header =
        serde_yaml_ng::from_str(doc.text).map_err(|e| doc.yaml_error("YAML mapping", &e))?;
    if header.version.is_some() {
        let version = text_of(header.version.as_ref());
        if version != sloth::VERSION {
            return Err(doc.error_at_key(
                "version",
                0,
                "version",
                format!(
                    "unknown Sloth spec version \"{version}\": spheroseg-top reads version \"{}\"",
                    sloth::VERSION
                ),
            ));
        }
        return Ok(Format::Sloth);
    }
    if header.api_version.is_some() {
        let api = text_of(header.api_version.as_ref());
        let kind = text_of(header.kind.as_ref());
        let known = match api.split_once('/') {
            Some(("pyrra.dev", _)) if api == pyrra::API_VERSION && kind == pyrra::KIND => {
                return Ok(Format::Pyrra);
            }
            Some(("pyrra.dev", _)) if api == pyrra::API_VERSION => {
                return Err(doc.error_at_key(
                    "kind",
                    0,
                    "kind",
                    format!(
                        "kind \"{kind}\": spheroseg-top reads Pyrra's {}",
                        pyrra::KIND
                    ),
                ));
            }
            Some(("pyrra.dev", _)) => format!("Pyrra's {} {}", pyrra::API_VERSION, pyrra::KIND),
            Some(("sloth.slok.dev", _)) => format!(
                "Sloth's version \"{}\" spec (sloth generate turns this Kubernetes resource into one)",
                sloth::VERSION
            ),
            _ => format!(
                "a Sloth version \"{}\" spec or Pyrra's {} {}",
                sloth::VERSION,
                pyrra::API_VERSION,
                pyrra::KIND
            ),
        };
        return Err(doc.error_at_key(
            "apiVersion",
            0,
            "apiVersion",
            format!("unknown apiVersion \"{api}\": spheroseg-top reads {known}"),
        ));
    }
    Err(doc.error(
        0,
        "",
        format!(
            "neither a Sloth spec (version: \"{}\") nor a Pyrra {} (apiVersion: {})",
            sloth::VERSION,
            pyrra::KIND,
            pyrra::API_VERSION
        ),
    ))
}

/// The SLOs of `text` (read from `file`): each YAML document a Sloth spec or a Pyrra
/// object, of `expected`'s format when given.
pub fn read(file: &Path, text: &str, expected: Option<Format>) -> Result<Vec<SloOut>, ConfigError> {
    let docs = documents(file, text);
    if docs.is_empty() {
        return Err(ConfigError::at(
            file,
            text,
            None,
            "",
            "an empty file: no SLOs",
        ));
    }
    let mut slos = Vec::new();
    for doc in &docs {
        let format = format_of(doc)?;
        if let Some(expected) = expected.filter(|e| *e != format) {
            return Err(doc.error(
                0,
                "",
                format!("a {}, not a {}", format.name(), expected.name()),
            ));
        }
        match format {
            Format::Sloth => slos.extend(sloth::convert(doc)?),
            Format::Pyrra => slos.push(pyrra::convert(doc)?),
        }
    }
    Ok(slos)
}

/// A layout of `slos` alone: one SLO tab.
pub fn layout(slos: &[SloOut], title: &str, from: &str) -> String {
    let title = toml::Value::String(title.to_string()).to_string();
    format!(
        "title = {title}\n{}\n{}",
        out::SLO_TAB,
        slo_tables(slos, from)
    )
}

/// `source`'s layout with the SLOs of `files` (path, text) added, and an SLO tab when it
/// has no slo panel. The layout's text grows by them, so a recording replays them.
pub fn extend(source: Source, files: &[(&Path, &str)]) -> Result<Layout, ConfigError> {
    if files.is_empty() {
        return Layout::parse(source);
    }
    let mut added = String::new();
    for (path, text) in files {
        let slos = read(path, text, None)?;
        added.push_str(&format!(
            "\n{}",
            slo_tables(&slos, &path.display().to_string())
        ));
    }
    let has_panel = Layout::parse(source.clone())?
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.panels)
        .any(|p| p.kind.content() == Content::Slos);
    let mut text = source.text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if !has_panel {
        text.push_str(out::SLO_TAB);
    }
    text.push_str(&added);
    Layout::parse(Source {
        origin: source.origin,
        text,
    })
}
