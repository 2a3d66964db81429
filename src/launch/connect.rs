//! From the command line, the environment and the config file's profile to HTTP clients for
//! Prometheus and Alertmanager. Each setting is taken from the first layer that gives it:
//! flags, then the environment (`SPHEROSEG_BEARER_TOKEN`, `SPHEROSEG_PASSWORD`), then the
//! profile, then the built-in default; Alertmanager's own flags and profile table come
//! first for it, Prometheus' settings after them — Prometheus' credential, headers and
//! tenant only when Alertmanager is on Prometheus' origin (scheme, host and port), so they
//! never go to another server or over plain http when Prometheus is https. Secret files are
//! read here, and a file that cannot be used stops the start with its path and the reason
//! (exit code 2).

use super::InvalidInput;
use super::backends::{self, Backend};
use crate::cli::Options;
use crate::config::profile::{self, Connection, Profile, ProfileError, Profiles};
use crate::prom::{BasicAuth, ClientOptions, PromClient, ProxyPolicy, TlsOptions};
use crate::source::live::Replicas;
use crate::source::live::backends::BackendServers;
use std::path::{Path, PathBuf};
use url::Url;

const BEARER_TOKEN_VARIABLE: &str = "SPHEROSEG_BEARER_TOKEN";
const PASSWORD_VARIABLE: &str = "SPHEROSEG_PASSWORD";

/// The clients a live dashboard polls.
pub struct Clients {
    pub prometheus: PromClient,
    /// The rest of the profile's HA group, with Prometheus' settings.
    pub standbys: Vec<PromClient>,
    pub alertmanager: Option<PromClient>,
    /// Certificates go unchecked for one of them (`--insecure-skip-verify`).
    pub insecure: bool,
    /// What the user should hear once on start: Prometheus' credentials held back from an
    /// Alertmanager elsewhere.
    pub notes: Vec<Note>,
}

/// Something said once on start: in full on stderr and in the log pane, briefly where
/// room is short (the status bar).
pub struct Note {
    pub brief: &'static str,
    pub full: String,
}

/// What the config file and the command line select: the file's profiles (for
/// `spheroseg-top profiles`) and the backends the run shows.
pub struct Selected {
    pub file: Option<Profiles>,
    pub backends: Vec<Backend>,
}

/// The clients of every backend, and what the run says of them.
pub struct Connected {
    pub servers: Vec<BackendServers>,
    /// Where the data comes from, for the status bar: each backend's name and server.
    pub label: String,
    /// Certificates go unchecked for one of them.
    pub insecure: bool,
    pub notes: Vec<Note>,
}

pub fn each(backends: &[Backend]) -> Result<Connected, InvalidInput> {
    let mut connected = Connected {
        servers: Vec::new(),
        label: String::new(),
        insecure: false,
        notes: Vec::new(),
    };
    for backend in backends {
        let clients = clients(&backend.options, backend.options.prometheus_url())?;
        connected.insecure |= clients.insecure;
        connected.notes.extend(clients.notes);
        connected.servers.push(BackendServers {
            servers: Replicas::new(clients.prometheus, clients.standbys),
            alertmanager: clients.alertmanager,
        });
    }
    let urls: Vec<&str> = connected
        .servers
        .iter()
        .map(|b| b.servers.first().display_url())
        .collect();
    connected.label = backends::label(backends, &urls);
    Ok(connected)
}

