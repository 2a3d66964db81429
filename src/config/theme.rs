//! Themes: a palette of named colours and the semantic styles the UI asks for.
//! A user theme extends a bundled one and may set only the keys it cares about.

use super::{ConfigError, Source};
use crate::model::Status;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use toml::Spanned;

pub const BUNDLED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    /// The bundled theme this one starts from; a user theme extends `default` unless it says.
    extends: Option<Spanned<String>>,
    series: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    palette: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    styles: BTreeMap<Spanned<String>, StyleFile>,
}

#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
struct StyleFile {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    bold: Option<bool>,
    dim: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reversed: Option<bool>,
}

/// The semantic styles a theme must define, in the order the UI documents them.
const STYLE_KEYS: &[&str] = &[
    "text",
    "muted",
    "border",
    "border_focus",
    "title",
    "tab",
    "tab_active",
    "ok",
    "warn",
    "alert",
    "stale",
    "error",
    "axis",
    "selection",
    "status_bar",
    "help",
];

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    /// The theme's own text, kept so a recording can embed exactly what was shown.
    pub source: Source,
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub ok: Style,
    pub warn: Style,
    pub alert: Style,
    pub stale: Style,
    pub error: Style,
    pub axis: Style,
    pub selection: Style,
    pub status_bar: Style,
    pub help: Style,
    /// Colours given to chart series in turn.
    pub series: Vec<Color>,
    /// The palette's named colours, for colours a layout names (annotation markers).
    pub palette: BTreeMap<String, Color>,
}

impl Theme {
    /// This theme as a terminal of `depth` can show it: every colour its nearest there.
    pub fn for_depth(&self, depth: super::colour_depth::ColourDepth) -> Theme {
        let map = |style: Style| depth.map_style(style);
        Theme {
            text: map(self.text),
            muted: map(self.muted),
            border: map(self.border),
            border_focus: map(self.border_focus),
            title: map(self.title),
            tab: map(self.tab),
            tab_active: map(self.tab_active),
            ok: map(self.ok),
            warn: map(self.warn),
            alert: map(self.alert),
            stale: map(self.stale),
            error: map(self.error),
            axis: map(self.axis),
            selection: map(self.selection),
            status_bar: map(self.status_bar),
            help: map(self.help),
            series: self.series.iter().map(|c| depth.map(*c)).collect(),
            ..self.clone()
        }
    }

    /// The style a status is drawn in.
    pub fn status(&self, status: Status) -> Style {
        match status {
            Status::Ok => self.ok,
            Status::NoData | Status::Stale => self.stale,
            Status::Error => self.error,
            Status::Warn => self.warn,
            Status::Alert => self.alert,
        }
    }

    /// A colour a layout names: a palette name, a colour name or `#rrggbb`; `None` when
    /// it is none of these.
    pub fn named_color(&self, name: &str) -> Option<Color> {
        self.palette
            .get(name)
            .copied()
            .or_else(|| Color::from_str(name).ok())
    }

    /// The colour of the `i`-th series of a chart.
    pub fn series_color(&self, i: usize) -> Color {
        if self.series.is_empty() {
            Color::Reset
        } else {
            self.series[i % self.series.len()]
        }
    }

    pub fn load(spec: &str) -> Result<Theme, ConfigError> {
        Self::parse(super::resolve(spec, "themes", BUNDLED)?)
    }

    /// Parses a theme and the bundled theme it extends, then resolves every style.
    pub fn parse(source: Source) -> Result<Theme, ConfigError> {
        let top = parse_file(&source)?;
        let name = source
            .origin
            .file_stem()
            .map_or_else(|| "theme".into(), |s| s.to_string_lossy().into_owned());
        let bundled_self = BUNDLED
            .iter()
            .any(|(n, text)| *n == name && *text == source.text);
        let mut layers = Vec::new();
        if !bundled_self {
            let base_name = top
                .extends
                .as_ref()
                .map_or("default", |e| e.get_ref().as_str());
            let Some((_, base_text)) = BUNDLED.iter().find(|(n, _)| *n == base_name) else {
                let span = top.extends.as_ref().map(|e| e.span());
                let known: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
                return Err(ConfigError::at(
                    &source.origin,
                    &source.text,
                    span,
                    "extends",
                    format!(
                        "no bundled theme \"{base_name}\" to extend; expected one of {}",
                        known.join(", ")
                    ),
                ));
            };
            let base = Source {
                origin: format!("themes/{base_name}.toml").into(),
                text: (*base_text).to_string(),
            };
            let file = parse_file(&base)?;
            layers.push((base, file));
        }
        layers.push((source.clone(), top));
        let mut theme = resolve(name, &layers)?;
        theme.source = source;
        Ok(theme)
    }
}

fn parse_file(source: &Source) -> Result<ThemeFile, ConfigError> {
    toml::from_str(&source.text)
        .map_err(|e| ConfigError::from_toml(&source.origin, &source.text, &e))
}

/// The palette's names merged over the layers (later ones win), each with the file and
/// text that defines it.
struct Palette<'a>(BTreeMap<&'a str, (&'a Source, &'a Spanned<String>)>);

