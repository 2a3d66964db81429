//! Keys a user can change: the config file's `[keys]` through the real binary (`--help`,
//! a mistake's exit code and place), and the README's key table, which is the keymap's.

#![allow(clippy::unwrap_used)]

use spheroseg_top::app::keymap::{HelpLine, Keymap};
use spheroseg_top::config::profile::Profiles;
use std::path::Path;
use std::process::{Command, Output};

fn binary(args: &[&str], config_home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(args)
        // Never the machine's own config file.
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("SPHEROSEG_CONFIG")
        // Help is wrapped to the terminal: wide enough for a temporary path on one line.
        .env("COLUMNS", "400")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_the_keys_in_force_and_says_whence() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[keys]\nquit = [\"x\", \"ctrl-q\"]\nlog = [\"f2\"]\n",
    )
    .unwrap();
    let help = text(&binary(&["--config", good.to_str().unwrap(), "--help"], dir.path()).stdout);
    let keys = &help[help.find("Keys (").expect(&help)..];
    assert!(
        keys.starts_with(&format!(
            "Keys (the defaults with {}'s [keys]",
            good.display()
        )),
        "{keys}"
    );
    assert!(keys.contains("x / Ctrl-Q") && keys.contains("F2"), "{keys}");
    assert!(!keys.contains("q / Ctrl-C"), "{keys}");

    // No config file: the defaults, said so.
    let help = text(&binary(&["-h"], dir.path()).stdout);
    assert!(
        help.contains("Keys (the defaults: no config file at "),
        "{help}"
    );
    assert!(help.contains("q / Ctrl-C"), "{help}");

    // A file with a mistake: the defaults, and a word that it has one.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[keys]\nquit = [\"h\"]\n").unwrap();
    let help = text(
        &binary(
            &[&format!("--config={}", bad.display()), "help"],
            dir.path(),
        )
        .stdout,
    );
    assert!(
        help.contains(&format!("the defaults: {} has a mistake", bad.display())),
        "{help}"
    );
    assert!(help.contains("q / Ctrl-C"), "{help}");
}

#[test]
fn a_mistake_in_keys_stops_the_start_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("config.toml");
    for (file, says) in [
        (
            "[keys]\nquit = [\"h\"]\n",
            ":2:9: key `keys.quit`: \"h\" is focus_left's key by default",
        ),
        (
            "[keys]\nquit = [\"x\"]\nreload = [\"r\"]\n",
            ":3:1: key `keys.reload`: unknown action \"reload\"",
        ),
        (
            "[keys]\nquit = [\"ctrl-x\", \"hyper-x\"]\n",
            ":2:19: key `keys.quit`: unknown key \"hyper-x\"",
        ),
    ] {
        std::fs::write(&bad, file).unwrap();
        // `check` needs no terminal and reads the file as the dashboard does.
        let output = binary(&["--config", bad.to_str().unwrap(), "check"], dir.path());
        assert_eq!(output.status.code(), Some(2), "{file}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains(&format!("{}{says}", bad.display())),
            "{stderr}"
        );
    }
}

/// The README's `[keys]` example is a valid file.
#[test]
fn the_readme_example_loads() {
    let readme = readme();
    let start = readme
        .find("```toml\n[keys]\n")
        .expect("the [keys] example")
        + 8;
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let profiles = Profiles::parse(Path::new("README.md"), example).unwrap();
    Keymap::with_keys(&profiles.keys).unwrap();
}

const START: &str = "<!-- keys: generated from app::keymap; SPHEROSEG_WRITE_README=1 cargo test --test keys regenerates it -->\n";
const END: &str = "<!-- /keys -->";

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The key table as the README shows it: the defaults and the names `[keys]` uses.
fn table(lines: &[HelpLine]) -> String {
    let mut table = String::from("| keys | what they do | `[keys]` action |\n|---|---|---|\n");
    for line in lines {
        let names: Vec<String> = line
            .actions
            .iter()
            .map(|a| format!("`{}`", a.name))
            .collect();
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            line.label,
            line.help,
            names.join(" ")
        ));
    }
    table
}

#[test]
fn the_readme_key_table_is_the_keymap() {
    let readme = readme();
    let start = readme.find(START).expect("the README's keys start marker") + START.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("the README's keys end marker");
    let expected = table(Keymap::default().lines());
    if std::env::var_os("SPHEROSEG_WRITE_README").is_some() {
        let written = format!("{}{expected}{}", &readme[..start], &readme[end..]);
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
            written,
        )
        .unwrap();
        return;
    }
    assert!(
        readme[start..end] == expected,
        "README.md's key table is not the keymap's; regenerate it with \
         SPHEROSEG_WRITE_README=1 cargo test --test keys\n{expected}"
    );
}