/// Reads the config file (`--config`, else the default one when it exists) and fills what
/// the flags and the environment left unset from the selected profile; several profiles
/// (`--profile` repeated, or one whose `backends` names them) are a backend each, and
/// the first fills the settings they share (layout, theme, refresh).
pub fn apply_profile(options: &mut Options) -> anyhow::Result<Selected> {
    let file = match &options.config {
        Some(path) => Some(Profiles::load(path)?),
        None => match profile::default_path() {
            Some(path) if path.exists() => Some(Profiles::load(&path)?),
            _ => None,
        },
    };
    let mut selected: Vec<(&str, &Profile)> = Vec::new();
    match (&file, options.profile.as_slice()) {
        (Some(profiles), []) => selected.extend(profiles.select(None)?.map(|p| ("", p))),
        (Some(profiles), names) => {
            for name in names {
                if let Some(profile) = profiles.select(Some(name))? {
                    selected.push((name, profile));
                }
            }
        }
        (None, [name, ..]) => {
            return Err(ProfileError::NoConfigFile {
                name: name.clone(),
                file: default_location(),
            }
            .into());
        }
        (None, []) => {}
    }
    // A group: its own settings are shared, its backends are the profiles it names.
    if let (Some(profiles), [(_, group)]) = (&file, selected.as_slice())
        && !group.backends.is_empty()
    {
        let group = *group;
        options.apply_profile(group);
        selected = group
            .backends
            .iter()
            .filter_map(|name| Some((name.as_str(), profiles.select(Some(name)).ok()??)))
            .collect();
    }
    let backends = match selected.as_slice() {
        [] => backends::from_flags(options)?,
        [(_, profile)] => {
            options.apply_profile(profile);
            backends::from_flags(options)?
        }
        several => {
            let backends = backends::from_profiles(options, several)?;
            options.apply_profile(several[0].1);
            backends
        }
    };
    // The first backend's server is the run's, for what shows one server.
    options
        .prometheus
        .clone_from(&backends[0].options.prometheus);
    Ok(Selected { file, backends })
}

/// What `spheroseg-top profiles` prints.
pub fn listing(file: Option<&Profiles>, options: &Options) -> String {
    match file {
        Some(profiles) => profiles.listing(&options.profile),
        None => format!(
            "no config file at {} (profiles are its [profiles.NAME] tables; --config FILE names another)\n",
            default_location().display()
        ),
    }
}

fn default_location() -> PathBuf {
    profile::default_path().unwrap_or_else(|| PathBuf::from("~/.config/spheroseg-top/config.toml"))
}

/// The clients for Prometheus at `url` and for `--alertmanager`, as the options say.
pub fn clients(options: &Options, url: &str) -> Result<Clients, InvalidInput> {
    let environment = Environment::read()?;
    let flags = options.connection.layer().map_err(InvalidInput)?;
    let prometheus = [
        Layer::Settings(&flags),
        Layer::Environment(&environment),
        Layer::Settings(&options.profile_connection),
    ];
    let common = ClientOptions {
        timeout: options.query_timeout,
        proxy: if options.no_proxy {
            ProxyPolicy::Off
        } else {
            ProxyPolicy::Environment
        },
        ..ClientOptions::default()
    };
    let prometheus_options = resolve(&[&prometheus], 1, &common)?;
    let mut notes = Vec::new();
    // Unchecked certificates matter only where there are certificates.
    let unchecked = |options: &ClientOptions, client: &PromClient| {
        options.tls.insecure_skip_verify && client.display_url().starts_with("https://")
    };
    let alertmanager = match &options.alertmanager {
        Some(am_url) => {
            let flags = options
                .alertmanager_connection
                .layer()
                .map_err(InvalidInput)?;
            let own = [
                Layer::Settings(&flags),
                Layer::Settings(&options.profile_alertmanager_connection),
            ];
            let groups: [&[Layer]; 2] = [&own, &prometheus];
            let inherited = resolve(&groups, 2, &common)?;
            let alertmanager_options = if same_origin(url, am_url) {
                inherited
            } else {
                let own_only = resolve(&groups, 1, &common)?;
                if sends_less(&own_only, &inherited) {
                    notes.push(Note {
                        brief: "⚠ Prometheus' credentials not sent to Alertmanager elsewhere \
                                (L: log)",
                        full: format!(
                            "Alertmanager {} is not on Prometheus' origin: Prometheus' \
                             credential, headers and tenant are not sent to it (give it its \
                             own with --alertmanager-bearer-token-file, \
                             --alertmanager-basic-auth, --alertmanager-header, \
                             --alertmanager-tenant or the profile's \
                             [profiles.NAME.alertmanager] table)",
                            crate::model::text::mask_userinfo(am_url)
                        ),
                    });
                }
                own_only
            };
            let client = PromClient::new(am_url, alertmanager_options.clone())
                .map_err(|e| InvalidInput(format!("--alertmanager: {e}")))?;
            Some((client, alertmanager_options))
        }
        None => None,
    };
    let prometheus = PromClient::new(url, prometheus_options.clone())
        .map_err(|e| InvalidInput(e.to_string()))?;
    let standbys = standbys(options, url, &prometheus_options)?;
    let insecure = unchecked(&prometheus_options, &prometheus)
        || alertmanager
            .as_ref()
            .is_some_and(|(client, options)| unchecked(options, client));
    let alertmanager = alertmanager.map(|(client, _)| client);
    Ok(Clients {
        prometheus,
        standbys,
        alertmanager,
        insecure,
        notes,
    })
}

