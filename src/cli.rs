//! The command line: flags and subcommands, nothing else ([`crate::launch`] runs them).

use crate::app::keymap;
use crate::config::profile::{self, Connection, Profile};
use crate::source::live::DEFAULT_CONCURRENCY;
use clap::{Args, Parser, Subcommand};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

/// Where the dashboard looks when neither a flag, the environment nor a profile says.
pub const DEFAULT_PROMETHEUS: &str = "http://localhost:9090";
pub const DEFAULT_LAYOUT: &str = "spheroseg";

/// A live terminal dashboard for SpherosegV4, fed by Prometheus.
#[derive(Debug, Parser)]
// The manual page's keys; `--help` lists those in force (`launch::keys::command_line`).
#[command(
    name = "spheroseg-top",
    version,
    after_help = keymap::Keymap::default().help_text(keymap::AS_SHIPPED)
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

#[derive(Clone, Debug, Args)]
pub struct Options {
    /// Prometheus base URL (or VictoriaMetrics', Thanos Query's, Mimir's); `user:password@`
    /// in it is sent as basic auth and never shown. NAME=URL, repeated, shows several side
    /// by side (at most 8) [default: http://localhost:9090]
    // No default_value here or below: a profile's value must show through an unset flag;
    // the defaults come after the merge.
    #[arg(
        long,
        env = "SPHEROSEG_PROMETHEUS_URL",
        // The value may carry a password: --help names the variable, never its value.
        hide_env_values = true,
        value_name = "[NAME=]URL",
        global = true
    )]
    pub prometheus: Vec<String>,
    /// The config file holding the profiles [default: $XDG_CONFIG_HOME or
    /// ~/.config, then spheroseg-top/config.toml]
    #[arg(long, value_name = "FILE", env = "SPHEROSEG_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// The config file's [profiles.NAME] to use (server, connection, layout, theme, refresh,
    /// rules); flags and the environment win over it. Repeated, each profile is a backend
    /// shown side by side, named after it [default: its default_profile]
    #[arg(long, value_name = "NAME", env = "SPHEROSEG_PROFILE", global = true)]
    pub profile: Vec<String>,
    /// Layout: a bundled name (spheroseg) or a path to a TOML file [default: spheroseg]
    #[arg(long, global = true)]
    pub layout: Option<String>,
    /// SLOs to add to the layout, from a Sloth prometheus/v1 spec or a Pyrra
    /// ServiceLevelObjective (YAML); repeatable. A layout without an slo panel gains an SLO tab
    #[arg(long = "slo", value_name = "FILE", global = true)]
    pub slos: Vec<PathBuf>,
    /// Theme: a bundled name (default, light, mono) or a path; NO_COLOR selects mono
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// How often to poll, e.g. 1s, 500ms; 250ms to 1d [default: 5s; 2s for demo]
    #[arg(long, value_parser = refresh_interval, global = true)]
    pub refresh: Option<Duration>,
    /// Deadline for each Prometheus request; 100ms to 1h
    #[arg(long, value_parser = query_timeout, default_value = "10s", global = true)]
    pub query_timeout: Duration,
    /// Prometheus requests allowed at once (1 to 256)
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_parser = concurrency, global = true)]
    pub concurrency: usize,
    /// A Prometheus rule file to evaluate here as well (repeatable); its alerts show with
    /// the server's, for servers that do not load it
    #[arg(long = "rules", value_name = "FILE", global = true)]
    pub rules: Vec<PathBuf>,
    /// Alertmanager's base URL: its notification groups and silences
    #[arg(long, value_name = "URL", global = true)]
    pub alertmanager: Option<String>,
    /// Let `s` create and `S` expire silences in Alertmanager (Alertmanager is only read
    /// without it)
    #[arg(long, global = true)]
    pub allow_silences: bool,
    /// Never use a proxy, whatever HTTP_PROXY and HTTPS_PROXY say (a server on this
    /// machine is always reached directly)
    #[arg(long, global = true)]
    pub no_proxy: bool,
    /// Ring the terminal bell once per newly firing critical alert
    #[arg(long, global = true)]
    pub bell: bool,
    /// Record the session from the start into FILE (replay it with `replay FILE`)
    #[arg(long, value_name = "FILE", global = true)]
    pub record: Option<PathBuf>,
    /// A template variable's value, NAME=VALUE (repeatable); a multi-value variable takes
    /// VALUE,VALUE…, and `All` selects All where the layout offers it
    #[arg(long = "var", value_name = "NAME=VALUE", global = true)]
    pub vars: Vec<String>,
    /// How often Prometheus scrapes, for `$__rate_interval` (4 scrapes at least)
    #[arg(long, value_parser = scrape_interval, default_value = "15s", global = true)]
    pub scrape_interval: Duration,
    /// Replace an existing file given to --record, export --output or import --output and
    /// --report (never the command's input); without it such a file is kept and the
    /// command refused
    #[arg(long, global = true)]
    pub force: bool,
    /// Where `R` starts timestamped recordings
    #[arg(long, value_name = "DIR", default_value = ".", global = true)]
    pub record_dir: PathBuf,
    /// Leave the mouse to the terminal (its own selection and paste) instead of clicks on
    /// tabs, panels and rows and the wheel
    #[arg(long, global = true)]
    pub no_mouse: bool,
    /// Where `e` saves screenshots (SVG and plain text, timestamped names)
    #[arg(long, value_name = "DIR", default_value = ".", global = true)]
    pub export_dir: PathBuf,
    #[command(flatten)]
    pub connection: PrometheusConnection,
    #[command(flatten)]
    pub alertmanager_connection: AlertmanagerConnection,
    /// The selected profile's connection settings for Prometheus: kept apart from the
    /// flags, because the environment (SPHEROSEG_BEARER_TOKEN, SPHEROSEG_PASSWORD) wins over
    /// them but not over the flags.
    #[arg(skip)]
    pub profile_connection: Connection,
    /// The selected profile's connection settings for Alertmanager.
    #[arg(skip)]
    pub profile_alertmanager_connection: Connection,
    /// The rest of the profile's HA group, when its `prometheus` is the one in use.
    #[arg(skip)]
    pub standbys: Vec<String>,
}