impl<'a> Palette<'a> {
    fn merge(layers: &'a [(Source, ThemeFile)]) -> Palette<'a> {
        let mut palette = BTreeMap::new();
        for (source, file) in layers {
            for (key, value) in &file.palette {
                palette.insert(key.as_str(), (source, value));
            }
        }
        Palette(palette)
    }

    /// The colour `value` (in `source`, at `key`) names: a palette name or a literal colour;
    /// an error points at the literal that is not one.
    fn color(
        &self,
        source: &Source,
        key: &str,
        value: &Spanned<String>,
    ) -> Result<Color, ConfigError> {
        let raw = value.get_ref().as_str();
        let (literal_source, literal, key) = match self.0.get(raw) {
            Some((s, v)) => (*s, *v, format!("palette.{raw}")),
            None => (source, value, key.to_string()),
        };
        Color::from_str(literal.get_ref()).map_err(|_| {
            ConfigError::at(&literal_source.origin, &literal_source.text, Some(literal.span()), key, format!("unknown colour \"{}\"; expected a palette name, a colour name (red, lightblue…), #rrggbb or 0-255", literal.get_ref()))
        })
    }

    /// The style `key` after every layer's fields and modifiers, later layers winning.
    fn style(&self, layers: &[(Source, ThemeFile)], key: &str) -> Result<Style, ConfigError> {
        let mut style = Style::default();
        for (source, file) in layers {
            let Some((_, spec)) = file.styles.iter().find(|(k, _)| k.get_ref() == key) else {
                continue;
            };
            if let Some(fg) = &spec.fg {
                style.fg = Some(self.color(source, &format!("styles.{key}.fg"), fg)?);
            }
            if let Some(bg) = &spec.bg {
                style.bg = Some(self.color(source, &format!("styles.{key}.bg"), bg)?);
            }
            for (flag, modifier) in [
                (spec.bold, Modifier::BOLD),
                (spec.dim, Modifier::DIM),
                (spec.italic, Modifier::ITALIC),
                (spec.underline, Modifier::UNDERLINED),
                (spec.reversed, Modifier::REVERSED),
            ] {
                match flag {
                    Some(true) => style = style.add_modifier(modifier),
                    Some(false) => style.add_modifier.remove(modifier),
                    None => {}
                }
            }
        }
        Ok(style)
    }
}

/// Refuses a style name the UI does not know, pointing at it.
fn check_style_keys(layers: &[(Source, ThemeFile)]) -> Result<(), ConfigError> {
    for (source, file) in layers {
        for key in file.styles.keys() {
            if !STYLE_KEYS.contains(&key.get_ref().as_str()) {
                return Err(ConfigError::at(
                    &source.origin,
                    &source.text,
                    Some(key.span()),
                    format!("styles.{}", key.get_ref()),
                    format!(
                        "unknown style \"{}\"; expected one of {}",
                        key.get_ref(),
                        STYLE_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Merges the layers (later ones win, field by field) and turns names into colours.
fn resolve(name: String, layers: &[(Source, ThemeFile)]) -> Result<Theme, ConfigError> {
    let palette = Palette::merge(layers);
    check_style_keys(layers)?;
    let mut styles: BTreeMap<&str, Style> = BTreeMap::new();
    for key in STYLE_KEYS {
        styles.insert(key, palette.style(layers, key)?);
    }

    let mut series = Vec::new();
    if let Some((source, list)) = layers
        .iter()
        .rev()
        .find_map(|(s, f)| f.series.as_ref().map(|l| (s, l)))
    {
        for value in list {
            series.push(palette.color(source, "series", value)?);
        }
    }

    let mut named = BTreeMap::new();
    for (key, (source, value)) in &palette.0 {
        named.insert(
            key.to_string(),
            palette.color(source, &format!("palette.{key}"), value)?,
        );
    }
    let get = |key: &str| styles.get(key).copied().unwrap_or_default();
    Ok(Theme {
        palette: named,
        name,
        text: get("text"),
        muted: get("muted"),
        border: get("border"),
        border_focus: get("border_focus"),
        title: get("title"),
        tab: get("tab"),
        tab_active: get("tab_active"),
        ok: get("ok"),
        warn: get("warn"),
        alert: get("alert"),
        stale: get("stale"),
        error: get("error"),
        axis: get("axis"),
        selection: get("selection"),
        status_bar: get("status_bar"),
        help: get("help"),
        series,
        source: Source::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Result<Theme, ConfigError> {
        Theme::parse(Source {
            origin: "mine.toml".into(),
            text: text.to_string(),
        })
    }

    #[test]
    fn bundled_themes_load() {
        for (name, _) in BUNDLED {
            let theme = Theme::load(name).unwrap();
            assert_ne!(
                theme.alert, theme.ok,
                "{name}: alert must look different from ok"
            );
            assert_ne!(
                theme.warn, theme.ok,
                "{name}: warn must look different from ok"
            );
        }
    }

    #[test]
    fn a_user_theme_overrides_only_what_it_sets() {
        let base = Theme::load("default").unwrap();
        let theme = user("[styles]\nalert = { fg = \"#ff00ff\" }\n").unwrap();
        assert_eq!(theme.alert.fg, Some(Color::Rgb(255, 0, 255)));
        assert_eq!(
            theme.alert.add_modifier, base.alert.add_modifier,
            "bold is kept from the base"
        );
        assert_eq!(theme.ok, base.ok);
    }

    #[test]
    fn palette_names_resolve_and_can_be_overridden() {
        let theme = user("[palette]\nred = \"#100000\"\n").unwrap();
        let base = Theme::load("default").unwrap();
        assert_ne!(theme.alert.fg, base.alert.fg);
    }

    #[test]
    fn bad_colours_and_keys_are_located() {
        let err = user("[styles]\nok = { fg = \"grene\" }\n").unwrap_err();
        let loc = err.location().unwrap();
        assert_eq!((loc.line, loc.column), (2, 13));
        assert_eq!(loc.key, "styles.ok.fg");
        let err = user("[styles]\nokk = { fg = \"red\" }\n").unwrap_err();
        assert!(err.to_string().contains("unknown style \"okk\""), "{err}");
        let err = user("[styles]\nok = { fgg = \"red\" }\n").unwrap_err();
        assert_eq!(err.location().unwrap().key, "fgg");
    }
}