/// The rest of the profile's HA group, with the first server's settings; the group is the
/// profile's, so only where its first server is the one asked.
fn standbys(
    options: &Options,
    url: &str,
    settings: &ClientOptions,
) -> Result<Vec<PromClient>, InvalidInput> {
    if url != options.prometheus_url() {
        return Ok(Vec::new());
    }
    options
        .standbys
        .iter()
        .map(|standby| PromClient::new(standby, settings.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InvalidInput(e.to_string()))
}

/// Whether two URLs are one origin (scheme, host and port); text that is no URL is
/// nobody's origin.
fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin().is_tuple() && a.origin() == b.origin(),
        _ => false,
    }
}

/// Whether `own` leaves out a credential, header or tenant that `inherited` sends.
fn sends_less(own: &ClientOptions, inherited: &ClientOptions) -> bool {
    own.bearer_token != inherited.bearer_token
        || own.basic_auth != inherited.basic_auth
        || own.headers != inherited.headers
        || own.tenant != inherited.tenant
}

/// The secrets the environment gives; empty variables count as unset.
struct Environment {
    bearer_token: Option<String>,
    password: Option<String>,
}

impl Environment {
    fn read() -> Result<Self, InvalidInput> {
        let variable = |name: &str| match std::env::var(name) {
            Ok(value) if value.is_empty() => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(InvalidInput(format!("{name} is not valid UTF-8")))
            }
        };
        Ok(Self {
            bearer_token: variable(BEARER_TOKEN_VARIABLE)?,
            password: variable(PASSWORD_VARIABLE)?,
        })
    }
}

/// One source of settings; a group of them (Alertmanager's own, Prometheus') is ordered
/// from the strongest.
enum Layer<'a> {
    Settings(&'a Connection),
    Environment(&'a Environment),
}

/// Where a secret is: a file to read, or the value of a variable.
enum Secret<'a> {
    File(&'a Path),
    Value(&'a str),
}

enum Credential<'a> {
    Bearer(Secret<'a>),
    Basic(&'a str),
}

impl Layer<'_> {
    fn settings(&self) -> Option<&Connection> {
        match self {
            Layer::Settings(connection) => Some(connection),
            Layer::Environment(_) => None,
        }
    }

    fn credential(&self) -> Option<Credential<'_>> {
        match self {
            Layer::Settings(c) => match (&c.bearer_token_file, &c.basic_auth) {
                (Some(file), _) => Some(Credential::Bearer(Secret::File(file))),
                (None, Some(user)) => Some(Credential::Basic(user)),
                (None, None) => None,
            },
            Layer::Environment(env) => env
                .bearer_token
                .as_deref()
                .map(|token| Credential::Bearer(Secret::Value(token))),
        }
    }

    fn password(&self) -> Option<Secret<'_>> {
        match self {
            Layer::Settings(c) => c.password_file.as_deref().map(Secret::File),
            Layer::Environment(env) => env.password.as_deref().map(Secret::Value),
        }
    }
}

