//! The command line: flags, subcommands, start-up and exit codes.

use crate::alerts::{RuleFile, RuleFileError};
use crate::app::run::DEFAULT_CONCURRENCY;
use crate::app::run::{RecordOptions, Source};
use crate::app::{App, SourceInfo};
use crate::config::{ConfigError, Layout, Theme};
use crate::prom::{ClientOptions, PromClient};
use crate::session::restore::RestoreError;
use crate::session::{ConfigText, FormatError, Recording};
use crate::sim::Scenario;
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

const KEYS: &str = "Keys (also under ? in the dashboard):
  1-9, Tab/Shift-Tab   switch tabs        arrows, h j k l   move focus / select
  Enter   drill down   Esc/Backspace   back   + -   zoom   [ ]   pan   0   live
  c   inspect cursor   Space   hide series (drill) / pause
  p   pause/resume     r   refresh now     L   log pane
  ?   help             q / Ctrl-C          quit";

/// A live terminal dashboard for SpherosegV4, fed by Prometheus.
#[derive(Debug, Parser)]
#[command(name = "spheroseg-top", version, after_help = KEYS)]
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
    /// How often to poll, e.g. 1s, 500ms [default: 5s; 2s for demo]
    #[arg(long, value_parser = crate::config::duration::parse, global = true)]
    pub refresh: Option<Duration>,
    /// Deadline for each Prometheus request
    #[arg(long, value_parser = crate::config::duration::parse, default_value = "10s", global = true)]
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

/// Everything loaded and validated before the terminal is touched.
pub struct Config {
    pub layout: Layout,
    pub theme: Theme,
    pub rules: Vec<RuleFile>,
    /// The rule files as written, embedded in recordings.
    pub rule_texts: Vec<ConfigText>,
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
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scenario the simulator starts in (switch later: POST /scenario on the simulator)
    #[arg(long, default_value = "normal", value_parser = ["normal", "incident"])]
    pub scenario: String,
}

/// A failed run: what to print and the exit code (2 for bad input, 1 otherwise).
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        let code = if error.downcast_ref::<ConfigError>().is_some()
            || error.downcast_ref::<RuleFileError>().is_some()
            || error.downcast_ref::<FormatError>().is_some()
            || error.downcast_ref::<RestoreError>().is_some()
            || error.downcast_ref::<crate::report::ReportError>().is_some()
        {
            2
        } else {
            1
        };
        Self { code, error }
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Some(Command::Replay(args)) => return Ok(replay(&cli.options, args)?),
        Some(Command::Export(args)) => return Ok(export(args)?),
        _ => {}
    }
    let config = load_config(&cli.options)?;
    if let Some(Command::Check) = cli.command {
        print_check(&config);
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match cli.command {
            Some(Command::Demo(args)) => {
                let scenario: Scenario = args.scenario.parse().map_err(anyhow::Error::msg)?;
                crate::demo::run(&cli.options, config, scenario).await
            }
            _ => {
                let refresh = cli.options.refresh.unwrap_or(Duration::from_secs(5));
                dashboard(&cli.options, config, &cli.options.prometheus, refresh, None).await
            }
        }
    })?;
    Ok(())
}

