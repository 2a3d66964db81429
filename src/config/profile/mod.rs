//! Connection profiles: the `[profiles.NAME]` tables of the config file
//! (`$XDG_CONFIG_HOME/spheroseg-top/config.toml`, else `~/.config/…`), each a server, how
//! to reach it (TLS, credentials, headers) and what to show it with. Its `[keys]` table is
//! kept as written ([`super::keys`]) for the keymap. Unknown keys are
//! errors with file:line:col like layouts'; relative paths are the config file's
//! neighbours. Secrets are never written out: `profiles` lists them as `***`, and error
//! snippets leave values out.

use super::backends::{MAX_BACKENDS, check_name};
use super::duration::ConfigDuration;
use super::error::ConfigError;
use crate::model::duration::Form;
use crate::model::text::escape_controls;
use serde::de::{MapAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Deserializer};
use servers::ServersToml;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

mod servers;

/// The refresh intervals taken. Polling faster than 250ms only loads the server (answers
/// cannot change that fast); a dashboard refreshed less than daily shows nothing live.
pub const REFRESH: std::ops::RangeInclusive<Duration> =
    Duration::from_millis(250)..=Duration::from_secs(86_400);

/// How to reach one server besides its URL. Paths are absolute or relative to the
/// working directory (a profile's are resolved against its file's folder).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    pub ca_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure_skip_verify: Option<bool>,
    pub basic_auth: Option<String>,
    pub password_file: Option<PathBuf>,
    pub bearer_token_file: Option<PathBuf>,
    /// Name and value: in the order given on the command line, by name in a profile.
    pub headers: Vec<(String, String)>,
    pub tenant: Option<String>,
}

/// One `[profiles.NAME]` table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    pub prometheus: Option<String>,
    /// The rest of an HA group (`prometheus = [URL, URL, …]`), asked when the first does
    /// not answer, in this order.
    pub standbys: Vec<String>,
    pub connection: Connection,
    pub alertmanager: Option<String>,
    pub alertmanager_connection: Connection,
    pub layout: Option<String>,
    pub theme: Option<String>,
    pub refresh: Option<Duration>,
    pub rules: Vec<PathBuf>,
    /// `allow_silences = true`: as `--allow-silences`.
    pub allow_silences: bool,
    /// `backends = ["eu", "us"]`: the profiles this one opens side by side, each a
    /// backend named after its profile (checked to name profiles that have none).
    pub backends: Vec<String>,
}

/// A config file's profiles.
#[derive(Clone, Debug, PartialEq)]
pub struct Profiles {
    pub path: PathBuf,
    /// `default_profile`, known to name one of them.
    pub default: Option<String>,
    pub profiles: BTreeMap<String, Profile>,
    /// `[keys]`: actions bound to other keys than the defaults.
    pub keys: super::keys::KeyTable,
}

/// A profile asked for that is not there. Names are written with their control characters
/// escaped: a name from the command line or a file must not act on the terminal.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("no profile named \"{}\" in {} (profiles: {known})", escape_controls(.name), file.display())]
    Unknown {
        name: String,
        file: PathBuf,
        known: String,
    },
    #[error(
        "no profile named \"{}\": there is no config file at {} (profiles are its [profiles.NAME] tables; --config FILE names another)",
        escape_controls(.name),
        file.display()
    )]
    NoConfigFile { name: String, file: PathBuf },
}

/// Where the config file is when `--config` does not say: `$XDG_CONFIG_HOME` (when
/// absolute, as the XDG rules ask) or `~/.config`, then `spheroseg-top/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("spheroseg-top").join("config.toml"))
}