/// The client options the `groups` of layers give, strongest first; the credential, the
/// headers and the tenant come from the first `sending` groups only (Alertmanager elsewhere
/// gets none of Prometheus'). A credential comes whole from the first group that names one
/// (Alertmanager's user never gets Prometheus' password); a client certificate comes with
/// its key from one layer; headers add up, the stronger layer's winning for a name.
fn resolve(
    groups: &[&[Layer]],
    sending: usize,
    common: &ClientOptions,
) -> Result<ClientOptions, InvalidInput> {
    let layers = settings(groups);
    let groups = &groups[..sending.min(groups.len())];
    let senders = settings(groups);
    let first =
        |field: fn(&Connection) -> Option<&PathBuf>| layers.iter().find_map(|c| field(c)).cloned();
    let client_pair = layers.iter().find(|c| c.client_cert.is_some());
    let tls = TlsOptions {
        ca_cert: first(|c| c.ca_cert.as_ref()),
        client_cert: client_pair.and_then(|c| c.client_cert.clone()),
        client_key: client_pair.and_then(|c| c.client_key.clone()),
        insecure_skip_verify: layers
            .iter()
            .find_map(|c| c.insecure_skip_verify)
            .unwrap_or(false),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in senders.iter().flat_map(|c| &c.headers) {
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            headers.push((name.clone(), value.clone()));
        }
    }
    let mut options = ClientOptions {
        tls,
        headers,
        tenant: senders.iter().find_map(|c| c.tenant.clone()),
        ..common.clone()
    };
    let Some((group, credential)) = groups
        .iter()
        .find_map(|group| Some((group, group.iter().find_map(Layer::credential)?)))
    else {
        return Ok(options);
    };
    match credential {
        Credential::Bearer(secret) => {
            // The client checks a token's characters, in a message that quotes none.
            options.bearer_token = Some(secret.text("bearer token", str::trim)?);
        }
        Credential::Basic(user) => {
            let password = group.iter().find_map(Layer::password).ok_or_else(|| {
                InvalidInput(format!(
                    "basic auth as {user} has no password: give --password-file FILE, \
                     {PASSWORD_VARIABLE} or the profile's password_file"
                ))
            })?;
            options.basic_auth = Some(BasicAuth {
                user: user.to_string(),
                // A password may begin or end with a space; the line end is not part of it.
                password: password.text("password", |text| text.trim_end_matches(['\n', '\r']))?,
            });
        }
    }
    Ok(options)
}

/// The settings of `groups`, strongest first (the environment has none but secrets).
fn settings<'s>(groups: &'s [&'s [Layer<'s>]]) -> Vec<&'s Connection> {
    groups
        .iter()
        .flat_map(|group| group.iter().filter_map(Layer::settings))
        .collect()
}

impl Secret<'_> {
    fn text(&self, what: &str, clean: fn(&str) -> &str) -> Result<String, InvalidInput> {
        match self {
            Secret::File(path) => read_secret(what, path, clean),
            Secret::Value(value) => Ok((*value).to_string()),
        }
    }
}

