//! `spheroseg-top demo`: the simulated SpherosegV4 and a real Prometheus scraping it,
//! with the dashboard opened on them.

pub mod stack;

pub use stack::{Stack, StackError, StackOptions};

use crate::cli::Config;
use crate::cli::Options;
use crate::sim::Scenario;
use std::time::Duration;

/// The monitoring guide's rules, loaded by the demo's Prometheus.
const GUIDE_RULES: &str = include_str!("../../assets/rules/spheroseg.yml");

/// A real incident recorded by `scripts/record-demo.sh`, replayed when Prometheus is not
/// installed, so `demo` shows the dashboard on any machine.
const BUNDLED_RECORDING: &[u8] = include_bytes!("../../assets/demo/incident.rec");

/// Demo data moves every second; a 2 s refresh shows it moving.
const DEMO_REFRESH: Duration = Duration::from_secs(2);

pub async fn run(options: &Options, config: Config, scenario: Scenario) -> anyhow::Result<()> {
    eprintln!("spheroseg-top demo: starting the SpherosegV4 simulator and Prometheus…");
    // Prometheus evaluates the guide's alert rules, as a production server would.
    let rules_dir = tempfile::tempdir()?;
    let rules = rules_dir.path().join("spheroseg.yml");
    std::fs::write(&rules, GUIDE_RULES)?;
    let stack = match Stack::start(StackOptions {
        scenario,
        rule_files: vec![rules],
        ..StackOptions::default()
    })
    .await
    {
        Ok(stack) => stack,
        Err(StackError::NotInstalled) => return replay_bundled(options).await,
        Err(e) => return Err(e.into()),
    };
    let sim = stack.sim.addr();
    eprintln!(
        "simulator: http://{sim}  (curl -XPOST {sim}/scenario -d incident|normal)\nprometheus: {}",
        stack.prometheus_url()
    );
    let note = format!("demo: curl -XPOST {sim}/scenario -d incident");
    let refresh = options.refresh.unwrap_or(DEMO_REFRESH);
    let result =
        crate::cli::dashboard(options, config, stack.prometheus_url(), refresh, Some(note)).await;
    drop(stack);
    result
}

/// The demo without Prometheus: the bundled recording of an incident, replayed.
async fn replay_bundled(options: &Options) -> anyhow::Result<()> {
    eprintln!(
        "{}\nReplaying the bundled recording of an incident instead (assets/demo/incident.rec).",
        StackError::NotInstalled
    );
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("incident.rec");
    std::fs::write(&path, BUNDLED_RECORDING)?;
    let recording = crate::session::Recording::open(&path)?;
    crate::cli::replay_recording(options, recording).await
}