fn load_config(options: &Options) -> anyhow::Result<Config> {
    let layout = Layout::load(&options.layout)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = options
        .theme
        .clone()
        .unwrap_or_else(|| if no_color { "mono" } else { "default" }.to_string());
    let theme = Theme::load(&theme_name)?;
    let rules = crate::alerts::load_all(&options.rules)?;
    let rule_texts = options
        .rules
        .iter()
        .map(|path| {
            Ok(ConfigText {
                origin: path.display().to_string(),
                text: std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Config {
        layout,
        theme,
        rules,
        rule_texts,
    })
}

/// `replay FILE`: the recording's own layout, theme and rules, driven by its clock.
fn replay(options: &Options, args: &ReplayArgs) -> anyhow::Result<()> {
    let recording = Recording::open(&args.file)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let speed = args.speed.clamp(1.0, 64.0);
    runtime.block_on(replay_at(options, recording, speed))
}

/// `export FILE`: the report, to stdout or a file; damage in the file is reported in it.
fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let recording = Recording::open(&args.file)?;
    let report = crate::report::build(&recording)?;
    let text = match args.format.as_str() {
        "json" => report.to_json(),
        _ => report.to_markdown(),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("writing the report to {}", path.display()))?,
        None => print!("{text}"),
    }
    for warning in recording.warnings() {
        eprintln!("warning: {}: {warning}", args.file.display());
    }
    Ok(())
}

/// Replays an opened recording at 1×.
pub async fn replay_recording(options: &Options, recording: Recording) -> anyhow::Result<()> {
    replay_at(options, recording, 1.0).await
}

async fn replay_at(options: &Options, recording: Recording, speed: f64) -> anyhow::Result<()> {
    let mut app = crate::session::restore::app(recording.header())?;
    // A theme asked for on the command line wins over the recorded one (e.g. mono).
    if let Some(theme) = &options.theme {
        app.theme = Theme::load(theme)?;
    }
    app.bell = options.bell;
    init_logging();
    crate::app::run::run(
        app,
        Source::Replay {
            recording: std::sync::Arc::new(recording),
            speed,
        },
    )
    .await
}

fn print_check(config: &Config) {
    let (layout, theme) = (&config.layout, &config.theme);
    let panels: usize = layout
        .tabs
        .iter()
        .flat_map(|t| &t.rows)
        .map(|r| r.panels.len())
        .sum();
    println!(
        "layout {}: {} tabs, {} panels, {} distinct queries",
        layout.source.origin.display(),
        layout.tabs.len(),
        panels,
        layout.queries.len()
    );
    for (id, query) in layout.queries.iter().enumerate() {
        let history = query
            .history
            .map(|h| format!(" [history {}]", crate::config::duration::short(h)))
            .unwrap_or_default();
        println!("  q{id:<3} {}{history}", query.expr);
    }
    println!("theme {}: ok", theme.name);
    if config.rules.is_empty() {
        return;
    }
    for file in &config.rules {
        let (alerting, recording) = crate::store::alerts::local_rules(std::slice::from_ref(file));
        println!(
            "rules {}: {} groups, {} alerting, {} recording",
            file.path.display(),
            file.groups.len(),
            alerting.len(),
            recording.len()
        );
    }
    let (alerting, _) = crate::store::alerts::local_rules(&config.rules);
    let found = crate::alerts::mismatches(&crate::store::alerts::kpi_watches(layout), &alerting);
    if found.is_empty() {
        println!("KPI alert thresholds agree with the rules");
    }
    for mismatch in found {
        println!("  ≠ {mismatch}");
    }
}

/// Opens the dashboard on `url` and runs it until the user quits.
pub async fn dashboard(
    options: &Options,
    config: Config,
    url: &str,
    refresh: Duration,
    note: Option<String>,
) -> anyhow::Result<()> {
    let bearer_token = match &options.bearer_token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the bearer token file {}", path.display()))?
                .trim()
                .to_string(),
        ),
        None => None,
    };
    let client_options = ClientOptions {
        timeout: options.query_timeout,
        bearer_token,
    };
    let alertmanager = match &options.alertmanager {
        Some(am) => Some(
            PromClient::new(am, client_options.clone())
                .map_err(|e| anyhow::anyhow!("--alertmanager: {e}"))?,
        ),
        None => None,
    };
    let client = PromClient::new(url, client_options).map_err(anyhow::Error::msg)?;
    init_logging();
    let source = SourceInfo {
        label: client.display_url().to_string(),
        refresh,
        note,
    };
    let mut app = App::new(config.layout, config.theme, source).with_rules(&config.rules);
    app.bell = options.bell;
    let recording = RecordOptions {
        file: options.record.clone(),
        dir: options.record_dir.clone(),
        rules: config.rule_texts,
    };
    crate::app::run::run(
        app,
        Source::Live {
            client,
            concurrency: options.concurrency,
            recording,
            alertmanager,
        },
    )
    .await
}

/// Routes the app's own log (query errors, timings, reconnects) to the log pane.
fn init_logging() {
    // A second dashboard in the same process (tests) keeps the first logger.
    if tui_logger::init_logger(log::LevelFilter::Debug).is_ok() {
        tui_logger::set_default_level(log::LevelFilter::Info);
        for module in ["spheroseg_top::poller", "spheroseg_top::demo"] {
            tui_logger::set_level_for_target(module, log::LevelFilter::Debug);
        }
    }
}
