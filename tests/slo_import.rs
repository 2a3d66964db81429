//! Sloth and Pyrra files, real examples from their repositories (tests/fixtures/slo/): each
//! converts with `import sloth|pyrra` into a layout that loads, `--slo` adds their SLOs to a
//! layout (an SLO tab drawn with them), and a file this cannot read faithfully (another
//! version, an objective outside (0, 100), an SLI not over counters) is refused with
//! file:line:col and exit 2.

#![allow(clippy::unwrap_used)]

mod common;

use spheroseg_top::config::{Layout, Source};
use spheroseg_top::import::slo::extend;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/slo")
        .join(path)
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
}

fn import(tool: &str, file: &Path, out: &Path) -> Output {
    binary()
        .args(["import", tool])
        .arg(file)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// Each fixture, the tool that reads it and the SLOs it holds.
const CONVERTED: &[(&str, &str, &[&str])] = &[
    (
        "sloth",
        "sloth/getting-started.yml",
        &["requests-availability"],
    ),
    ("sloth", "sloth/no-alerts.yml", &["http-availability"]),
    (
        "sloth",
        "sloth/kubernetes-apiserver.yml",
        &["requests-availability", "requests-latency"],
    ),
    (
        "pyrra",
        "pyrra/prometheus-http.yaml",
        &["prometheus-api-query"],
    ),
    (
        "pyrra",
        "pyrra/caddy-response-latency.yaml",
        &["caddy-response-latency"],
    ),
    (
        "pyrra",
        "pyrra/slo-prometheus-query-errors.yaml",
        &["prometheus-query-errors"],
    ),
    (
        "pyrra",
        "pyrra/slo-prometheus-rule-evaluation-failures.yaml",
        &["prometheus-rule-evaluation-failures"],
    ),
];

#[test]
fn each_fixture_converts_to_a_layout_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    for (tool, file, names) in CONVERTED {
        let out = dir.path().join(format!("{}.toml", file.replace('/', "-")));
        let output = import(tool, &fixture(file), &out);
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let layout = Layout::load(out.to_str().unwrap())
            .unwrap_or_else(|e| panic!("{file}: the layout written does not load: {e}"));
        let loaded: Vec<&str> = layout.slos.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(loaded, *names, "{file}");
        assert_eq!(layout.tabs[0].title, "SLO", "{file}");
    }
    // What each kind of SLI becomes.
    let out = dir.path().join("k8s.toml");
    import("sloth", &fixture("sloth/kubernetes-apiserver.yml"), &out);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("bucket = 'apiserver_request_duration_seconds_bucket{verb!=\"WATCH\"}'")
            && text.contains("le = 0.4")
            && text.contains("objective = 99.9")
            && text.contains("window = \"30d\""),
        "{text}"
    );
    let out = dir.path().join("caddy.toml");
    import("pyrra", &fixture("pyrra/caddy-response-latency.yaml"), &out);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("le = 0.05") && text.contains("window = \"28d\""),
        "{text}"
    );
}

