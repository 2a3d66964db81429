//! Starting things: each subcommand, the one async runtime, the dashboard's event loop,
//! the terminal, and the exit code a failure earns.

pub(crate) mod backends;
pub(crate) mod check;
pub mod connect;
pub(crate) mod dashboard;
pub(crate) mod demo;
pub(crate) mod failure;
pub(crate) mod frames;
pub(crate) mod import;
pub mod keys;
pub(crate) mod loaded;
pub(crate) mod manual;
pub(crate) mod mouse;
pub(crate) mod output;
pub(crate) mod paint;
pub(crate) mod recording;
pub mod screenshot;
mod silence;
pub(crate) mod snapshot;
pub(crate) mod terminal;

use crate::app::keymap::Keymap;
use crate::cli::{Cli, Command, ExportArgs, Options, ReplayArgs, SloArgs, SloCommand};
use crate::config::{Layout, Theme};
use crate::session::{ConfigText, Recording};
use anyhow::Context as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

pub use failure::{Failure, InvalidInput};
pub use loaded::Config;

/// Runs the command line's subcommand (the live dashboard without one); returns the exit
/// code of a run that did not fail (`snapshot`'s verdict, else 0).
pub fn run(mut cli: Cli) -> Result<u8, Failure> {
    if !matches!(
        cli.command,
        None | Some(Command::Demo(_) | Command::Replay(_))
    ) {
        terminal::end_quietly_on_a_closed_pipe();
    }
    if let Some(done) = offline(&cli) {
        return done;
    }
    // A replay connects to nothing and draws with the recording's layout, theme and rules:
    // the config file's profiles are not read, so a broken one cannot stop it.
    let (profiles, backends) = match &cli.command {
        Some(Command::Replay(_)) => (None, Vec::new()),
        _ => {
            let selected = connect::apply_profile(&mut cli.options)?;
            (selected.file, selected.backends)
        }
    };
    // A mistake in [keys] stops every command that reads the file, as a profile's does.
    let keymap = keys::in_force(profiles.as_ref()).map_err(anyhow::Error::new)?;
    let options = &cli.options;
    match &cli.command {
        Some(Command::Profiles) => {
            print!("{}", connect::listing(profiles.as_ref(), options));
            return Ok(0);
        }
        Some(Command::Check) => {
            check(options, &backends, &keymap)?;
            return Ok(0);
        }
        _ => {}
    }
    // One thread does it all: a few requests a second and a frame per refresh need no
    // more, and every worker thread would add its stack and its own malloc arena.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let code = runtime.block_on(async {
        match &cli.command {
            Some(Command::Snapshot(args)) => {
                let config = load_config(options, &keymap)?;
                return snapshot::run(options, &backends, config, args).await;
            }
            Some(Command::Screenshot(args)) => {
                screenshot::run(options, &backends, load_config(options, &keymap)?, args).await
            }
            Some(Command::Replay(args)) => replay(options, args).await,
            Some(Command::Demo(args)) => {
                let scenario = args.scenario.parse().map_err(anyhow::Error::msg)?;
                demo::run(options, load_config(options, &keymap)?, scenario).await
            }
            _ => {
                let refresh = options.refresh.unwrap_or(Duration::from_secs(5));
                let config = load_config(options, &keymap)?;
                dashboard::live(options, &backends, config, refresh, None).await
            }
        }
        .map(|()| 0)
    })?;
    Ok(code)
}

/// Commands that read no profile and ask no server: their exit code, or `None` for others.
fn offline(cli: &Cli) -> Option<Result<u8, Failure>> {
    let done = match &cli.command {
        Some(Command::Export(args)) => export(args, cli.options.force).map_err(Failure::from),
        Some(Command::Completions { shell }) => {
            manual::completions(*shell);
            Ok(())
        }
        Some(Command::Man) => manual::man_page()
            .context("writing the manual page")
            .map_err(Failure::from),
        Some(Command::Import(args)) => import::run(args, cli.options.force),
        Some(Command::Slo(args)) => slo_rules(args, &cli.options).map_err(Failure::from),
        _ => return None,
    };
    Some(done.map(|()| 0))
}

