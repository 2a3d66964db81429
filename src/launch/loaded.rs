//! What a run loads and validates before the terminal is touched. Its own file: every
//! subcommand reads it, and `launch/mod.rs` (which calls them) builds it.

use crate::alerts::RuleFile;
use crate::app::keymap::Keymap;
use crate::config::{Layout, Theme};
use crate::session::ConfigText;

/// Everything loaded and validated before the terminal is touched.
pub struct Config {
    pub layout: Layout,
    pub theme: Theme,
    pub rules: Vec<RuleFile>,
    /// The rule files as written, embedded in recordings.
    pub rule_texts: Vec<ConfigText>,
    /// What the keys do: the config file's `[keys]` over the defaults.
    pub keymap: Keymap,
}