impl Options {
    /// Fills what neither a flag nor the environment set from `profile`.
    pub fn apply_profile(&mut self, profile: &Profile) {
        // A URL from a flag or the environment replaces the whole group.
        if self.prometheus.is_empty() {
            self.standbys.clone_from(&profile.standbys);
            self.prometheus.extend(profile.prometheus.clone());
        }
        fill(&mut self.alertmanager, &profile.alertmanager);
        fill(&mut self.layout, &profile.layout);
        fill(&mut self.theme, &profile.theme);
        if self.refresh.is_none() {
            self.refresh = profile.refresh;
        }
        if self.rules.is_empty() {
            self.rules.clone_from(&profile.rules);
        }
        self.allow_silences |= profile.allow_silences;
        self.profile_connection = profile.connection.clone();
        self.profile_alertmanager_connection = profile.alertmanager_connection.clone();
    }

    /// `--prometheus`, the environment's or the profile's, else [`DEFAULT_PROMETHEUS`]
    /// (the first backend's, once [`crate::launch::backends`] has split them).
    pub fn prometheus_url(&self) -> &str {
        self.prometheus
            .first()
            .map_or(DEFAULT_PROMETHEUS, String::as_str)
    }

    /// `--layout` or the profile's, else [`DEFAULT_LAYOUT`].
    pub fn layout_spec(&self) -> &str {
        self.layout.as_deref().unwrap_or(DEFAULT_LAYOUT)
    }
}

fn fill(value: &mut Option<String>, from_profile: &Option<String>) {
    if value.is_none() {
        value.clone_from(from_profile);
    }
}

