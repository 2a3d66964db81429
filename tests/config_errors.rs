//! A mistake in a layout or theme is reported by `spheroseg-top check` as
//! `error: FILE:LINE:COL: key `KEY`: MESSAGE`, a snippet and a caret, with exit code 2 —
//! never a panic. Each fixture under `tests/invalid_layouts/` and `tests/invalid_themes/`
//! is a small valid file with exactly one mistake.

#![allow(clippy::unwrap_used)]

use spheroseg_top::config::Layout;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One fixture and where and how its mistake must be reported.
struct Case {
    file: &'static str,
    line: usize,
    column: usize,
    /// The reported key must be this, or end in `.` followed by this.
    key: &'static str,
    /// Fragments the message must contain.
    message: &'static [&'static str],
}

const fn case(
    file: &'static str,
    line: usize,
    column: usize,
    key: &'static str,
    message: &'static [&'static str],
) -> Case {
    Case {
        file,
        line,
        column,
        key,
        message,
    }
}

const LAYOUT_CASES: &[Case] = &[
    case(
        "slo_objective_100.toml",
        33,
        13,
        "slo[0].objective",
        &[
            "objective 100 must be a percentage above 0 and below 100",
            "no error budget",
        ],
    ),
    case(
        "slo_objective_zero.toml",
        33,
        13,
        "slo[0].objective",
        &["objective 0 must be a percentage above 0"],
    ),
    case(
        "slo_burn_window_outside.toml",
        40,
        6,
        "slo[0].burn_windows.3d",
        &["burn window 3d = 1h does not fit inside the SLO window of 10m"],
    ),
    case(
        "slo_not_a_counter.toml",
        35,
        10,
        "slo[0].errors",
        &[
            "must select a counter",
            "`db_replication_lag_seconds` is not a counter",
        ],
    ),
    case(
        "slo_rate_not_a_selector.toml",
        35,
        10,
        "slo[0].errors",
        &["is not a plain selector", "the SLI takes its rate()"],
    ),
    case(
        "columns_on_a_chart.toml",
        14,
        11,
        "tab[0].row[0].panel[0].columns",
        &["only a table panel has `columns`"],
    ),
    case(
        "mapping_value_and_range.toml",
        19,
        1,
        "tab[0].row[0].panel[0].mapping[1]",
        &["either `value` or `from`/`to`, not both"],
    ),
    case(
        "misspelt_key.toml",
        13,
        1,
        "qurey",
        &["unknown field `qurey`", "`query`"],
    ),
    case(
        "unknown_kind.toml",
        12,
        8,
        "kind",
        &[
            "unknown variant `gage`",
            "`gauge`",
            "`sparkline`",
            "`chart`",
            "`stat`",
            "`bar`",
            "`kpi_table`",
        ],
    ),
    case(
        "unknown_unit.toml",
        15,
        8,
        "unit",
        &["unknown variant `secs`", "`seconds`"],
    ),
    case(
        "alert_better_than_target_above.toml",
        17,
        9,
        "tab[0].row[0].panel[0].alert",
        &[
            "alert threshold 0.2 is better than target 0.5",
            "above is bad",
        ],
    ),
    case(
        "alert_better_than_target_below.toml",
        16,
        9,
        "tab[0].row[0].panel[0].alert",
        &[
            "alert threshold 0.9 is better than target 0.8",
            "below is bad",
        ],
    ),
    case(
        "alert_better_than_target_kpi.toml",
        29,
        9,
        "tab[0].row[0].panel[1].kpi[0].alert",
        &["alert threshold 1 is better than target 5"],
    ),
    case(
        "kpi_short_not_shorter.toml",
        16,
        9,
        "tab[0].row[0].panel[0].kpi[0].short",
        &[
            "kpi \"Lag\"",
            "`short` must be a non-empty name shorter than the name",
        ],
    ),
    case(
        "empty_query.toml",
        13,
        9,
        "tab[0].row[0].panel[0].query",
        &["query is empty"],
    ),
    case(
        "kpi_table_without_kpis.toml",
        21,
        8,
        "tab[0].row[0].panel[1].kpi",
        &["\"Database performance\"", "kpi_table needs at least one"],
    ),
    case(
        "drill_unknown_name.toml",
        20,
        9,
        "tab[0].row[0].panel[0].kpi[0].drill",
        &["no [drill.replicas]", "declared: [\"replica\"]"],
    ),
    case(
        "drill_unknown_placeholder.toml",
        27,
        9,
        "drill.replica.panel[0].query",
        &["`$instance`", "by = [\"replica\"]"],
    ),
    case(
        "drill_by_nothing.toml",
        23,
        6,
        "drill.replica.by",
        &["at least one label"],
    ),
    case(
        "chart_without_query.toml",
        12,
        8,
        "tab[0].row[0].panel[0].query",
        &["\"API p95 latency\"", "has no `query`"],
    ),
    case(
        "gauge_without_max.toml",
        12,
        8,
        "tab[0].row[0].panel[0].max",
        &["\"ML queue\"", "needs `max`"],
    ),
    case(
        "width_not_a_number.toml",
        13,
        9,
        "width",
        &["invalid type", "\"wide\""],
    ),
    case(
        "target_not_a_number.toml",
        16,
        10,
        "target",
        &["invalid type", "\"fast\""],
    ),
    case(
        "series_legend_not_a_string.toml",
        15,
        63,
        "legend",
        &["invalid type", "expected a string"],
    ),
    case(
        "invalid_duration.toml",
        15,
        10,
        "window",
        &["invalid duration \"5x\"", "15m"],
    ),
    case(
        "unclosed_string.toml",
        11,
        25,
        "title",
        &["invalid basic string"],
    ),
    case("unclosed_header.toml", 4, 7, "tab", &["expected `]`"]),
    case(
        "missing_kind.toml",
        16,
        1,
        "kind",
        &["missing field `kind`"],
    ),
    case("no_tabs.toml", 1, 1, "tab", &["at least one [[tab]]"]),
    case(
        "tab_without_rows.toml",
        32,
        9,
        "tab[1].row",
        &["tab \"Database\" has no [[tab.row]]"],
    ),
    // The empty row is the second `[[tab.row]]` (line 31), not the tab's title.
    case(
        "row_without_panels.toml",
        31,
        1,
        "tab[0].row[1].panel",
        &["has no [[tab.row.panel]]"],
    ),
    case(
        "height_zero.toml",
        8,
        10,
        "tab[0].row[0].height",
        &["must be at least 1"],
    ),
    case(
        "annotation_broken_query.toml",
        33,
        9,
        "annotation[0].query",
        &["unclosed left parenthesis"],
    ),
    case(
        "annotation_bad_colour.toml",
        34,
        10,
        "annotation[0].colour",
        &["\"#fab\" is not a colour", "#rrggbb"],
    ),
    case(
        "annotation_color_spelling.toml",
        34,
        1,
        "color",
        &["unknown field `color`", "`colour`"],
    ),
    case(
        "annotation_duplicate_name.toml",
        36,
        8,
        "annotation[1].name",
        &["already named \"restarts\""],
    ),
    case(
        "annotation_bad_title.toml",
        34,
        9,
        "annotation[0].title",
        &["`{{` without `}}`"],
    ),
    // PromQL the parser rejects, located at the query's value with the parser's message.
    case(
        "broken_query.toml",
        25,
        9,
        "tab[0].row[0].panel[1].kpi[0].query",
        &["unclosed left parenthesis"],
    ),
    // `$replica` stands for a value while parsing, so the real mistake is the one reported.
    case(
        "broken_drill_query.toml",
        27,
        9,
        "drill.replica.panel[0].query",
        &["unexpected end of input inside braces"],
    ),
    // Template variables: the right keys for each kind, chains that only look back.
    case(
        "variable_unknown_key.toml",
        34,
        1,
        "qurey",
        &["unknown field `qurey`", "`query`", "`include_all`"],
    ),
    case(
        "variable_unknown_kind.toml",
        33,
        8,
        "kind",
        &[
            "unknown variant `dropdown`",
            "`query`",
            "`custom`",
            "`constant`",
            "`interval`",
        ],
    ),
    case(
        "variable_without_query.toml",
        34,
        8,
        "variable[0].query",
        &["variable \"job\"", "needs `query`"],
    ),
    case(
        "variable_custom_takes_no_value.toml",
        34,
        9,
        "variable[0].value",
        &["a custom variable takes no `value`"],
    ),
    case(
        "variable_unknown_function.toml",
        34,
        9,
        "variable[0].query",
        &["label_values(metric{…}, label)", "query_result(expr)"],
    ),
    case(
        "variable_chain_forward.toml",
        34,
        9,
        "variable[0].query",
        &["`$instance`", "declared before this variable"],
    ),
    case(
        "variable_bad_regex.toml",
        35,
        9,
        "variable[0].regex",
        &["invalid regex", "unclosed group"],
    ),
    case(
        "variable_default_not_a_value.toml",
        35,
        11,
        "variable[0].default",
        &["\"dev\" is not one of the values"],
    ),
    case(
        "variable_interval_not_a_duration.toml",
        34,
        10,
        "variable[0].values",
        &["\"five minutes\" is not a PromQL duration"],
    ),
    case(
        "variable_undeclared_in_query.toml",
        25,
        9,
        "tab[0].row[0].panel[1].kpi[0].query",
        &["`$replcia`", "declared: [\"replica\"]"],
    ),
];

