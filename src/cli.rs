//! The command line: flags and subcommands, nothing else ([`crate::launch`] runs them).

use crate::app::keymap;
use crate::source::live::DEFAULT_CONCURRENCY;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// A live terminal dashboard for SpherosegV4, fed by Prometheus.
#[derive(Debug, Parser)]
#[command(name = "spheroseg-top", version, after_help = keymap::help_text())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

#[derive(Debug, Args)]
pub struct Options {
    /// Prometheus base URL; `user:password@` in it is sent as basic auth and never shown
    #[arg(
        long,
        env = "SPHEROSEG_PROMETHEUS_URL",
        // The value may carry a password: --help names the variable, never its value.
        hide_env_values = true,
        default_value = "http://localhost:9090",
        global = true
    )]
    pub prometheus: String,
    /// Layout: a bundled name (spheroseg) or a path to a TOML file
    #[arg(long, default_value = "spheroseg", global = true)]
    pub layout: String,
    /// Theme: a bundled name (default, light, mono) or a path; NO_COLOR selects mono
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// How often to poll, e.g. 1s, 500ms; at least 250ms [default: 5s; 2s for demo]
    #[arg(long, value_parser = refresh_interval, global = true)]
    pub refresh: Option<Duration>,
    /// Deadline for each Prometheus request; at least 100ms
    #[arg(long, value_parser = query_timeout, default_value = "10s", global = true)]
    pub query_timeout: Duration,
    /// File holding a bearer token for Prometheus (never logged or shown)
    #[arg(long, global = true)]
    pub bearer_token_file: Option<PathBuf>,
    /// Prometheus requests allowed at once
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, global = true)]
    pub concurrency: usize,
    /// A Prometheus rule file to evaluate here as well (repeatable); its alerts show with
    /// the server's, for servers that do not load it
    #[arg(long = "rules", value_name = "FILE", global = true)]
    pub rules: Vec<PathBuf>,
    /// Alertmanager's base URL: its notification groups and silences, read-only
    #[arg(long, value_name = "URL", global = true)]
    pub alertmanager: Option<String>,
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
    /// Where `R` starts timestamped recordings
    #[arg(long, value_name = "DIR", default_value = ".", global = true)]
    pub record_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the simulated SpherosegV4 exporter and a real Prometheus (from PATH, on
    /// loopback, temporary storage), open the dashboard on them, stop both on exit
    Demo(DemoArgs),
    /// Validate the layout and theme, print what would be polled, and exit
    Check,
    /// Replay a recorded session: the same tabs, drill-down and zoom, on the recorded clock
    Replay(ReplayArgs),
    /// Write the incident report of a recording: alerts fired, KPIs that left their target,
    /// the KPI tables at each marker and at the worst moment, the notes
    Export(ExportArgs),
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

/// Polling faster than this only loads the server: answers cannot change that fast.
const MIN_REFRESH: Duration = Duration::from_millis(250);
/// A deadline shorter than this fails every query, even on loopback.
const MIN_QUERY_TIMEOUT: Duration = Duration::from_millis(100);

fn at_least(text: &str, floor: Duration, what: &str) -> Result<Duration, String> {
    let duration = crate::config::duration::parse(text)?;
    if duration < floor {
        return Err(format!(
            "{what} of \"{text}\" is too short; it must be at least {}",
            crate::config::duration::short(floor)
        ));
    }
    Ok(duration)
}

fn refresh_interval(text: &str) -> Result<Duration, String> {
    at_least(text, MIN_REFRESH, "a refresh")
}

fn query_timeout(text: &str) -> Result<Duration, String> {
    at_least(text, MIN_QUERY_TIMEOUT, "a query timeout")
}

fn replay_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(speed) if (1.0..=64.0).contains(&speed) => Ok(speed),
        _ => Err(format!(
            "\"{text}\" is not a speed; expected a number from 1 to 64"
        )),
    }
}
