//! The command line: flags, subcommands, start-up and exit codes.

use crate::app::run::DEFAULT_CONCURRENCY;
use crate::app::{App, SourceInfo};
use crate::config::{ConfigError, Layout, Theme};
use crate::prom::{ClientOptions, PromClient};
use crate::sim::Scenario;
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

const KEYS: &str = "Keys (also under ? in the dashboard):
  1-9, Tab/Shift-Tab, ←/→, h/l   switch tabs
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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the simulated SpherosegV4 exporter and a real Prometheus (from PATH, on
    /// loopback, temporary storage), open the dashboard on them, stop both on exit
    Demo(DemoArgs),
    /// Validate the layout and theme, print what would be polled, and exit
    Check,
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
        let code = if error.downcast_ref::<ConfigError>().is_some() {
            2
        } else {
            1
        };
        Self { code, error }
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    let (layout, theme) = load_config(&cli.options)?;
    if let Some(Command::Check) = cli.command {
        print_check(&layout, &theme);
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
                crate::demo::run(&cli.options, layout, theme, scenario).await
            }
            _ => {
                let refresh = cli.options.refresh.unwrap_or(Duration::from_secs(5));
                dashboard(
                    &cli.options,
                    layout,
                    theme,
                    &cli.options.prometheus,
                    refresh,
                    None,
                )
                .await
            }
        }
    })?;
    Ok(())
}

fn load_config(options: &Options) -> anyhow::Result<(Layout, Theme)> {
    let layout = Layout::load(&options.layout)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = options
        .theme
        .clone()
        .unwrap_or_else(|| if no_color { "mono" } else { "default" }.to_string());
    let theme = Theme::load(&theme_name)?;
    Ok((layout, theme))
}

fn print_check(layout: &Layout, theme: &Theme) {
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
}

/// Opens the dashboard on `url` and runs it until the user quits.
pub async fn dashboard(
    options: &Options,
    layout: Layout,
    theme: Theme,
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
    let client = PromClient::new(
        url,
        ClientOptions {
            timeout: options.query_timeout,
            bearer_token,
        },
    )
    .map_err(anyhow::Error::msg)?;
    init_logging();
    let source = SourceInfo {
        label: client.display_url().to_string(),
        refresh,
        note,
    };
    crate::app::run::run(App::new(layout, theme, source), client, options.concurrency).await
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
