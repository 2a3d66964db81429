//! `import grafana`: reads the dashboards, writes the layout (to a file or stdout), the
//! report to stderr (and as JSON to `--report FILE`); exit 2 for input that is not a
//! dashboard, 1 under `--strict` when anything was approximated or skipped. `import sloth`
//! and `import pyrra`: a file's SLOs as a layout; exit 2 for a file it cannot read.

use super::{Failure, output};
use crate::cli::{GrafanaImportArgs, ImportArgs, ImportFrom, SloImportArgs};
use crate::import::grafana::{self, ImportError, Input};
use crate::import::slo::{self, Format};
use anyhow::{Context as _, anyhow};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// `force`: the layout and report may replace existing files (never a dashboard read).
pub fn run(args: &ImportArgs, force: bool) -> Result<(), Failure> {
    match &args.from {
        ImportFrom::Grafana(grafana) => from_grafana(grafana, force),
        ImportFrom::Sloth(file) => from_slo_file(file, Format::Sloth, force),
        ImportFrom::Pyrra(file) => from_slo_file(file, Format::Pyrra, force),
    }
}

/// `import sloth|pyrra`: the file's SLOs as a layout with an SLO tab.
fn from_slo_file(args: &SloImportArgs, format: Format, force: bool) -> Result<(), Failure> {
    let read = [args.file.as_path()];
    if let Some(path) = &args.output {
        output::check(path, force, &read).map_err(|e| bad_input(anyhow!(e)))?;
    }
    let text = crate::config::file::read_to_string(&args.file, crate::config::file::Kind::Config)
        .with_context(|| format!("cannot read {}", args.file.display()))
        .map_err(bad_input)?;
    let slos = slo::read(&args.file, &text, Some(format)).map_err(|e| bad_input(anyhow!(e)))?;
    let from = args.file.display().to_string();
    let title = args
        .file
        .file_stem()
        .map_or_else(|| "SLOs".to_string(), |s| s.to_string_lossy().into_owned());
    let layout = slo::layout(&slos, &title, &from);
    match &args.output {
        Some(path) => {
            output::create(path, force, &read)
                .map_err(|e| bad_input(anyhow!(e)))?
                .write_all(layout.as_bytes())
                .with_context(|| format!("writing the layout to {}", path.display()))?;
            let count = match slos.len() {
                1 => "1 SLO".to_string(),
                n => format!("{n} SLOs"),
            };
            eprintln!(
                "{count} written to {} (open it with --layout {}, or pass --slo {} to add them to another layout)",
                path.display(),
                path.display(),
                args.file.display()
            );
        }
        None => print!("{layout}"),
    }
    Ok(())
}

fn bad_input(error: anyhow::Error) -> Failure {
    Failure { code: 2, error }
}

fn from_grafana(args: &GrafanaImportArgs, force: bool) -> Result<(), Failure> {
    let read: Vec<&Path> = args.dashboards.iter().map(PathBuf::as_path).collect();
    let create =
        |path: &Path| output::create(path, force, &read).map_err(|e| bad_input(anyhow!(e)));
    for path in [&args.output, &args.report].into_iter().flatten() {
        output::check(path, force, &read).map_err(|e| bad_input(anyhow!(e)))?;
    }
    let inputs = args
        .dashboards
        .iter()
        .map(|path| {
            crate::config::file::read_to_string(path, crate::config::file::Kind::Dashboard)
                .map(|text| Input {
                    origin: path.display().to_string(),
                    text,
                })
                .with_context(|| format!("cannot read {}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(bad_input)?;
    let conversion = grafana::convert(&inputs).map_err(|e| match e {
        ImportError::Unloadable(_) => Failure::from(anyhow!(e)),
        _ => bad_input(anyhow!(e)),
    })?;
    let report = &conversion.report;
    eprint!("{}", report.to_text());
    if let Some(path) = &args.report {
        create(path)?
            .write_all(report.to_json().as_bytes())
            .with_context(|| format!("writing the report to {}", path.display()))?;
    }
    let Some(layout) = conversion.layout else {
        // Input with nothing to convert (an empty dashboard) is bad input, as one that is
        // not a dashboard: exit 1 is --strict's.
        return Err(bad_input(anyhow!(
            "nothing in the dashboards could be converted; no layout written"
        )));
    };
    match &args.output {
        Some(path) => {
            create(path)?
                .write_all(layout.as_bytes())
                .with_context(|| format!("writing the layout to {}", path.display()))?;
            eprintln!(
                "layout written to {} (open it with --layout {})",
                path.display(),
                path.display()
            );
        }
        None => print!("{layout}"),
    }
    if args.strict && report.is_lossy() {
        let s = report.summary();
        return Err(anyhow!(
            "--strict: {} approximated and {} skipped (the layout was written)",
            s.approximated,
            s.skipped
        )
        .into());
    }
    Ok(())
}
