//! Profiles and connection flags through the real binary: which layer wins (flags, then
//! the environment, then the profile), unknown profiles and keys refused with exit code 2
//! and where, secrets masked in `profiles`, and unusable TLS and secret files named with
//! the reason. No secret is ever printed.

#![allow(clippy::unwrap_used)]

mod conn_support;

use conn_support::Pki;
use std::path::Path;
use std::process::{Command, Output};

const PASSWORD: &str = "hunter2-profile";
const API_KEY: &str = "k3y-s3cret";

/// Runs the binary with a clean environment: no SPHEROSEG_* variable and a config folder
/// of its own, so the developer's own profiles never take part.
fn run(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"));
    command
        .args(args)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home);
    for variable in [
        "SPHEROSEG_PROMETHEUS_URL",
        "SPHEROSEG_CONFIG",
        "SPHEROSEG_PROFILE",
        "SPHEROSEG_BEARER_TOKEN",
        "SPHEROSEG_PASSWORD",
    ] {
        command.env_remove(variable);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The error output of a run refused as bad input (exit code 2), checked for secrets.
fn refused(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code; stderr:\n{stderr}"
    );
    for secret in [PASSWORD, API_KEY] {
        assert!(!stderr.contains(secret), "leaks {secret}: {stderr}");
    }
    stderr
}