/// How to reach Prometheus: TLS, credentials and headers. Each is also a profile key.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Connecting to Prometheus (each also a profile key)")]
pub struct PrometheusConnection {
    /// PEM file of CA certificates to trust, besides this machine's store (a company CA)
    #[arg(long, value_name = "FILE", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// PEM certificate to present to a server that asks for one (mutual TLS)
    #[arg(long, value_name = "FILE", requires = "client_key", global = true)]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of --client-cert
    #[arg(long, value_name = "FILE", requires = "client_cert", global = true)]
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate: encrypted, but to a server nobody vouches for (the
    /// status bar keeps saying so)
    #[arg(long, global = true)]
    pub insecure_skip_verify: bool,
    /// Basic auth as USER; the password from --password-file or SPHEROSEG_PASSWORD
    #[arg(
        long,
        value_name = "USER",
        conflicts_with = "bearer_token_file",
        global = true
    )]
    pub basic_auth: Option<String>,
    /// File holding the basic-auth password (never logged or shown)
    #[arg(long, value_name = "FILE", global = true)]
    pub password_file: Option<PathBuf>,
    /// File holding a bearer token (never logged or shown); or SPHEROSEG_BEARER_TOKEN
    #[arg(long, value_name = "FILE", global = true)]
    pub bearer_token_file: Option<PathBuf>,
    /// A header sent with every request, e.g. 'X-Api-Key: …' (repeatable; values never shown)
    #[arg(long = "header", value_name = "NAME: VALUE", global = true)]
    pub headers: Vec<String>,
    /// The tenant, sent as X-Scope-OrgID (Mimir, Cortex)
    #[arg(long, value_name = "ID", global = true)]
    pub tenant: Option<String>,
}

/// How to reach Alertmanager; what is not given here is Prometheus'.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Connecting to Alertmanager (else as to Prometheus)")]
pub struct AlertmanagerConnection {
    #[arg(long, value_name = "FILE", global = true)]
    pub alertmanager_ca_cert: Option<PathBuf>,
    #[arg(
        long,
        value_name = "FILE",
        requires = "alertmanager_client_key",
        global = true
    )]
    pub alertmanager_client_cert: Option<PathBuf>,
    #[arg(
        long,
        value_name = "FILE",
        requires = "alertmanager_client_cert",
        global = true
    )]
    pub alertmanager_client_key: Option<PathBuf>,
    #[arg(long, global = true)]
    pub alertmanager_insecure_skip_verify: bool,
    #[arg(
        long,
        value_name = "USER",
        conflicts_with = "alertmanager_bearer_token_file",
        global = true
    )]
    pub alertmanager_basic_auth: Option<String>,
    #[arg(long, value_name = "FILE", global = true)]
    pub alertmanager_password_file: Option<PathBuf>,
    #[arg(long, value_name = "FILE", global = true)]
    pub alertmanager_bearer_token_file: Option<PathBuf>,
    #[arg(
        long = "alertmanager-header",
        value_name = "NAME: VALUE",
        global = true
    )]
    pub alertmanager_headers: Vec<String>,
    #[arg(long, value_name = "ID", global = true)]
    pub alertmanager_tenant: Option<String>,
}

impl PrometheusConnection {
    /// The flags as a connection layer; a `--header` without a colon is refused.
    pub fn layer(&self) -> Result<Connection, String> {
        Ok(Connection {
            ca_cert: self.ca_cert.clone(),
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
            insecure_skip_verify: self.insecure_skip_verify.then_some(true),
            basic_auth: self.basic_auth.clone(),
            password_file: self.password_file.clone(),
            bearer_token_file: self.bearer_token_file.clone(),
            headers: headers("--header", &self.headers)?,
            tenant: self.tenant.clone(),
        })
    }
}

impl AlertmanagerConnection {
    /// The flags as a connection layer; a `--alertmanager-header` without a colon is refused.
    pub fn layer(&self) -> Result<Connection, String> {
        Ok(Connection {
            ca_cert: self.alertmanager_ca_cert.clone(),
            client_cert: self.alertmanager_client_cert.clone(),
            client_key: self.alertmanager_client_key.clone(),
            insecure_skip_verify: self.alertmanager_insecure_skip_verify.then_some(true),
            basic_auth: self.alertmanager_basic_auth.clone(),
            password_file: self.alertmanager_password_file.clone(),
            bearer_token_file: self.alertmanager_bearer_token_file.clone(),
            headers: headers("--alertmanager-header", &self.alertmanager_headers)?,
            tenant: self.alertmanager_tenant.clone(),
        })
    }
}