const THEME_CASES: &[Case] = &[
    case(
        "unknown_colour.toml",
        5,
        16,
        "styles.alert.fg",
        &["unknown colour \"crimsonish\"", "#rrggbb"],
    ),
    case(
        "unknown_style.toml",
        4,
        1,
        "styles.alrt",
        &["unknown style \"alrt\"", "alert"],
    ),
    case(
        "unknown_style_field.toml",
        3,
        8,
        "fgg",
        &["unknown field `fgg`", "`fg`"],
    ),
    case(
        "extends_nope.toml",
        2,
        11,
        "extends",
        &["no bundled theme \"nope\"", "default, light, mono"],
    ),
    case(
        "style_flag_not_a_bool.toml",
        3,
        29,
        "bold",
        &["expected a boolean"],
    ),
];

/// The valid layout every layout fixture is a copy of (before its one mistake).
const MINIMAL_LAYOUT: &str = r#"title = "SpherosegV4 (minimal)"

[[tab]]
title = "Overview"

[[tab.row]]
height = 2

[[tab.row.panel]]
title = "API p95 latency"
kind = "chart"
query = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'
legend = "p95"
unit = "seconds"
target = 0.2
alert = 0.5

[[tab.row.panel]]
title = "Database performance"
kind = "kpi_table"

