//! `spheroseg-sim`: serves simulated SpherosegV4 metrics for trying out the dashboard.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use spheroseg_top::sim::{self, Scenario};

/// Simulated SpherosegV4 Prometheus exporter.
///
/// Switch scenario at runtime with `curl -d incident http://ADDR/scenario`.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Address to serve `/metrics` on.
    #[arg(long, default_value = "127.0.0.1:9101")]
    listen: SocketAddr,
    /// Scenario to start in: `normal` or `incident`.
    #[arg(long, default_value_t = Scenario::Normal)]
    scenario: Scenario,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let handle = sim::spawn(cli.listen, cli.scenario)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    // Exactly one line, flushed, so scripts can wait for it and parse the address.
    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "spheroseg-sim listening on http://{}",
        handle.addr()
    )?;
    stdout.flush()?;
    wait_for_shutdown_signal().await?;
    drop(handle);
    Ok(())
}

#[cfg(unix)]
async fn wait_for_shutdown_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted,
        _ = terminate.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_shutdown_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
