use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = spheroseg_top::cli::Cli::parse();
    match spheroseg_top::launch::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}