[[tab.row.panel.kpi]]
name = "Replication lag"
query = 'db_replication_lag_seconds'
legend = "{{replica}}"
unit = "seconds"
target = 1
alert = 5
"#;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(dir: &str, file: &str) -> PathBuf {
    manifest_dir().join("tests").join(dir).join(file)
}

/// Runs `spheroseg-top check ARGS` without a terminal and without NO_COLOR.
fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
        .arg("check")
        .args(args)
        .current_dir(manifest_dir())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("running spheroseg-top")
}

/// Runs `check ARGS`, asserts it passed without a panic, and returns its stdout.
fn check_passes(what: &str, args: &[&str]) -> String {
    let output = check(args);
    assert_no_panic(what, &output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{what}: stderr:\n{}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_panic(what: &str, output: &Output) {
    let stderr = text(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{what}: panicked:\n{stderr}"
    );
}

/// Everything wrong with how `case` was reported; empty when it was reported right.
fn problems(flag: &str, dir: &str, case: &Case) -> Vec<String> {
    let path = fixture(dir, case.file);
    let path_text = path.display().to_string();
    let output = check(&[flag, &path_text]);
    let stderr = text(&output.stderr);
    let mut problems = Vec::new();

    if output.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", output.status.code()));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        problems.push("panicked".to_string());
    }

    let first = stderr.lines().next().unwrap_or_default();
    let location = format!("{path_text}:{}:{}: key `", case.line, case.column);
    match first.strip_prefix("error: ") {
        None => problems.push("first line does not start with `error: `".to_string()),
        Some(rest) if !rest.starts_with(&path_text) => {
            problems.push("the message does not name the file".to_string())
        }
        Some(rest) if !rest.starts_with(&location) => {
            problems.push(format!("expected location :{}:{}:", case.line, case.column))
        }
        Some(_) => {}
    }

    let key = first
        .split_once("key `")
        .and_then(|(_, rest)| rest.split_once("`: "))
        .map(|(key, _)| key);
    match key {
        Some(key) if key == case.key || key.ends_with(&format!(".{}", case.key)) => {}
        Some(key) => problems.push(format!("key `{key}`, expected `{}`", case.key)),
        None => problems.push(format!("no key, expected `{}`", case.key)),
    }

    for fragment in case.message {
        if !first.contains(fragment) {
            problems.push(format!("message lacks {fragment:?}"));
        }
    }

    // The snippet is the offending line, and the caret sits under the column.
    let source = std::fs::read_to_string(&path).expect("reading the fixture");
    let expected_line = source.lines().nth(case.line - 1).unwrap_or_default();
    let gutter = format!(" {} | ", case.line);
    let lines: Vec<&str> = stderr.lines().collect();
    match lines.iter().position(|l| l.starts_with(&gutter)) {
        None => problems.push(format!("no snippet of line {}", case.line)),
        Some(i) => {
            if lines[i][gutter.len()..] != *expected_line {
                problems.push(format!("snippet is not line {}", case.line));
            }
            let caret = lines
                .get(i + 1)
                .and_then(|l| l.chars().position(|c| c == '^'));
            if caret != Some(gutter.chars().count() + case.column - 1) {
                problems.push(format!("caret is not under column {}", case.column));
            }
        }
    }

    if problems.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{dir}/{}: {}\n--- stderr ---\n{stderr}",
            case.file,
            problems.join("; ")
        )]
    }
}