/// Writes the default config file (`$XDG_CONFIG_HOME/spheroseg-top/config.toml`).
fn default_config(home: &Path, text: &str) -> std::path::PathBuf {
    let dir = home.join("spheroseg-top");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn profiles_file(home: &Path) -> std::path::PathBuf {
    std::fs::write(
        home.join("small.toml"),
        "[[tab]]\ntitle = \"Small\"\n[[tab.row]]\n[[tab.row.panel]]\ntitle = \"up\"\nkind = \"stat\"\nquery = \"up\"\n",
    )
    .unwrap();
    default_config(
        home,
        &format!(
            r#"default_profile = "prod"

[profiles.prod]
prometheus = "https://ops:{PASSWORD}@prom.example:9090"
basic_auth = "ops"
password_file = "/nonexistent/profile-password"
headers = {{ X-Api-Key = "{API_KEY}" }}
tenant = "team-a"
layout = "../small.toml"
theme = "light"

[profiles.prod.alertmanager]
url = "https://am.example:9093"
bearer_token_file = "/nonexistent/am-token"

[profiles.urls]
prometheus = "ftp://from-the-profile"

[profiles.tokens]
bearer_token_file = "/nonexistent/profile-token"
"#
        ),
    )
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_profile() {
    let home = tempfile::tempdir().unwrap();
    profiles_file(home.path());
    // What wins is what the refusal names (ftp:// is no Prometheus URL, the files do not
    // exist, the environment's token has a control character).
    let with = |profile: &str, args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--profile", profile];
        all.extend_from_slice(args);
        refused(&run(home.path(), &all, env))
    };
    let url = |args: &[&str], env: &[(&str, &str)]| with("urls", args, env);
    let profile = url(&[], &[]);
    assert!(profile.contains("ftp://from-the-profile"), "{profile}");
    let env = [("SPHEROSEG_PROMETHEUS_URL", "ftp://from-the-environment")];
    assert!(url(&[], &env).contains("ftp://from-the-environment"));
    assert!(url(&["--prometheus", "ftp://from-a-flag"], &env).contains("ftp://from-a-flag"));

    // Credentials: the profile's token file, the environment's token, a flag's file.
    let http = ["--prometheus", "http://127.0.0.1:1"];
    let said = with("tokens", &http, &[]);
    assert!(said.contains("/nonexistent/profile-token"), "{said}");
    let bad_token = [("SPHEROSEG_BEARER_TOKEN", "abc\u{1}def")];
    let said = with("tokens", &http, &bad_token);
    assert!(
        said.contains("the bearer token contains a control character"),
        "{said}"
    );
    let mut flag = http.to_vec();
    flag.extend(["--bearer-token-file", "/nonexistent/flag-token"]);
    assert!(with("tokens", &flag, &bad_token).contains("/nonexistent/flag-token"));

    // Layout and theme: the profile's, unless a flag says otherwise. (`check` reads the
    // connection's files too: prod's password and Alertmanager token come from elsewhere.)
    let token = home.path().join("am-token");
    std::fs::write(&token, "t0ken").unwrap();
    let readable = ["--alertmanager-bearer-token-file", token.to_str().unwrap()];
    let password = [("SPHEROSEG_PASSWORD", "pw")];
    let check = run(
        home.path(),
        &[&["check"][..], &readable].concat(),
        &password,
    );
    assert!(check.status.success(), "{check:?}");
    let listed = stdout(&check);
    assert!(
        listed.contains("small.toml") && listed.contains("theme light"),
        "{listed}"
    );
    let check = run(
        home.path(),
        &[
            &["check", "--layout", "spheroseg", "--theme", "mono"][..],
            &readable,
        ]
        .concat(),
        &password,
    );
    let listed = stdout(&check);
    assert!(
        listed.contains("layouts/spheroseg.toml") && listed.contains("theme mono"),
        "{listed}"
    );
}

#[test]
fn the_environment_gives_the_password_and_the_profile() {
    let home = tempfile::tempdir().unwrap();
    profiles_file(home.path());
    let http = [
        "--prometheus",
        "http://127.0.0.1:1",
        "--alertmanager",
        "http://127.0.0.1:2",
    ];
    // prod's password file does not exist: the start stops there...
    let said = refused(&run(home.path(), &http, &[]));
    assert!(said.contains("/nonexistent/profile-password"), "{said}");
    // ...unless SPHEROSEG_PASSWORD gives the password; then Alertmanager's own token file.
    let said = refused(&run(home.path(), &http, &[("SPHEROSEG_PASSWORD", "pw")]));
    assert!(said.contains("/nonexistent/am-token"), "{said}");
    // SPHEROSEG_PROFILE picks another profile.
    let said = refused(&run(home.path(), &http, &[("SPHEROSEG_PROFILE", "tokens")]));
    assert!(said.contains("/nonexistent/profile-token"), "{said}");
}

#[test]
fn unknown_profiles_and_keys_are_refused_with_where() {
    let home = tempfile::tempdir().unwrap();
    let said = refused(&run(home.path(), &["--profile", "x", "profiles"], &[]));
    assert!(
        said.contains("no profile named \"x\"") && said.contains("no config file"),
        "{said}"
    );

    let path = profiles_file(home.path());
    let said = refused(&run(home.path(), &["--profile", "staging", "check"], &[]));
    assert!(
        said.contains("\"staging\"") && said.contains("prod, tokens, urls"),
        "{said}"
    );

    let text = std::fs::read_to_string(&path).unwrap();
    let typo = text.replace("tenant = ", "tennant = ");
    std::fs::write(&path, &typo).unwrap();
    let said = refused(&run(home.path(), &["check"], &[]));
    let line = typo.lines().position(|l| l.starts_with("tennant")).unwrap() + 1;
    assert!(
        said.contains(&format!("{}:{line}:1: key `tennant`", path.display())),
        "{said}"
    );

    // A missing --config is an error; a missing default config file is not.
    let said = refused(&run(
        home.path(),
        &["--config", "/nonexistent/c.toml", "check"],
        &[],
    ));
    assert!(said.contains("/nonexistent/c.toml"), "{said}");
    let empty = tempfile::tempdir().unwrap();
    assert!(run(empty.path(), &["check"], &[]).status.success());
    let said = refused(&run(
        empty.path(),
        &["check"],
        &[("SPHEROSEG_CONFIG", "/nonexistent/env.toml")],
    ));
    assert!(said.contains("/nonexistent/env.toml"), "{said}");
}

#[test]
fn profiles_lists_them_with_secrets_masked() {
    let home = tempfile::tempdir().unwrap();
    profiles_file(home.path());
    let output = run(home.path(), &["profiles"], &[]);
    assert!(output.status.success(), "{output:?}");
    let listing = stdout(&output);
    for secret in [PASSWORD, API_KEY] {
        assert!(!listing.contains(secret), "{listing}");
    }
    for shown in [
        "* prod (default)",
        "prometheus = \"https://ops:***@prom.example:9090/\"",
        "basic_auth = \"ops\"",
        "headers = { \"X-Api-Key\" = \"***\" }",
        "tenant = \"team-a\"",
        "alertmanager.url = \"https://am.example:9093\"",
        "  urls",
    ] {
        assert!(listing.contains(shown), "{shown}: {listing}");
    }
    let listing = stdout(&run(home.path(), &["--profile", "urls", "profiles"], &[]));
    assert!(listing.contains("* urls"), "{listing}");
}

#[test]
fn unusable_tls_and_secret_files_are_named_with_the_reason() {
    let home = tempfile::tempdir().unwrap();
    let pki = Pki::new();
    let https = ["--prometheus", "https://127.0.0.1:1"];
    let with = |extra: &[&str]| {
        let mut args = https.to_vec();
        args.extend_from_slice(extra);
        refused(&run(home.path(), &args, &[]))
    };
    let said = with(&["--ca-cert", "/nonexistent/ca.pem"]);
    assert!(
        said.contains("cannot read the CA certificate file /nonexistent/ca.pem: No such file"),
        "{said}"
    );
    let key = pki.client_key.to_str().unwrap();
    let cert = pki.client_cert.to_str().unwrap();
    let said = with(&[
        "--client-cert",
        cert,
        "--client-key",
        "/nonexistent/key.pem",
    ]);
    assert!(
        said.contains("client key file /nonexistent/key.pem: No such file"),
        "{said}"
    );
    // A key that is no key, and a key that belongs to another certificate.
    let said = with(&["--client-cert", cert, "--client-key", cert]);
    assert!(
        said.contains(&format!("client key file {cert} holds no private key")),
        "{said}"
    );
    let stranger = pki.stranger_key.to_str().unwrap();
    let said = with(&["--client-cert", cert, "--client-key", stranger]);
    assert!(
        said.contains(&format!("{stranger} is not the key of {cert}")),
        "{said}"
    );
    let said = with(&["--ca-cert", key]);
    assert!(said.contains("holds no certificate"), "{said}");
    // A certificate without its key never gets as far as reading files.
    let said = with(&["--client-cert", cert]);
    assert!(said.contains("--client-key"), "{said}");

    let said = with(&["--basic-auth", "ops"]);
    assert!(
        said.contains("basic auth as ops has no password") && said.contains("SPHEROSEG_PASSWORD"),
        "{said}"
    );
    let said = with(&["--header", &format!("X-Api-Key {API_KEY}")]);
    assert!(said.contains("--header takes 'NAME: VALUE'"), "{said}");
    let said = with(&["--header", &format!("X Api Key: {API_KEY}")]);
    assert!(
        said.contains("the header X Api Key is not a valid header name"),
        "{said}"
    );
}

#[test]
fn check_fails_on_a_profile_file_the_dashboard_could_not_use() {
    // `check --profile a` said all was well with the profile's CA file missing.
    let home = tempfile::tempdir().unwrap();
    default_config(
        home.path(),
        "[profiles.a]\nprometheus = \"https://127.0.0.1:9\"\nca_cert = \"/nonexistent/ca.pem\"\n\n[profiles.b]\nprometheus = \"https://127.0.0.1:9\"\nclient_cert = \"/nonexistent/me.pem\"\nclient_key = \"/nonexistent/me-key.pem\"\n\n[profiles.c]\nbasic_auth = \"ops\"\npassword_file = \"/nonexistent/pw\"\n",
    );
    for (profile, file) in [
        ("a", "/nonexistent/ca.pem"),
        ("b", "/nonexistent/me.pem"),
        ("c", "/nonexistent/pw"),
    ] {
        let said = refused(&run(home.path(), &["--profile", profile, "check"], &[]));
        assert!(said.contains(file), "{profile}: {said}");
    }
    // A usable profile passes, and says which servers its files were checked for.
    std::fs::write(home.path().join("pw"), "pw").unwrap();
    let pw = home.path().join("pw");
    let usable = format!(
        "[profiles.c]\nprometheus = \"http://127.0.0.1:9\"\nbasic_auth = \"ops\"\npassword_file = \"{}\"\n",
        pw.display()
    );
    default_config(home.path(), &usable);
    let check = run(home.path(), &["--profile", "c", "check"], &[]);
    assert!(check.status.success(), "{check:?}");
    assert!(stdout(&check).contains("connection http://127.0.0.1:9: ok"));
}

#[test]
fn a_replay_does_not_read_the_profiles() {
    // A replay needs no connection; a broken config file stopped it before it started.
    let home = tempfile::tempdir().unwrap();
    let path = default_config(home.path(), "this is = = broken [\n");
    let recording = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/incident.rec");
    for args in [
        vec!["replay", recording],
        vec!["--config", path.to_str().unwrap(), "replay", recording],
    ] {
        let said = refused(&run(home.path(), &args, &[]));
        // It gets as far as wanting a terminal (the test's output is a pipe).
        assert!(said.contains("not a terminal"), "{args:?}: {said}");
        assert!(!said.contains("config.toml"), "{args:?}: {said}");
    }
    // Everything else still reads it.
    let said = refused(&run(home.path(), &["check"], &[]));
    assert!(said.contains("config.toml"), "{said}");
}