/// `Name: value` pairs. A mistake names the flag only: the text may hold an API key.
fn headers(flag: &str, given: &[String]) -> Result<Vec<(String, String)>, String> {
    given
        .iter()
        .map(|header| match header.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_string(), value.trim().to_string()))
            }
            _ => Err(format!(
                "{flag} takes 'NAME: VALUE'; one has no name before a ':'"
            )),
        })
        .collect()
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the simulated SpherosegV4 exporter and a real Prometheus (from PATH, on
    /// loopback, temporary storage), open the dashboard on them, stop both on exit
    Demo(DemoArgs),
    /// Validate the layout, theme, rules and the connection's files (CA, certificate, key,
    /// password, token), print what would be polled, and exit
    Check,
    /// List the config file's profiles and their keys (secrets as ***); * marks the one in use
    Profiles,
    /// Replay a recorded session: the same tabs, drill-down and zoom, on the recorded clock
    Replay(ReplayArgs),
    /// Write the incident report of a recording: alerts fired, KPIs that left their target,
    /// the KPI tables at each marker and at the worst moment, the notes
    Export(ExportArgs),
    /// Convert dashboards of other tools into a layout, with a report of what was kept
    Import(ImportArgs),
    /// Judge every KPI row and stat/gauge panel once, with Prometheus' firing alerts, and
    /// exit as a Nagios plugin does: 0 all OK, 1 a WARN or a failed query, 2 an ALERT or a
    /// firing critical alert, 3 Prometheus unreachable or every query failed
    Snapshot(SnapshotArgs),
    /// Draw one frame off-screen after one poll and save it as SVG (or as text when FILE
    /// ends in .txt): what the dashboard shows, without a terminal
    Screenshot(ScreenshotArgs),
    /// Print the completion script for SHELL (e.g. `spheroseg-top completions bash >
    /// /etc/bash_completion.d/spheroseg-top`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output (`spheroseg-top man | man -l -`)
    Man,
    /// Service level objectives of the layout (`[[slo]]`)
    Slo(SloArgs),
}

#[derive(Debug, Args)]
pub struct SloArgs {
    #[command(subcommand)]
    pub command: SloCommand,
}

