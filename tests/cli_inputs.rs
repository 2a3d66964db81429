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

/// `args` run with at most 1 GB of address space and 20 s: before the files were read
/// with a cap, `/dev/zero` was read until memory ran out, and a pipe waited for ever.
fn run_bounded(args: &[&str]) -> Output {
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -v 1000000; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(args)
        .env_remove("SPHEROSEG_PROMETHEUS_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("{args:?} still running after 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_device_or_a_pipe_given_as_a_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fifo = fifo.to_str().unwrap();
    let https = ["--prometheus", "https://127.0.0.1:1", "snapshot"];
    let (zero, random) = ("/dev/zero", "/dev/urandom");
    let devices: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--basic-auth", "u", "--password-file", zero], zero),
        (vec!["--bearer-token-file", random], random),
        (vec!["--config", zero, "check"], zero),
        (vec!["--layout", zero, "check"], zero),
        (vec!["--theme", random, "check"], random),
        (vec!["--rules", zero, "check"], zero),
        ([&["--ca-cert", zero][..], &https].concat(), zero),
        (
            [&["--client-cert", random, "--client-key", zero][..], &https].concat(),
            random,
        ),
        (vec!["import", "grafana", zero], zero),
        (vec!["export", zero], zero),
        (vec!["replay", random], random),
    ];
    let mut cases: Vec<(Vec<&str>, &str, &str)> = devices
        .into_iter()
        .map(|(args, file)| (args, file, "character device"))
        .collect();
    cases.extend([
        (vec!["--layout", "/", "check"], "/", "directory"),
        (vec!["--layout", fifo, "check"], fifo, "a pipe"),
        (vec!["--rules", fifo, "check"], fifo, "a pipe"),
        (vec!["export", fifo], fifo, "a pipe"),
    ]);
    for (args, file, says) in cases {
        let stderr = refused(&run_bounded(&args));
        assert!(
            stderr.contains(file) && stderr.contains(says),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_password_file_others_can_read_is_used_with_a_warning_as_ssh_gives() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pw");
    std::fs::write(&path, "hunter2\n").unwrap();
    let run_with = |mode: u32| {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let output = run(
            &[
                "--basic-auth",
                "ops",
                "--password-file",
                path.to_str().unwrap(),
                "--prometheus",
                "http://127.0.0.1:1",
                "snapshot",
            ],
            &[],
        );
        // Used: the snapshot ran and found the server unreachable (3), not bad input.
        assert_eq!(output.status.code(), Some(3), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let stderr = run_with(0o644);
    let warning = format!("permissions 0644 for '{}' are too open", path.display());
    assert!(stderr.contains(&warning), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!run_with(0o600).contains("too open"));
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
fn existing_files_are_kept_unless_forced_and_an_input_always() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/incident.rec");
    let (rec, report, layout) = (at("x.rec"), at("report.md"), at("out.toml"));
    // Its first minute or so: a cut recording exports what it holds, quickly.
    std::fs::write(&rec, &std::fs::read(demo).unwrap()[..60_000]).unwrap();
    let dashboard = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/grafana/alertmanager-overview.json"
    );
    let json = at("dash.json");
    std::fs::copy(dashboard, &json).unwrap();
    let original = |path: &str| std::fs::read(path).unwrap();
    let (rec_bytes, json_bytes) = (original(&rec), original(&json));
    for path in [&report, &layout] {
        std::fs::write(path, "precious").unwrap();
    }
    let kept = |path: &str| std::fs::read_to_string(path).unwrap() == "precious";

    // Over an existing file: refused, the file kept, --force named.
    for args in [
        vec!["export", &rec, "-o", &report],
        vec!["import", "grafana", &json, "-o", &layout],
        vec!["import", "grafana", &json, "--report", &report],
        vec!["--record", &report, "--prometheus", "http://127.0.0.1:1"],
    ] {
        let stderr = refused(&run(&args, &[]));
        assert!(
            stderr.contains("exists") && stderr.contains("--force"),
            "{args:?}: {stderr}"
        );
    }
    assert!(kept(&report) && kept(&layout));
    // Over the input: refused even with --force (export wrote its report over the
    // recording, import its layout over the dashboard).
    for args in [
        vec!["export", &rec, "-o", &rec, "--force"],
        vec!["import", "grafana", &json, "-o", &json, "--force"],
        vec!["import", "grafana", &json, "--report", &json, "--force"],
    ] {
        let stderr = refused(&run(&args, &[]));
        assert!(stderr.contains("the input"), "{args:?}: {stderr}");
    }
    assert_eq!(original(&rec), rec_bytes);
    assert_eq!(original(&json), json_bytes);
    // --force replaces another file.
    let output = run(&["export", &rec, "-o", &report, "--force"], &[]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .starts_with("# Incident report")
    );
    let output = run(&["import", "grafana", &json, "-o", &layout, "--force"], &[]);
    assert!(output.status.success(), "{output:?}");
    assert!(!kept(&layout));
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

/// `completions fish | head -1`: the reader goes away after one line; the command ends as
/// Unix tools do (killed by SIGPIPE, nothing on stderr), never with a "failed printing to
/// stdout" panic. (The script is larger than a pipe's buffer, so the command is still
/// printing when the reader leaves.)
#[test]
fn a_printing_command_ends_quietly_when_its_reader_goes_away() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .args(["completions", "fish"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("one line");
    // The pipe's reader is gone now; the command still has lines to print.
    let output = child.wait_with_output().expect("it ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!first.is_empty());
    assert!(!stderr.contains("panicked"), "{stderr}");
    // 13: SIGPIPE.
    assert_eq!(output.status.signal(), Some(13), "{stderr}");
}