/// `file` with `from` replaced by `to`, written in `dir`.
fn edited(dir: &Path, file: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    assert!(text.contains(from), "{file} has {from}");
    let path = dir.join(Path::new(file).file_name().unwrap());
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

#[test]
fn files_it_cannot_read_are_refused_with_file_line_col_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, PathBuf, &str, &str)> = vec![
        (
            "sloth",
            edited(
                dir.path(),
                "sloth/getting-started.yml",
                "prometheus/v1",
                "prometheus/v2",
            ),
            ":1:10: key `version`",
            "unknown Sloth spec version \"prometheus/v2\"",
        ),
        (
            "pyrra",
            edited(
                dir.path(),
                "pyrra/prometheus-http.yaml",
                "pyrra.dev/v1alpha1",
                "pyrra.dev/v2",
            ),
            ":1:13: key `apiVersion`",
            "unknown apiVersion \"pyrra.dev/v2\"",
        ),
        (
            "sloth",
            edited(
                dir.path(),
                "sloth/no-alerts.yml",
                "objective: 99.99",
                "objective: 100",
            ),
            ":13:16: key `slos[0].objective`",
            "objective 100 must be above 0 and below 100",
        ),
        (
            "pyrra",
            edited(
                dir.path(),
                "pyrra/slo-prometheus-query-errors.yaml",
                "target: \"99\"",
                "target: \"0\"",
            ),
            ":19:11: key `spec.target`",
            "objective 0 must be above 0",
        ),
        (
            "sloth",
            fixture("sloth/home-wifi.yml"),
            ":35:22: key `slos[0].sli.events.total_query`",
            "not a rate of counters",
        ),
        (
            "pyrra",
            fixture("pyrra/nginx.yaml"),
            ":15:17: key `spec.indicator.ratio.errors.metric`",
            "`nginx_ingress_controller_requests` is not a counter",
        ),
        (
            "pyrra",
            fixture("pyrra/prometheus-probe-success.yaml"),
            ":11:3: key `spec.indicator`",
            "bool_gauge (a gauge, not counters)",
        ),
        (
            "pyrra",
            fixture("pyrra/pyrra-connect-latency.yaml"),
            ":13:3: key `spec.indicator`",
            "latencyNative",
        ),
        (
            "pyrra",
            fixture("sloth/getting-started.yml"),
            ":1:1:",
            "a Sloth prometheus/v1 spec, not a Pyrra ServiceLevelObjective",
        ),
    ];
    for (tool, file, place, said) in cases {
        let out = dir.path().join("out.toml");
        let output = import(tool, &file, &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            file.display()
        );
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(&format!("{}{place}", file.display())) && first.contains(said),
            "{}: {stderr}",
            file.display()
        );
        assert!(!out.exists(), "nothing written for {}", file.display());
    }
}

#[test]
fn slo_adds_the_files_slos_to_the_layout_and_its_slo_tab_draws_them() {
    let files = [
        fixture("sloth/getting-started.yml"),
        fixture("pyrra/prometheus-http.yaml"),
    ];
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let added: Vec<(&Path, &str)> = files
        .iter()
        .map(PathBuf::as_path)
        .zip(texts.iter().map(String::as_str))
        .collect();
    // The bundled layout keeps its SLOs and tab; a layout without an slo panel gains one.
    for (spec, slos_before) in [("spheroseg", 4), ("tests/fixtures/variables.toml", 0)] {
        let source = if spec == "spheroseg" {
            Source {
                origin: "layouts/spheroseg.toml".into(),
                text: Layout::load("spheroseg").unwrap().source.text,
            }
        } else {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(spec);
            Source {
                text: std::fs::read_to_string(&path).unwrap(),
                origin: path,
            }
        };
        let layout = extend(source, &added).unwrap();
        let names: Vec<&str> = layout.slos.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(layout.slos.len(), slos_before + 2, "{spec}: {names:?}");
        assert!(
            names.contains(&"requests-availability") && names.contains(&"prometheus-api-query")
        );
        let tab = layout
            .tabs
            .iter()
            .position(|t| t.title == "SLO")
            .unwrap_or_else(|| panic!("{spec}: an SLO tab"));
        let mut app = common::app(layout, "http://127.0.0.1:1");
        app.update(spheroseg_top::app::Msg::Action(
            spheroseg_top::app::Action::SelectTab(tab),
        ));
        let screen = common::lines(&common::render(&app, 200, 50)).join("\n");
        for name in ["requests-availability", "prometheus-api-query"] {
            assert!(
                screen.contains(name),
                "{spec}: {name} on the SLO tab:\n{screen}"
            );
        }
    }
    // On the command line: `slo rules --slo` writes their rules too.
    let output = binary()
        .args(["slo", "rules", "--layout", "spheroseg", "--slo"])
        .arg(&files[0])
        .arg("--slo")
        .arg(&files[1])
        .output()
        .unwrap();
    let rules = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        rules.contains("sloth_id: myservice-requests-availability")
            && rules.contains("alert: MyServiceHighErrorRate")
            && rules.contains("sloth_id: prometheus-api-query-prometheus-api-query")
            && rules.contains("sloth_id: spheroseg-api-availability"),
        "{rules}"
    );
    // A file it cannot read stops the command as a layout's mistake does.
    let output = binary()
        .args(["slo", "rules", "--slo"])
        .arg(fixture("sloth/home-wifi.yml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("home-wifi.yml:35:22"));
}
