//! `spheroseg-top check`: the configuration validated and listed, without a terminal.

use super::Config;

/// Prints what the layout, theme and rule files hold, and where KPIs and rules disagree.
pub fn print(config: &Config) {
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
    for variable in &layout.variables {
        println!("  {}", variable.describe());
    }
    for annotation in &layout.annotations {
        println!("  annotation {}: {}", annotation.name, annotation.expr);
    }
    println!("theme {}: ok", theme.name);
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