impl Profiles {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text =
            super::file::read_to_string(path, super::file::Kind::Config).map_err(|source| {
                ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let file: FileToml = toml::from_str(text)
            .map_err(|e| without_values(ConfigError::from_toml(path, text, &e)))?;
        let at = |span: std::ops::Range<usize>, key: &str, message: &str| {
            without_values(ConfigError::at(path, text, Some(span), key, message))
        };
        let folder = path.parent().unwrap_or(Path::new(""));
        let mut profiles = BTreeMap::new();
        // Where each `backends` is written: checked once every profile is known.
        let mut spans = Vec::new();
        for (name, raw) in file.profiles {
            if let Some(backends) = &raw.backends {
                spans.push((name.clone(), backends.span()));
            }
            let profile = raw.build(folder).map_err(|(span, key, message)| {
                at(
                    span,
                    &format!("profiles.{}.{key}", escape_controls(&name)),
                    &message,
                )
            })?;
            profiles.insert(name, profile);
        }
        for (name, raw) in &spans {
            check_backends(name, raw, &profiles).map_err(|(span, message)| {
                at(
                    span,
                    &format!("profiles.{}.backends", escape_controls(name)),
                    &message,
                )
            })?;
        }
        if let Some(default) = &file.default_profile
            && !profiles.contains_key(default.get_ref())
        {
            let message = format!(
                "no profile named \"{}\" ({})",
                escape_controls(default.get_ref()),
                names(&profiles)
            );
            return Err(at(default.span(), "default_profile", &message));
        }
        Ok(Self {
            path: path.to_path_buf(),
            default: file.default_profile.map(Spanned::into_inner),
            profiles,
            keys: super::keys::KeyTable::new(path, text, file.keys),
        })
    }

    /// The profile `name` asks for, else the file's default, else none.
    pub fn select(&self, name: Option<&str>) -> Result<Option<&Profile>, ProfileError> {
        let Some(name) = name.or(self.default.as_deref()) else {
            return Ok(None);
        };
        self.profiles
            .get(name)
            .map(Some)
            .ok_or_else(|| ProfileError::Unknown {
                name: name.to_string(),
                file: self.path.clone(),
                known: names(&self.profiles),
            })
    }

    /// Every profile and its keys, secrets as `***`, for `spheroseg-top profiles`.
    pub fn listing(&self, selected: &[String]) -> String {
        let mut out = format!("{}:\n", self.path.display());
        if self.profiles.is_empty() {
            out.push_str("  no profiles ([profiles.NAME] tables)\n");
        }
        let default = self.default.iter().cloned().collect::<Vec<_>>();
        let selected = if selected.is_empty() {
            &default
        } else {
            selected
        };
        for (name, profile) in &self.profiles {
            let mark = if selected.contains(name) { "*" } else { " " };
            let default = if self.default.as_deref() == Some(name) {
                " (default)"
            } else {
                ""
            };
            let _ = writeln!(out, "{mark} {}{default}", escape_controls(name));
            for (key, value) in profile.keys() {
                let _ = writeln!(out, "      {key} = {value}");
            }
        }
        out
    }
}

impl Profile {
    /// Its keys as a config file writes them, secrets masked.
    fn keys(&self) -> Vec<(String, String)> {
        let mut keys = Vec::new();
        let mut text = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                keys.push((key.to_string(), value));
            }
        };
        let servers: Vec<String> = self
            .prometheus
            .iter()
            .chain(&self.standbys)
            .map(|url| masked_url(url))
            .collect();
        let servers = match servers.len() {
            0 | 1 => servers.into_iter().next(),
            _ => Some(format!("[{}]", servers.join(", "))),
        };
        text("prometheus", servers);
        text("layout", self.layout.as_deref().map(quoted));
        text("theme", self.theme.as_deref().map(quoted));
        text(
            "refresh",
            self.refresh.map(|r| quoted(&Form::Setting.duration(r))),
        );
        if !self.rules.is_empty() {
            let rules: Vec<String> = self.rules.iter().map(|p| quoted_path(p)).collect();
            text("rules", Some(format!("[{}]", rules.join(", "))));
        }
        keys.extend(self.connection.keys(""));
        if let Some(url) = &self.alertmanager {
            keys.push(("alertmanager.url".into(), masked_url(url)));
        }
        keys.extend(self.alertmanager_connection.keys("alertmanager."));
        if self.allow_silences {
            keys.push(("allow_silences".into(), "true".into()));
        }
        if !self.backends.is_empty() {
            let names: Vec<String> = self.backends.iter().map(|b| quoted(b)).collect();
            keys.push(("backends".into(), format!("[{}]", names.join(", "))));
        }
        keys
    }
}

