//! The keys in force: the defaults with the config file's `[keys]` over them — for the
//! dashboard (a mistake stops the start, exit code 2, as a profile's does) and for
//! `--help` and replays, which say where the keys come from and fall back to the
//! defaults when the file cannot be used.

use crate::app::keymap::Keymap;
use crate::cli::Cli;
use crate::config::profile::{self, Profiles};
use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// The command line, `--help` listing the keys in force.
pub fn command_line() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut command = Cli::command();
    // Only help shows them: no other start reads the config file twice.
    if args
        .iter()
        .skip(1)
        .any(|a| a == "-h" || a == "--help" || a == "help")
    {
        let (keymap, whence) = lenient(config_named(&args));
        command = command.after_help(keymap.help_text(&whence.to_string()));
    }
    let matches = command.get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The keys of the config file already read (none for `replay`): its mistakes are the
/// start's.
pub fn in_force(profiles: Option<&Profiles>) -> Result<Keymap, crate::config::ConfigError> {
    match profiles {
        Some(profiles) => Keymap::with_keys(&profiles.keys),
        None => Ok(Keymap::default()),
    }
}

/// Where the keys in force come from, as `--help` says it.
pub enum Whence {
    NoFile(PathBuf),
    NoKeys(PathBuf),
    Keys(PathBuf),
    Broken(PathBuf),
}

impl fmt::Display for Whence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Whence::NoFile(path) => write!(f, "the defaults: no config file at {}", path.display()),
            Whence::NoKeys(path) => write!(f, "the defaults: {} has no [keys]", path.display()),
            Whence::Keys(path) => write!(f, "the defaults with {}'s [keys]", path.display()),
            Whence::Broken(path) => write!(
                f,
                "the defaults: {} has a mistake (`check` says which)",
                path.display()
            ),
        }
    }
}

/// The keys of the config file at `path` (the default file when `None`), or the defaults
/// when it is absent or cannot be used.
pub fn lenient(path: Option<PathBuf>) -> (Keymap, Whence) {
    let Some(path) = path.or_else(profile::default_path) else {
        let nowhere = PathBuf::from("~/.config/spheroseg-top/config.toml");
        return (Keymap::default(), Whence::NoFile(nowhere));
    };
    if !path.exists() {
        return (Keymap::default(), Whence::NoFile(path));
    }
    let keymap = Profiles::load(&path).and_then(|profiles| {
        let empty = profiles.keys.entries.is_empty();
        Keymap::with_keys(&profiles.keys).map(|keymap| (keymap, empty))
    });
    match keymap {
        Ok((keymap, true)) => (keymap, Whence::NoKeys(path)),
        Ok((keymap, false)) => (keymap, Whence::Keys(path)),
        Err(_) => (Keymap::default(), Whence::Broken(path)),
    }
}

/// `--config FILE` or `--config=FILE` before clap has read the command line, else
/// `SPHEROSEG_CONFIG`, as clap will take them.
fn config_named(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("SPHEROSEG_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
