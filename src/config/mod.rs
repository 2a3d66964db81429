//! Layouts and themes: TOML files turned into validated, typed models; reading any file
//! the user names ([`file`]).

pub(crate) mod backends;
pub mod colour_depth;
pub(crate) mod duration;
pub(crate) mod error;
pub(crate) mod file;
pub(crate) mod keys;
pub mod layout;
pub mod profile;
pub(crate) mod theme;

pub use error::ConfigError;
pub use layout::Layout;
pub use theme::Theme;

use std::path::{Path, PathBuf};

/// Where a layout or theme comes from: a bundled preset or a file.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// A path for messages: the file, or `layouts/NAME.toml` for bundled presets.
    pub origin: PathBuf,
    pub text: String,
}

/// Resolves `NAME|PATH`: something that looks like a path (a separator or a
/// `.toml` suffix) is read from disk, anything else must be a bundled preset.
pub fn resolve(
    spec: &str,
    kind: &'static str,
    bundled: &[(&'static str, &'static str)],
) -> Result<Source, ConfigError> {
    let looks_like_path = spec.contains(std::path::MAIN_SEPARATOR) || spec.ends_with(".toml");
    if !looks_like_path {
        if let Some((name, text)) = bundled.iter().find(|(name, _)| *name == spec) {
            return Ok(Source {
                origin: Path::new(kind).join(format!("{name}.toml")),
                text: (*text).to_string(),
            });
        }
        if !Path::new(spec).exists() {
            let names: Vec<&str> = bundled.iter().map(|(n, _)| *n).collect();
            return Err(ConfigError::UnknownPreset {
                kind: kind.trim_end_matches('s'),
                name: spec.to_string(),
                known: names.join(", "),
            });
        }
    }
    let origin = PathBuf::from(spec);
    let text =
        file::read_to_string(&origin, file::Kind::Config).map_err(|source| ConfigError::Read {
            path: origin.clone(),
            source,
        })?;
    Ok(Source { origin, text })
}
