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

/// Demo data moves every second; a 2 s refresh shows it moving.
const DEMO_REFRESH: Duration = Duration::from_secs(2);

pub async fn run(options: &Options, config: Config, scenario: Scenario) -> anyhow::Result<()> {
    eprintln!("spheroseg-top demo: starting the SpherosegV4 simulator and Prometheus…");
    // Prometheus evaluates the guide's alert rules, as a production server would.
    let rules_dir = tempfile::tempdir()?;
    let rules = rules_dir.path().join("spheroseg.yml");
    std::fs::write(&rules, GUIDE_RULES)?;
    let stack = Stack::start(StackOptions {
        scenario,
        rule_files: vec![rules],
        ..StackOptions::default()
    })
    .await?;
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