fn assert_all_reported(flag: &str, dir: &str, cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|case| problems(flag, dir, case))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases reported wrongly:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_invalid_layout_is_reported_at_its_mistake() {
    assert_all_reported("--layout", "invalid_layouts", LAYOUT_CASES);
}

#[test]
fn every_invalid_theme_is_reported_at_its_mistake() {
    assert_all_reported("--theme", "invalid_themes", THEME_CASES);
}

#[test]
fn every_fixture_has_a_case() {
    for (dir, cases) in [
        ("invalid_layouts", LAYOUT_CASES),
        ("invalid_themes", THEME_CASES),
    ] {
        for entry in std::fs::read_dir(manifest_dir().join("tests").join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                cases.iter().any(|c| c.file == name),
                "{dir}/{name} has no case in tests/config_errors.rs"
            );
        }
    }
}

#[test]
fn the_layout_the_fixtures_are_copied_from_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("minimal.toml");
    std::fs::write(&path, MINIMAL_LAYOUT).unwrap();
    let stdout = check_passes("minimal layout", &["--layout", path.to_str().unwrap()]);
    assert!(
        stdout.contains("1 tabs, 2 panels, 2 distinct queries"),
        "stdout:\n{stdout}"
    );
}

#[test]
fn a_layout_with_chained_variables_is_valid() {
    let layout = format!(
        "{MINIMAL_LAYOUT}{}",
        r#"
[[variable]]
name = "job"
label = "Job"
kind = "query"
query = 'label_values(up, job)'
default = "node"

[[variable]]
name = "instance"
kind = "query"
query = 'label_values(node_uname_info{job="$job"}, instance)'
regex = '/(.*):\d+/'
multi = true
include_all = true
all_value = ".*"
default = ["$__all"]

[[variable]]
name = "step"
kind = "interval"
values = ["1m", "5m"]

[[variable]]
name = "env"
kind = "constant"
value = "prod"

[[variable]]
name = "pool"
kind = "custom"
values = ["a", "b"]
multi = true
default = ["a", "b"]

[[tab]]
title = "Node $instance"
[[tab.row]]
[[tab.row.panel]]
title = "CPU of $instance"
kind = "chart"
query = 'sum by (instance) (rate(node_cpu_seconds_total{job="$job", instance=~"${instance:regex}", env="[[env]]"}[$__rate_interval])) / avg_over_time(up[$step])'
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("variables.toml");
    std::fs::write(&path, &layout).unwrap();
    let stdout = check_passes(
        "layout with variables",
        &["--layout", path.to_str().unwrap()],
    );
    for line in [
        "  $job query label_values(up, job)\n",
        "  $instance query label_values(node_uname_info{job=\"$job\"}, instance) regex /(.*):\\d+/ [multi] [all]\n",
        "  $step interval 1m, 5m\n",
        "  $env constant prod\n",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    let parsed = Layout::load(path.to_str().unwrap()).unwrap();
    let names: Vec<&str> = parsed.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["job", "instance", "step", "env", "pool"]);
    assert_eq!(parsed.variables[1].default, ["$__all"]);
}

#[test]
fn a_user_theme_may_override_only_alert() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(
        &path,
        "# Louder alerts; everything else from the default theme.\n\
         [styles]\n\
         alert = { fg = \"#ff5f5f\", bold = true }\n",
    )
    .unwrap();
    let stdout = check_passes("user theme", &["--theme", path.to_str().unwrap()]);
    assert!(stdout.contains("theme mine: ok"), "stdout:\n{stdout}");
}