impl Connection {
    fn keys(&self, prefix: &str) -> Vec<(String, String)> {
        let mut keys = Vec::new();
        let mut key = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                keys.push((format!("{prefix}{name}"), value));
            }
        };
        let path = |p: &Option<PathBuf>| p.as_deref().map(quoted_path);
        key("ca_cert", path(&self.ca_cert));
        key("client_cert", path(&self.client_cert));
        key("client_key", path(&self.client_key));
        key(
            "insecure_skip_verify",
            self.insecure_skip_verify.map(|b| b.to_string()),
        );
        key("basic_auth", self.basic_auth.as_deref().map(quoted));
        key("password_file", path(&self.password_file));
        key("bearer_token_file", path(&self.bearer_token_file));
        if !self.headers.is_empty() {
            // A header may carry an API key: only the names are shown.
            let names: Vec<String> = self
                .headers
                .iter()
                .map(|(name, _)| format!("{} = \"***\"", quoted(name)))
                .collect();
            key("headers", Some(format!("{{ {} }}", names.join(", "))));
        }
        key("tenant", self.tenant.as_deref().map(quoted));
        keys
    }
}

/// A profile's `backends`: profiles that exist, give a server and name none themselves,
/// each once, at most [`MAX_BACKENDS`], with names a backend may have.
fn check_backends(
    name: &str,
    span: &Span,
    profiles: &BTreeMap<String, Profile>,
) -> Result<(), (Span, String)> {
    let fail = |message: String| Err((span.clone(), message));
    let Some(profile) = profiles.get(name) else {
        return Ok(());
    };
    let backends = &profile.backends;
    if profile.prometheus.is_some() {
        return fail("a profile with backends takes its servers from them: no prometheus".into());
    }
    if backends.is_empty() || backends.len() > MAX_BACKENDS {
        return fail(format!("{} backends: 1 to {MAX_BACKENDS}", backends.len()));
    }
    for (i, backend) in backends.iter().enumerate() {
        check_name(backend).or_else(fail)?;
        if backends[..i].contains(backend) {
            return fail(format!("\"{backend}\" is listed twice"));
        }
        match profiles.get(backend) {
            None => {
                return fail(format!(
                    "no profile named \"{backend}\" ({})",
                    names(profiles)
                ));
            }
            Some(other) if !other.backends.is_empty() => {
                return fail(format!(
                    "\"{backend}\" names backends itself: a backend is a profile with a server"
                ));
            }
            Some(other) if other.prometheus.is_none() => {
                return fail(format!("\"{backend}\" gives no prometheus"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn names(profiles: &BTreeMap<String, Profile>) -> String {
    if profiles.is_empty() {
        return "it has none".to_string();
    }
    profiles
        .keys()
        .map(|name| escape_controls(name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

fn quoted_path(path: &Path) -> String {
    quoted(&path.display().to_string())
}

/// A URL with its password as `***`, whatever the URL looks like.
fn masked_url(text: &str) -> String {
    quoted(&crate::model::text::mask_userinfo(text))
}

/// The error's source line without values: a URL's password or a header's API key must
/// not reach the terminal because a neighbouring key has a typo.
fn without_values(mut error: ConfigError) -> ConfigError {
    if let ConfigError::Invalid(located) = &mut error
        && let Some((key, _)) = located.snippet.split_once('=')
    {
        located.snippet = format!("{}= …", key);
    }
    error
}

/// A layout or theme: a bundled name as it is, a path (as [`super::resolve`] tells them
/// apart) resolved like the profile's other paths.
fn preset_or_path(folder: &Path, spec: String) -> String {
    if spec.contains(std::path::MAIN_SEPARATOR) || spec.ends_with(".toml") {
        return resolve(folder, PathBuf::from(spec)).display().to_string();
    }
    spec
}

/// `~/x` is in the home folder; other relative paths are the config file's neighbours.
fn resolve(folder: &Path, path: PathBuf) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    folder.join(path)
}

type Span = std::ops::Range<usize>;
/// A problem in a profile: where, the key below the profile, and what.
type Problem = (Span, String, String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    default_profile: Option<Spanned<String>>,
    #[serde(default)]
    profiles: BTreeMap<String, ProfileToml>,
    #[serde(default)]
    keys: super::keys::KeysToml,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileToml {
    prometheus: Option<Spanned<ServersToml>>,
    alertmanager: Option<AlertmanagerToml>,
    layout: Option<String>,
    theme: Option<String>,
    refresh: Option<Spanned<ConfigDuration>>,
    #[serde(default)]
    rules: Vec<PathBuf>,
    #[serde(default)]
    allow_silences: bool,
    backends: Option<Spanned<Vec<String>>>,
    ca_cert: Option<Spanned<PathBuf>>,
    client_cert: Option<Spanned<PathBuf>>,
    client_key: Option<Spanned<PathBuf>>,
    insecure_skip_verify: Option<bool>,
    basic_auth: Option<Spanned<String>>,
    password_file: Option<Spanned<PathBuf>>,
    bearer_token_file: Option<Spanned<PathBuf>>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    tenant: Option<String>,
}

/// `alertmanager = "URL"`, or a `[profiles.NAME.alertmanager]` table with `url` and the
/// connection keys.
enum AlertmanagerToml {
    Url(String),
    Table(Box<AlertmanagerTable>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertmanagerTable {
    url: Option<String>,
    ca_cert: Option<Spanned<PathBuf>>,
    client_cert: Option<Spanned<PathBuf>>,
    client_key: Option<Spanned<PathBuf>>,
    insecure_skip_verify: Option<bool>,
    basic_auth: Option<Spanned<String>>,
    password_file: Option<Spanned<PathBuf>>,
    bearer_token_file: Option<Spanned<PathBuf>>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    tenant: Option<String>,
}

impl<'de> Deserialize<'de> for AlertmanagerToml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UrlOrTable;
        impl<'de> Visitor<'de> for UrlOrTable {
            type Value = AlertmanagerToml;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a URL, or a table with url and the connection keys")
            }
            fn visit_str<E: serde::de::Error>(self, url: &str) -> Result<Self::Value, E> {
                Ok(AlertmanagerToml::Url(url.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                AlertmanagerTable::deserialize(MapAccessDeserializer::new(map))
                    .map(|table| AlertmanagerToml::Table(Box::new(table)))
            }
        }
        deserializer.deserialize_any(UrlOrTable)
    }
}

/// The connection keys of a profile or of its Alertmanager table, as written.
struct ConnectionToml {
    ca_cert: Option<Spanned<PathBuf>>,
    client_cert: Option<Spanned<PathBuf>>,
    client_key: Option<Spanned<PathBuf>>,
    insecure_skip_verify: Option<bool>,
    basic_auth: Option<Spanned<String>>,
    password_file: Option<Spanned<PathBuf>>,
    bearer_token_file: Option<Spanned<PathBuf>>,
    headers: BTreeMap<String, String>,
    tenant: Option<String>,
}

impl ProfileToml {
    fn build(self, folder: &Path) -> Result<Profile, Problem> {
        let (alertmanager, alertmanager_connection) = match self.alertmanager {
            None => (None, Connection::default()),
            Some(AlertmanagerToml::Url(url)) => (Some(url), Connection::default()),
            Some(AlertmanagerToml::Table(table)) => {
                let table = *table;
                let connection = ConnectionToml {
                    ca_cert: table.ca_cert,
                    client_cert: table.client_cert,
                    client_key: table.client_key,
                    insecure_skip_verify: table.insecure_skip_verify,
                    basic_auth: table.basic_auth,
                    password_file: table.password_file,
                    bearer_token_file: table.bearer_token_file,
                    headers: table.headers,
                    tenant: table.tenant,
                };
                let built = connection.build(folder).map_err(|(span, key, message)| {
                    (span, format!("alertmanager.{key}"), message)
                })?;
                (table.url, built)
            }
        };
        let refresh = match self.refresh {
            Some(refresh) => Some(
                super::duration::within(refresh.get_ref().0, &REFRESH, "a refresh")
                    .map_err(|message| (refresh.span(), "refresh".into(), message))?,
            ),
            None => None,
        };
        let connection = ConnectionToml {
            ca_cert: self.ca_cert,
            client_cert: self.client_cert,
            client_key: self.client_key,
            insecure_skip_verify: self.insecure_skip_verify,
            basic_auth: self.basic_auth,
            password_file: self.password_file,
            bearer_token_file: self.bearer_token_file,
            headers: self.headers,
            tenant: self.tenant,
        }
        .build(folder)?;
        let (prometheus, standbys) = match self.prometheus {
            Some(servers) => {
                let span = servers.span();
                let (first, standbys) = servers
                    .into_inner()
                    .build()
                    .map_err(|message| (span, "prometheus".to_string(), message))?;
                (Some(first), standbys)
            }
            None => (None, Vec::new()),
        };
        Ok(Profile {
            prometheus,
            standbys,
            connection,
            alertmanager,
            alertmanager_connection,
            layout: self.layout.map(|spec| preset_or_path(folder, spec)),
            theme: self.theme.map(|spec| preset_or_path(folder, spec)),
            refresh,
            rules: self
                .rules
                .into_iter()
                .map(|rule| resolve(folder, rule))
                .collect(),
            allow_silences: self.allow_silences,
            backends: self.backends.map(Spanned::into_inner).unwrap_or_default(),
        })
    }
}

impl ConnectionToml {
    /// Checked: a client certificate with its key, one kind of credential, a password
    /// only for a user.
    fn build(self, folder: &Path) -> Result<Connection, Problem> {
        match (&self.client_cert, &self.client_key) {
            (Some(cert), None) => {
                return Err(problem(
                    cert.span(),
                    "client_cert",
                    "needs client_key as well",
                ));
            }
            (None, Some(key)) => {
                return Err(problem(
                    key.span(),
                    "client_key",
                    "needs client_cert as well",
                ));
            }
            _ => {}
        }
        if let (Some(_), Some(token)) = (&self.basic_auth, &self.bearer_token_file) {
            return Err(problem(
                token.span(),
                "bearer_token_file",
                "give basic_auth or bearer_token_file, not both",
            ));
        }
        if let (None, Some(password)) = (&self.basic_auth, &self.password_file) {
            return Err(problem(
                password.span(),
                "password_file",
                "is the password of basic_auth, which is not given",
            ));
        }
        let path = |p: Option<Spanned<PathBuf>>| p.map(|p| resolve(folder, p.into_inner()));
        Ok(Connection {
            ca_cert: path(self.ca_cert),
            client_cert: path(self.client_cert),
            client_key: path(self.client_key),
            insecure_skip_verify: self.insecure_skip_verify,
            basic_auth: self.basic_auth.map(Spanned::into_inner),
            password_file: path(self.password_file),
            bearer_token_file: path(self.bearer_token_file),
            headers: self.headers.into_iter().collect(),
            tenant: self.tenant,
        })
    }
}

fn problem(span: Span, key: &str, message: &str) -> Problem {
    (span, key.to_string(), message.to_string())
}

#[cfg(test)]
mod tests;