#[derive(Debug, Subcommand)]
pub enum SloCommand {
    /// Write Prometheus recording and alerting rules for the layout's SLOs in Sloth's
    /// naming (multiwindow, multi-burn-rate alerts: page and ticket); the same layout
    /// always gives the same file
    Rules {
        /// Write the rules here instead of to standard output
        #[arg(long, short, value_name = "RULES.yml")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub from: ImportFrom,
}

#[derive(Debug, Subcommand)]
pub enum ImportFrom {
    /// Grafana dashboard exports (JSON, schemaVersion 16 or later) as one layout, their
    /// tabs one after another; each panel's fate (converted, approximated, skipped) on stderr
    Grafana(GrafanaImportArgs),
    /// A Sloth prometheus/v1 spec's SLOs as a layout's [[slo]] (window: Sloth's default
    /// 30d), with an SLO tab
    Sloth(SloImportArgs),
    /// Pyrra ServiceLevelObjectives (one or more YAML documents) as a layout's [[slo]], with
    /// an SLO tab
    Pyrra(SloImportArgs),
}

#[derive(Debug, Args)]
pub struct SloImportArgs {
    /// The YAML file
    #[arg(value_name = "FILE.yaml")]
    pub file: PathBuf,
    /// Write the layout here instead of to standard output
    #[arg(long, short, value_name = "OUT.toml")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GrafanaImportArgs {
    /// Dashboard JSON files, as Grafana's Export → Export as JSON writes them
    #[arg(required = true, value_name = "DASHBOARD.json")]
    pub dashboards: Vec<PathBuf>,
    /// Write the layout here instead of to standard output
    #[arg(long, short, value_name = "OUT.toml")]
    pub output: Option<PathBuf>,
    /// Also write the conversion report as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Exit with 1 when anything was approximated or skipped (the layout is still written)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ScreenshotArgs {
    /// The tab to show: its title (any case) or its number [default: the first]
    #[arg(long, value_name = "NAME")]
    pub tab: Option<String>,
    /// Where to save it: FILE.svg, or FILE.txt for plain text
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// The screen's size in columns and lines
    #[arg(long, value_name = "WxH", default_value = "120x36", value_parser = screen_size)]
    pub size: (u16, u16),
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Only this tab: its title (any case) or its number
    #[arg(long, value_name = "NAME")]
    pub tab: Option<String>,
    /// text: the KPI tables for people; json: one object per row for scripts (schema in
    /// docs/snapshot.schema.json); nagios: one plugin line with perfdata
    #[arg(long, default_value = "text", value_parser = ["text", "json", "nagios"])]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A recording made with --record or R
    pub file: PathBuf,
    #[arg(long, default_value = "markdown", value_parser = ["markdown", "json"])]
    pub format: String,
    /// Write the report here instead of to standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A recording made with --record or R
    pub file: PathBuf,
    /// Seconds of recording per second (1 to 64; `<` and `>` change it while playing)
    #[arg(long, default_value_t = 1.0, value_parser = replay_speed)]
    pub speed: f64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scenario the simulator starts in (switch later: POST /scenario on the simulator)
    #[arg(long, default_value = "normal", value_parser = ["normal", "incident"])]
    pub scenario: String,
}

/// Deadlines taken: shorter than 100ms fails every query, even on loopback; longer than
/// an hour is a dashboard waiting on one answer for ever.
const QUERY_TIMEOUT: RangeInclusive<Duration> =
    Duration::from_millis(100)..=Duration::from_secs(3_600);
/// Scrape intervals taken: Prometheus' own range is far inside this.
const SCRAPE_INTERVAL: RangeInclusive<Duration> =
    Duration::from_millis(1)..=Duration::from_secs(86_400);
/// Requests at once: none would poll nothing; tokio refuses a semaphore of billions.
const CONCURRENCY: RangeInclusive<usize> = 1..=256;

fn within(text: &str, range: &RangeInclusive<Duration>, what: &str) -> Result<Duration, String> {
    crate::config::duration::within(crate::config::duration::parse(text)?, range, what)
}

fn refresh_interval(text: &str) -> Result<Duration, String> {
    within(text, &profile::REFRESH, "a refresh")
}

fn scrape_interval(text: &str) -> Result<Duration, String> {
    within(text, &SCRAPE_INTERVAL, "a scrape interval")
}

fn query_timeout(text: &str) -> Result<Duration, String> {
    within(text, &QUERY_TIMEOUT, "a query timeout")
}

fn concurrency(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| CONCURRENCY.contains(n))
        .ok_or_else(|| {
            format!(
                "\"{text}\" is not a concurrency; expected a number from {} to {}",
                CONCURRENCY.start(),
                CONCURRENCY.end()
            )
        })
}

fn screen_size(text: &str) -> Result<(u16, u16), String> {
    let parsed = text
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u16>().ok()?, h.trim().parse::<u16>().ok()?)));
    match parsed {
        Some((w, h)) if (20..=1000).contains(&w) && (5..=500).contains(&h) => Ok((w, h)),
        _ => Err(format!(
            "\"{text}\" is not a screen size; expected COLUMNSxLINES, e.g. 120x36 (20x5 to 1000x500)"
        )),
    }
}

fn replay_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(speed) if (1.0..=64.0).contains(&speed) => Ok(speed),
        _ => Err(format!(
            "\"{text}\" is not a speed; expected a number from 1 to 64"
        )),
    }
}
