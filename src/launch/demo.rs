//! `spheroseg-top demo`: the demo stack started, the dashboard opened on it, both stopped
//! on exit; without Prometheus, the bundled incident recording replayed instead.

use super::backends::Backend;
use super::{Config, dashboard};
use crate::cli::Options;
use crate::demo::{BUNDLED_RECORDING, DEMO_REFRESH, GUIDE_RULES, Stack, StackError, StackOptions};
use crate::session::Recording;
use crate::sim::Scenario;

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
        Err(StackError::NotInstalled) => return replay_bundled(options, config).await,
        Err(e) => return Err(e.into()),
    };
    let sim = stack.sim.addr();
    eprintln!(
        "simulator: http://{sim}  (curl -XPOST {sim}/scenario -d incident|normal)\nprometheus: {}",
        stack.prometheus_url()
    );
    let note = format!("demo: curl -XPOST {sim}/scenario -d incident");
    let refresh = options.refresh.unwrap_or(DEMO_REFRESH);
    let mut on_stack = options.clone();
    on_stack.prometheus = vec![stack.prometheus_url().to_string()];
    on_stack.standbys.clear();
    let backend = Backend {
        name: None,
        options: on_stack,
    };
    let result = dashboard::live(options, &[backend], config, refresh, Some(note)).await;
    drop(stack);
    result
}

/// The demo without Prometheus: the bundled recording of an incident, replayed.
async fn replay_bundled(options: &Options, config: Config) -> anyhow::Result<()> {
    eprintln!(
        "{}\nReplaying the bundled recording of an incident instead (assets/demo/incident.rec).",
        StackError::NotInstalled
    );
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("incident.rec");
    std::fs::write(&path, BUNDLED_RECORDING)?;
    let recording = Recording::open(&path)?;
    dashboard::replay(options, recording, 1.0, config.keymap).await
}