/// The secret in `path`, `clean`ed of the line end editors add. An empty one or one with
/// control characters is refused here: sent, it could only fail on every request.
fn read_secret(what: &str, path: &Path, clean: fn(&str) -> &str) -> Result<String, InvalidInput> {
    let text = crate::config::file::read_to_string(path, crate::config::file::Kind::Secret)
        .map_err(|e| {
            InvalidInput(format!(
                "cannot read the {what} file {}: {e}",
                path.display()
            ))
        })?;
    let secret = clean(&text);
    if secret.is_empty() {
        return Err(InvalidInput(format!(
            "the {what} file {} is empty",
            path.display()
        )));
    }
    if secret.chars().any(char::is_control) {
        return Err(InvalidInput(format!(
            "the {what} in {} has control characters (a binary file, or several lines?)",
            path.display()
        )));
    }
    Ok(secret.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(token: Option<&str>, password: Option<&str>) -> Environment {
        Environment {
            bearer_token: token.map(str::to_string),
            password: password.map(str::to_string),
        }
    }

    fn user(name: &str) -> Connection {
        Connection {
            basic_auth: Some(name.to_string()),
            ..Connection::default()
        }
    }

    fn basic(options: &ClientOptions) -> Option<(&str, &str)> {
        options
            .basic_auth
            .as_ref()
            .map(|b| (b.user.as_str(), b.password.as_str()))
    }

    #[test]
    fn a_credential_comes_from_the_strongest_layer_that_names_one() {
        let common = ClientOptions::default();
        let flags = Connection::default();
        let environment = env(Some("env-token"), Some("env-pw"));
        let profile = user("ops");
        let layers = [
            Layer::Settings(&flags),
            Layer::Environment(&environment),
            Layer::Settings(&profile),
        ];
        // The environment's token wins over the profile's user.
        let options = resolve(&[&layers], 1, &common).unwrap();
        assert_eq!(options.bearer_token.as_deref(), Some("env-token"));
        assert!(options.basic_auth.is_none());
        // A flag's user wins over the environment's token, and takes its password.
        let flags = user("admin");
        let layers = [
            Layer::Settings(&flags),
            Layer::Environment(&environment),
            Layer::Settings(&profile),
        ];
        let options = resolve(&[&layers], 1, &common).unwrap();
        assert_eq!(basic(&options), Some(("admin", "env-pw")));
        assert!(options.bearer_token.is_none());
    }

    #[test]
    fn alertmanager_never_pairs_its_user_with_prometheus_password() {
        let common = ClientOptions::default();
        let environment = env(None, Some("prometheus-pw"));
        let prometheus_flags = Connection {
            ca_cert: Some("company-ca.pem".into()),
            tenant: Some("team-a".into()),
            ..user("ops")
        };
        let prometheus = [
            Layer::Settings(&prometheus_flags),
            Layer::Environment(&environment),
        ];
        // Nothing of its own: Alertmanager is reached as Prometheus is.
        let none = Connection::default();
        let own = [Layer::Settings(&none)];
        let options = resolve(&[&own, &prometheus], 2, &common).unwrap();
        assert_eq!(basic(&options), Some(("ops", "prometheus-pw")));
        assert_eq!(options.tenant.as_deref(), Some("team-a"));
        assert_eq!(options.tls.ca_cert, Some("company-ca.pem".into()));
        // A user of its own needs a password of its own.
        let am_user = user("am");
        let own = [Layer::Settings(&am_user)];
        let refused = resolve(&[&own, &prometheus], 2, &common).unwrap_err();
        assert!(
            refused.0.contains("basic auth as am has no password"),
            "{}",
            refused.0
        );
    }

    #[test]
    fn only_prometheus_origin_inherits_what_it_sends() {
        let prometheus = "https://ops:pw@mimir.corp/prometheus";
        assert!(same_origin(prometheus, "https://mimir.corp/alertmanager"));
        assert!(same_origin(prometheus, "https://mimir.corp:443/"));
        // A downgraded scheme, another port, another host, no URL at all.
        for elsewhere in [
            "http://mimir.corp/alertmanager",
            "https://mimir.corp:9093",
            "https://am.corp",
            "mimir.corp/alertmanager",
        ] {
            assert!(!same_origin(prometheus, elsewhere), "{elsewhere}");
        }
        let common = ClientOptions::default();
        let flags = Connection {
            headers: vec![("X-Key".into(), "k".into())],
            tenant: Some("team-a".into()),
            ca_cert: Some("company-ca.pem".into()),
            ..Connection::default()
        };
        let environment = env(Some("prometheus-token"), None);
        let prometheus = [Layer::Settings(&flags), Layer::Environment(&environment)];
        let own = Connection::default();
        let own = [Layer::Settings(&own)];
        let elsewhere = resolve(&[&own, &prometheus], 1, &common).unwrap();
        assert!(elsewhere.bearer_token.is_none() && elsewhere.headers.is_empty());
        assert!(elsewhere.tenant.is_none());
        // The CA is no secret: a company CA serves every server.
        assert_eq!(elsewhere.tls.ca_cert, Some("company-ca.pem".into()));
        let inherited = resolve(&[&own, &prometheus], 2, &common).unwrap();
        assert!(sends_less(&elsewhere, &inherited));
        assert!(!sends_less(&inherited, &inherited));
    }

    #[test]
    fn headers_add_up_and_a_client_certificate_keeps_its_key() {
        let flags = Connection {
            headers: vec![("X-Env".into(), "flag".into())],
            client_cert: Some("flag.pem".into()),
            client_key: Some("flag-key.pem".into()),
            ..Connection::default()
        };
        let profile = Connection {
            headers: vec![
                ("x-env".into(), "profile".into()),
                ("X-Key".into(), "k".into()),
            ],
            client_cert: Some("profile.pem".into()),
            client_key: Some("profile-key.pem".into()),
            insecure_skip_verify: Some(true),
            ..Connection::default()
        };
        let layers = [Layer::Settings(&flags), Layer::Settings(&profile)];
        let options = resolve(&[&layers], 1, &ClientOptions::default()).unwrap();
        assert_eq!(
            options.headers,
            [
                ("X-Env".to_string(), "flag".to_string()),
                ("X-Key".to_string(), "k".to_string())
            ]
        );
        assert_eq!(options.tls.client_key, Some("flag-key.pem".into()));
        assert!(options.tls.insecure_skip_verify);
    }
}