#[test]
fn the_bundled_layout_passes_and_counts_its_distinct_queries() {
    let stdout = check_passes("bundled layout", &["--layout", "spheroseg"]);
    let expected = Layout::load("spheroseg").unwrap().queries.len();
    assert!(expected > 0);
    assert!(
        stdout
            .lines()
            .next()
            .unwrap_or_default()
            .contains(&format!(", {expected} distinct queries")),
        "expected {expected} distinct queries in:\n{stdout}"
    );
    let listed = stdout.lines().filter(|l| l.starts_with("  q")).count();
    assert_eq!(listed, expected, "one line per query:\n{stdout}");
    assert!(
        stdout.contains("  annotation restarts: changes(process_start_time_seconds[1m]) > 0"),
        "the annotations are listed:\n{stdout}"
    );
}

#[test]
fn a_missing_layout_file_cannot_be_read() {
    let path = fixture("invalid_layouts", "does_not_exist.toml");
    let path_text = path.display().to_string();
    let output = check(&["--layout", &path_text]);
    assert_no_panic("missing layout", &output);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(
        stderr.contains(&format!("cannot read {path_text}")),
        "stderr:\n{stderr}"
    );
}

#[test]
fn an_unknown_bundled_name_lists_the_bundled_ones() {
    for (flag, known) in [
        ("--layout", &["spheroseg"][..]),
        ("--theme", &["default", "light", "mono"][..]),
    ] {
        let output = check(&[flag, "nosuch"]);
        assert_no_panic(flag, &output);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag}: stderr:\n{stderr}");
        assert!(stderr.contains("\"nosuch\""), "{flag}: stderr:\n{stderr}");
        for name in known {
            assert!(
                stderr.contains(name),
                "{flag}: {name} not listed:\n{stderr}"
            );
        }
    }
}

#[test]
fn no_color_selects_the_mono_theme_unless_a_theme_is_given() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_spheroseg-top"))
            .args(args)
            .arg("check")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(run(&[]).contains("theme mono: ok"));
    assert!(run(&["--theme", "light"]).contains("theme light: ok"));
}

#[test]
fn a_rule_expression_the_parser_rejects_is_reported_at_its_value() {
    let path = fixture("invalid_rules", "broken_expr.yml");
    let path_text = path.display().to_string();
    let output = check(&["--rules", &path_text]);
    assert_no_panic("broken rule expr", &output);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    // Rule files name the key as serde_yaml's path, without `key `…``.
    let first = stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("error: {path_text}:16:15: groups[0].rules[1].expr: unclosed left parenthesis"),
        "stderr:\n{stderr}"
    );
    // The snippet is line 16, and the caret sits under column 15.
    let gutter = " 16 | ";
    let caret = format!("{}^", " ".repeat(gutter.len() + 15 - 1));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.get(1..3),
        Some(
            &[
                &*format!("{gutter}        expr: max(db_replication_lag_seconds > 5"),
                &*caret
            ][..]
        ),
        "stderr:\n{stderr}"
    );
}
