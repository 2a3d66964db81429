//! `completions SHELL` and `man`: shell completions and the manual page, generated from the
//! same clap definition as `--help`, so none of them can drift from the flags.

use crate::cli::Cli;
use clap::CommandFactory;

/// Prints the completion script for `shell` on standard output.
pub fn completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    clap_complete::generate(shell, &mut command, name, &mut std::io::stdout());
}

/// Prints the manual page (roff) on standard output: the command, its flags, its
/// subcommands and the keys (from `--help`'s text).
pub fn man_page() -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())
}