/// `--layout` with the SLOs of each `--slo` file added.
fn load_layout(options: &Options) -> anyhow::Result<Layout> {
    let source = crate::config::resolve(
        options.layout_spec(),
        "layouts",
        crate::config::layout::BUNDLED,
    )?;
    let texts = options
        .slos
        .iter()
        .map(|path| {
            crate::config::file::read_to_string(path, crate::config::file::Kind::Config)
                .with_context(|| format!("reading {}", path.display()))
                .map_err(|e| anyhow::Error::new(InvalidInput(format!("{e:#}"))))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let files: Vec<(&std::path::Path, &str)> = options
        .slos
        .iter()
        .map(PathBuf::as_path)
        .zip(texts.iter().map(String::as_str))
        .collect();
    Ok(crate::import::slo::extend(source, &files)?)
}

/// `check`: the layout, the --var choices and the connection's files, as the dashboard
/// would load them.
fn check(options: &Options, backends: &[backends::Backend], keymap: &Keymap) -> anyhow::Result<()> {
    let config = load_config(options, keymap)?;
    // A --var the layout cannot take is bad input here as on the dashboard.
    crate::app::variables::choices(&config.layout, &options.vars)
        .map_err(|e| anyhow::Error::new(InvalidInput(e.to_string())))?;
    // The connection's files too (CA, certificate, key, password, token): a profile's
    // missing CA passed `check` and failed the dashboard.
    let clients = backends
        .iter()
        .map(|backend| {
            let options = &backend.options;
            let clients = connect::clients(options, options.prometheus_url())?;
            Ok((backend.name.clone(), clients))
        })
        .collect::<Result<Vec<_>, InvalidInput>>()
        .map_err(anyhow::Error::new)?;
    check::print(&config, &clients);
    Ok(())
}

fn load_config(options: &Options, keymap: &Keymap) -> anyhow::Result<Config> {
    let layout = load_layout(options)?;
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
                text: crate::config::file::read_to_string(path, crate::config::file::Kind::Rules)
                    .with_context(|| format!("reading {}", path.display()))?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Config {
        layout,
        theme,
        rules,
        rule_texts,
        keymap: keymap.clone(),
    })
}

/// `replay FILE`: the recording's own layout, theme and rules, driven by its clock.
async fn replay(options: &Options, args: &ReplayArgs) -> anyhow::Result<()> {
    let recording = Recording::open(&args.file)?;
    // A replay reads no profile (a broken file must not stop it), but the user's keys are
    // theirs: taken when the config file can be used, else the defaults.
    let (keymap, _) = keys::lenient(options.config.clone());
    dashboard::replay(options, recording, args.speed, keymap).await
}

/// `export FILE`: the report, to stdout or a new file (`force`: or over an old one, but
/// never over the recording); damage in the file is reported in it.
fn export(args: &ExportArgs, force: bool) -> anyhow::Result<()> {
    use std::io::Write as _;
    // Refused before the work (a long recording takes a while to replay), created after
    // it: a failed export leaves an old report whole.
    if let Some(path) = &args.output {
        output::check(path, force, &[&args.file])?;
    }
    let recording = Recording::open(&args.file)?;
    let report = crate::report::build(&recording)?;
    let text = match args.format.as_str() {
        "json" => report.to_json(),
        _ => report.to_markdown(),
    };
    match &args.output {
        Some(path) => output::create(path, force, &[&args.file])?
            .write_all(text.as_bytes())
            .with_context(|| format!("writing the report to {}", path.display()))?,
        None => print!("{text}"),
    }
    for warning in recording.warnings() {
        eprintln!("warning: {}: {warning}", args.file.display());
    }
    Ok(())
}

/// `slo rules`: the layout's SLOs as Prometheus rules, to standard output or a new file.
fn slo_rules(args: &SloArgs, options: &Options) -> anyhow::Result<()> {
    match &args.command {
        SloCommand::Rules { output: path } => {
            if let Some(path) = path {
                output::check(path, options.force, &[])?;
            }
            let layout = load_layout(options)?;
            if layout.slos.is_empty() {
                return Err(anyhow::Error::new(InvalidInput(format!(
                    "{} has no [[slo]]: no rules to write",
                    layout.source.origin.display()
                ))));
            }
            let text = crate::alerts::slo_rules::rules(&layout.slos);
            match path {
                Some(path) => {
                    output::create(path, options.force, &[])?
                        .write_all(text.as_bytes())
                        .with_context(|| format!("writing the rules to {}", path.display()))?;
                    eprintln!(
                        "{} SLOs' rules written to {}",
                        layout.slos.len(),
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}
