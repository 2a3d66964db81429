//! Bad flags and files are refused before the terminal is touched: exit code 2, a message
//! that says what is wrong and what would be right, and no secret in it.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"));
    command.args(args).env_remove("SPHEROSEG_PROMETHEUS_URL");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn refused(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code; stderr:\n{stderr}"
    );
    stderr
}

#[test]
fn help_names_the_url_variable_but_never_its_value() {
    let output = run(
        &["--help"],
        &[(
            "SPHEROSEG_PROMETHEUS_URL",
            "http://ops:hunter2@127.0.0.1:9090",
        )],
    );
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("SPHEROSEG_PROMETHEUS_URL"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");
    assert!(
        help.contains("Ctrl-Z") && help.contains("n / N"),
        "keys from the one table"
    );
}

#[test]
fn a_url_without_a_scheme_hides_its_credentials() {
    let stderr = refused(&run(&["--prometheus", "ops:hunter2@127.0.0.1:9090"], &[]));
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(stderr.contains("http://"), "says what is right: {stderr}");
}

#[test]
fn intervals_too_short_to_mean_anything_are_refused() {
    let stderr = refused(&run(&["--refresh", "1ns", "check"], &[]));
    assert!(stderr.contains("at least 250ms"), "{stderr}");
    let stderr = refused(&run(&["--query-timeout", "1ns", "check"], &[]));
    assert!(stderr.contains("at least 100ms"), "{stderr}");
}

#[test]
fn absurd_durations_and_counts_are_refused_with_the_range() {
    // Each of these panicked a dashboard or snapshot (an Instant or a Duration overflowed,
    // tokio refused the semaphore) or was taken silently.
    for (args, says) in [
        (
            ["--query-timeout", "500000000000y"],
            "longer than 10000 years",
        ),
        (["--query-timeout", "2h"], "at most 1h"),
        (["--refresh", "500000000000y"], "longer than 10000 years"),
        (["--refresh", "1000000y"], "longer than 10000 years"),
        (["--refresh", "2d"], "at most 1d"),
        (["--scrape-interval", "1000y"], "at most 1d"),
        (["--concurrency", "0"], "from 1 to 256"),
        (["--concurrency", "18446744073709551615"], "from 1 to 256"),
    ] {
        let stderr = refused(&run(&[args[0], args[1], "check"], &[]));
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn a_profile_refresh_beyond_a_day_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    for (refresh, says) in [
        ("1000000y", "longer than 10000 years"),
        ("2d", "at most 1d"),
    ] {
        let config = dir.path().join("config.toml");
        std::fs::write(&config, format!("[profiles.a]\nrefresh = \"{refresh}\"\n")).unwrap();
        let stderr = refused(&run(&["--config", config.to_str().unwrap(), "check"], &[]));
        assert!(stderr.contains(says) && stderr.contains(":2:"), "{stderr}");
    }
}

#[test]
fn a_replay_speed_must_be_a_number_from_1_to_64() {
    for speed in ["NaN", "inf", "0", "100", "fast"] {
        let stderr = refused(&run(&["replay", "x.rec", "--speed", speed], &[]));
        assert!(stderr.contains("from 1 to 64"), "{speed}: {stderr}");
    }
}

#[test]
fn unusable_bearer_tokens_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content, says) in [
        ("empty", "  \n", "is empty"),
        ("control", "abc\u{1b}[2Jdef", "control characters"),
        ("lines", "abc\ndef", "control characters"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let stderr = refused(&run(
            &[
                "--bearer-token-file",
                path.to_str().unwrap(),
                "--prometheus",
                "http://127.0.0.1:1",
            ],
            &[],
        ));
        assert!(
            stderr.contains(says) && stderr.contains(name),
            "{name}: {stderr}"
        );
    }
    let missing = dir.path().join("missing");
    let stderr = refused(&run(
        &["--bearer-token-file", missing.to_str().unwrap()],
        &[],
    ));
    assert!(
        stderr.contains("missing") && stderr.contains("No such file"),
        "{stderr}"
    );
}

#[test]
fn a_recording_that_cannot_start_stops_the_dashboard_from_starting() {
    let stderr = refused(&run(
        &[
            "--record",
            "/nonexistent/dir/x.rec",
            "--prometheus",
            "http://127.0.0.1:1",
        ],
        &[],
    ));
    assert!(
        stderr.contains("/nonexistent/dir/x.rec") && stderr.contains("No such file"),
        "path and reason: {stderr}"
    );
}

#[test]
fn without_a_terminal_it_says_what_to_use_instead() {
    // The test's standard output is a pipe, like `spheroseg-top > file` or cron.
    let stderr = refused(&run(&["--prometheus", "http://127.0.0.1:1"], &[]));
    assert!(
        stderr.contains("not a terminal") && stderr.contains("check"),
        "{stderr}"
    );
    let stderr = refused(&run(
        &["--prometheus", "http://127.0.0.1:1"],
        &[("TERM", "dumb")],
    ));
    assert!(
        stderr.contains("TERM=dumb") || stderr.contains("not a terminal"),
        "{stderr}"
    );
}
