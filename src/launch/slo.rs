//! `slo rules`: the layout's SLOs as Prometheus rules, to standard output or a new file.

use super::{Failure, output};
use crate::cli::{Options, SloArgs, SloCommand};
use crate::config::Layout;
use anyhow::Context as _;
use std::io::Write as _;

pub fn run(args: &SloArgs, options: &Options) -> Result<(), Failure> {
    rules(args, options).map_err(Failure::from)
}

fn rules(args: &SloArgs, options: &Options) -> anyhow::Result<()> {
    match &args.command {
        SloCommand::Rules { output: path } => {
            if let Some(path) = path {
                output::check(path, options.force, &[])?;
            }
            let layout = Layout::load(options.layout_spec())?;
            if layout.slos.is_empty() {
                return Err(anyhow::Error::new(super::InvalidInput(format!(
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
