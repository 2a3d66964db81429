//! `completions SHELL` and `man` as a packager runs them: every shell's script names the
//! subcommands and flags; bash's parses; the manual page is roff with the keys in it.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn every_shell_completes_the_subcommands_and_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = String::from_utf8(run(&["completions", shell]).stdout).unwrap();
        for word in [
            "spheroseg-top",
            "snapshot",
            "screenshot",
            "replay",
            "query-timeout",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // bash itself is on every machine this runs on: the script must parse.
    let script = run(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spheroseg-top.bash");
    std::fs::write(&path, script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn an_unknown_shell_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("possible values"));
}

#[test]
fn the_manual_page_is_roff_with_the_flags_subcommands_and_keys() {
    let page = String::from_utf8(run(&["man"]).stdout).unwrap();
    assert!(page.contains(".TH spheroseg-top 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "lacks {section}");
    }
    for word in [
        r"\-\-query\-timeout",
        "snapshot",
        "Keys (as shipped; [keys] in the config file rebinds them; also under ? in the dashboard)",
    ] {
        assert!(page.contains(word), "lacks {word}");
    }
    // The environment's values never reach it, like --help.
    let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .arg("man")
        .env(
            "SPHEROSEG_PROMETHEUS_URL",
            "http://user:s3cret@example:9090",
        )
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains("s3cret"));
}
