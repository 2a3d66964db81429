//! `spheroseg-top check`: the configuration validated and listed, without a terminal; the
//! connection's files (TLS, credentials) read as the dashboard reads them.

use super::Config;
use super::connect::Clients;
use crate::model::duration::Form;

/// Prints what the layout, theme and rule files hold, the servers the connection's files
/// were checked for (an HA group's every one), and where KPIs and rules disagree.
pub fn print(config: &Config, backends: &[(Option<String>, Clients)]) {
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
            .map(|h| format!(" [history {}]", Form::Setting.duration(h)))
            .unwrap_or_default();
        println!("  q{id:<3} {}{history}", query.expr);
    }
    for variable in &layout.variables {
        println!("  {}", variable.describe());
    }
    for annotation in &layout.annotations {
        println!("  annotation {}: {}", annotation.name, annotation.expr);
    }
    for slo in &layout.slos {
        println!(
            "  slo {}: {}% over {} ({})",
            slo.name,
            slo.objective,
            crate::model::slo::prometheus_duration(slo.window),
            slo.id()
        );
    }
    println!("theme {}: ok", theme.name);
    for (name, clients) in backends {
        let servers = std::iter::once(&clients.prometheus)
            .chain(&clients.standbys)
            .chain(&clients.alertmanager);
        let name = name
            .as_ref()
            .map(|n| format!("backend {n}: "))
            .unwrap_or_default();
        for client in servers {
            println!("{name}connection {}: ok", client.display_url());
        }
    }
    if config.rules.is_empty() {
        return;
    }
    for file in &config.rules {
        let (alerting, recording) = crate::alerts::board::local_rules(std::slice::from_ref(file));
        println!(
            "rules {}: {} groups, {} alerting, {} recording",
            file.path.display(),
            file.groups.len(),
            alerting.len(),
            recording.len()
        );
    }
    let (alerting, _) = crate::alerts::board::local_rules(&config.rules);
    let found = crate::alerts::mismatches(&crate::alerts::board::kpi_watches(layout), &alerting);
    if found.is_empty() {
        println!("KPI alert thresholds agree with the rules");
    }
    for mismatch in found {
        println!("  ≠ {mismatch}");
    }
}
