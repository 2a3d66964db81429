//! Template variables in the app: `--var`, the picker driven by keys, options arriving,
//! what is re-polled, and a replayed choice.

use super::super::focus::Dir;
use super::super::{Action, App, Msg, SourceInfo};
use super::choices;
use crate::config::{Layout, Source, Theme};
use crate::event::{DataEvent, ReplayIndex, ReplayStatus, SourceCommand};
use crate::prom::PromError;
use crate::variables::Selection;
use std::time::Duration;

const LAYOUT: &str = r#"
[[variable]]
name = "job"
kind = "query"
query = 'label_values(up, job)'

[[variable]]
name = "instance"
kind = "query"
query = 'label_values(up{job="$job"}, instance)'
regex = '/(.*):\d+/'
multi = true
include_all = true

[[variable]]
name = "env"
kind = "custom"
values = ["prod", "staging"]

[[tab]]
title = "Nodes of $job"
[[tab.row]]
[[tab.row.panel]]
title = "CPU of $instance"
kind = "chart"
query = 'rate(node_cpu_seconds_total{job="$job", instance=~"$instance:.*"}[$__rate_interval])'
[[tab.row.panel]]
title = "Env"
kind = "stat"
query = 'up{env="$env"}'
"#;

fn layout() -> Layout {
    Layout::parse(Source {
        origin: "vars.toml".into(),
        text: LAYOUT.into(),
    })
    .unwrap()
}

fn app(chosen: Vec<(String, Selection)>) -> App {
    started(layout(), chosen)
}

/// `layout` live, with `chosen` from `--var`.
fn started(layout: Layout, chosen: Vec<(String, Selection)>) -> App {
    let info = SourceInfo {
        label: "test".into(),
        refresh: Duration::from_secs(5),
        note: None,
    };
    App::new(layout, Theme::load("default").unwrap(), info)
        .with_variables(chosen, Duration::from_secs(15))
}

fn options(app: &mut App, name: &str, values: &[&str]) {
    app.update(Msg::Data(DataEvent::VariableOptions {
        name: name.into(),
        result: Ok(values.iter().map(|v| v.to_string()).collect()),
    }));
}

fn act(app: &mut App, actions: &[Action]) {
    for a in actions {
        app.update(Msg::Action(*a));
    }
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Msg::Action(Action::Input(c)));
    }
}

/// The variables whose options were asked for, in order.
fn asked(commands: &[SourceCommand]) -> Vec<(String, String)> {
    commands
        .iter()
        .filter_map(|c| match c {
            SourceCommand::VariableOptions { name, query } => {
                Some((name.clone(), query.promql().unwrap_or_default().to_string()))
            }
            _ => None,
        })
        .collect()
}

/// The queries an `Expand` re-polls, by id.
fn re_polled(commands: &[SourceCommand]) -> Vec<Vec<usize>> {
    commands
        .iter()
        .filter_map(|c| match c {
            SourceCommand::Expand { queries, .. } => {
                Some(queries.iter().map(|(id, _)| *id).collect())
            }
            _ => None,
        })
        .collect()
}

fn selection(app: &App, name: &str) -> Selection {
    app.variable_values()
        .into_iter()
        .find(|(v, _)| v.name == name)
        .map(|(_, s)| s.clone())
        .unwrap()
}

/// A started app whose job and instance options have arrived.
fn resolved() -> App {
    let mut app = app(Vec::new());
    options(&mut app, "job", &["node", "api"]);
    options(
        &mut app,
        "instance",
        &["10.0.0.5:9100", "10.0.0.6:9100", "nope"],
    );
    echo(&mut app);
    app
}

/// What the live poller does with the commands so far: echoes each `Expand`.
fn echo(app: &mut App) {
    for command in app.take_commands() {
        if let SourceCommand::Expand { selections, .. } = command {
            app.update(Msg::Data(DataEvent::Variables(selections)));
        }
    }
}

#[test]
fn a_chain_asks_for_options_in_order_with_the_earlier_choice() {
    let mut app = app(Vec::new());
    // Only job is ready; instance waits for it. Static variables take their first value.
    assert_eq!(asked(&app.take_commands()), [("job".into(), "up".into())]);
    assert_eq!(selection(&app, "env").values, ["prod"]);
    options(&mut app, "job", &["node", "api"]);
    assert_eq!(selection(&app, "job").values, ["node"]);
    let commands = app.take_commands();
    assert_eq!(
        asked(&commands),
        [("instance".into(), r#"up{job="node"}"#.into())]
    );
    // The regex keeps group 1 and drops what does not match.
    options(
        &mut app,
        "instance",
        &["10.0.0.5:9100", "10.0.0.6:9100", "nope"],
    );
    assert_eq!(selection(&app, "instance").values, ["10.0.0.5"]);
    let expr = &app.layout().queries[0].expr;
    assert_eq!(
        expr,
        r#"rate(node_cpu_seconds_total{job="node", instance=~"10\\.0\\.0\\.5:.*"}[$__rate_interval])"#
    );
    // Polled with the built-ins: max(4 × 15s, 5s + 15s).
    assert!(app.polled_queries()[0].expr.ends_with("[60s])"));
    assert_eq!(app.layout().tabs[0].title, "Nodes of node");
    assert_eq!(
        app.layout().tabs[0].rows[0].panels[0].title,
        "CPU of 10.0.0.5"
    );
}

#[test]
fn the_picker_chooses_a_variable_then_ticks_values_and_applies() {
    let mut app = resolved();
    act(&mut app, &[Action::PickVariables]);
    assert_eq!(app.picker_rows(), ["job", "instance", "env"]);
    typed(&mut app, "inst");
    assert_eq!(app.picker_rows(), ["instance"]);
    act(&mut app, &[Action::Submit]);
    // The values are asked again, live.
    assert_eq!(asked(&app.take_commands()).len(), 1);
    assert_eq!(app.picker_rows(), ["$__all", "10.0.0.5", "10.0.0.6"]);
    // Space ticks: the current value is ticked already; add 10.0.0.6.
    act(
        &mut app,
        &[
            Action::Focus(Dir::Down),
            Action::Focus(Dir::Down),
            Action::Input(' '),
        ],
    );
    assert_eq!(
        app.picker().unwrap().ticked,
        ["10.0.0.5".to_string(), "10.0.0.6".to_string()]
    );
    act(&mut app, &[Action::Submit]);
    assert!(app.picker().is_none());
    assert_eq!(selection(&app, "instance").values, ["10.0.0.5", "10.0.0.6"]);
    // Only the query that uses $instance is re-polled.
    assert_eq!(re_polled(&app.take_commands()), [vec![0]]);
    assert!(
        app.layout().queries[0]
            .expr
            .contains(r#"=~"(10\\.0\\.0\\.5|10\\.0\\.0\\.6):.*""#)
    );
    assert_eq!(
        app.layout().tabs[0].rows[0].panels[0].title,
        "CPU of 10.0.0.5 + 10.0.0.6"
    );
}

#[test]
fn all_excludes_the_values_and_esc_cancels() {
    let mut app = resolved();
    act(&mut app, &[Action::PickVariables]);
    typed(&mut app, "instance");
    act(&mut app, &[Action::Submit, Action::Input(' ')]);
    assert_eq!(app.picker().unwrap().ticked, ["$__all".to_string()]);
    act(&mut app, &[Action::Back]);
    assert!(app.picker().is_none());
    assert_eq!(selection(&app, "instance").values, ["10.0.0.5"]);
    act(&mut app, &[Action::PickVariables]);
    typed(&mut app, "instance");
    act(
        &mut app,
        &[Action::Submit, Action::Input(' '), Action::Submit],
    );
    assert!(selection(&app, "instance").all);
    assert!(
        app.layout().queries[0]
            .expr
            .contains(r#"=~"(10\\.0\\.0\\.5|10\\.0\\.0\\.6):.*""#)
    );
}

#[test]
fn a_single_value_variable_takes_the_highlighted_value_and_its_dependents_are_asked_again() {
    let mut app = resolved();
    act(&mut app, &[Action::PickVariables]);
    typed(&mut app, "job");
    act(&mut app, &[Action::Submit]);
    app.take_commands();
    typed(&mut app, "ap");
    act(&mut app, &[Action::Submit]);
    assert_eq!(selection(&app, "job").values, ["api"]);
    let commands = app.take_commands();
    assert_eq!(
        asked(&commands),
        [("instance".into(), r#"up{job="api"}"#.into())]
    );
    // The instance's value is not an api instance: the first option replaces it.
    options(&mut app, "instance", &["10.0.1.1:80"]);
    assert_eq!(selection(&app, "instance").values, ["10.0.1.1"]);
}

#[test]
fn keys_reach_the_picker_not_the_dashboard() {
    let mut app = resolved();
    act(&mut app, &[Action::PickVariables]);
    // q filters; it does not quit.
    typed(&mut app, "q");
    assert!(!app.should_quit());
    assert!(app.picker_rows().is_empty());
    act(&mut app, &[Action::InputBackspace]);
    assert_eq!(app.picker_rows().len(), 3);
}

#[test]
fn failed_options_are_said_and_keep_the_choice() {
    let mut app = resolved();
    app.update(Msg::Data(DataEvent::VariableOptions {
        name: "instance".into(),
        result: Err(PromError::Unreachable("down".into())),
    }));
    assert!(app.variable_error(1).is_some_and(|e| e.contains("down")));
    assert_eq!(selection(&app, "instance").values, ["10.0.0.5"]);
}

#[test]
fn the_command_line_choice_wins_and_is_checked() {
    let layout = layout();
    let flags = |f: &[&str]| {
        choices(
            &layout,
            &f.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    let chosen = flags(&["instance=a,b", "env=staging", "job=node,api"]).unwrap();
    assert_eq!(chosen[0].1.values, ["a", "b"]);
    // A single-value variable takes the text whole.
    assert_eq!(chosen[2].1.values, ["node,api"]);
    assert!(flags(&["instance=All"]).unwrap()[0].1.all);
    for (flag, message) in [
        ("nope=1", "no variable \"nope\""),
        ("env=dev", "not one of env's values"),
        ("env", "expected NAME=VALUE"),
        ("env=All", "does not offer All"),
    ] {
        let error = flags(&[flag]).unwrap_err().to_string();
        assert!(error.contains(message), "{flag}: {error}");
    }
    assert!(
        flags(&["env=prod", "env=prod"])
            .unwrap_err()
            .to_string()
            .contains("twice")
    );

    let mut app = app(chosen);
    assert_eq!(selection(&app, "env").values, ["staging"]);
    assert_eq!(app.layout().queries[1].expr, r#"up{env="staging"}"#);
    // The echo of the start-up choice goes to the source (and so into a recording).
    assert!(app.take_commands().iter().any(|c| matches!(
        c,
        SourceCommand::Expand { queries, selections } if queries.is_empty() && selections.len() == 3
    )));
}

#[test]
fn a_recorded_choice_is_shown_and_resets_the_history_it_changes() {
    let info = SourceInfo {
        label: "replay".into(),
        refresh: Duration::from_secs(5),
        note: None,
    };
    // A replay's app is not started: nothing is asked of the source.
    let mut app = App::new(layout(), Theme::load("default").unwrap(), info);
    app.update(Msg::Data(DataEvent::Variables(vec![
        ("job".into(), Selection::of(vec!["api".into()])),
        ("env".into(), Selection::of(vec!["staging".into()])),
    ])));
    assert_eq!(selection(&app, "job").values, ["api"]);
    assert_eq!(app.layout().tabs[0].title, "Nodes of api");
    assert_eq!(app.layout().queries[1].expr, r#"up{env="staging"}"#);
    // The replayer answers drill ranges from the new text of what changed.
    assert_eq!(re_polled(&app.take_commands()), [vec![0, 1]]);
    // Nothing is asked of a replay, and the picker says why.
    act(&mut app, &[Action::PickVariables]);
    assert!(app.picker().is_none());
    assert!(app.notice().is_some_and(|n| n.contains("recorded choice")));
    // A recording started mid-session begins with the choice.
    assert!(
        app.state_events()
            .iter()
            .any(|e| matches!(e, DataEvent::Variables(pairs) if pairs.len() == 3))
    );
}

#[test]
fn without_variables_v_says_so() {
    let info = SourceInfo {
        label: "test".into(),
        refresh: Duration::from_secs(5),
        note: None,
    };
    let mut app = App::new(
        Layout::load("spheroseg").unwrap(),
        Theme::load("default").unwrap(),
        info,
    );
    act(&mut app, &[Action::PickVariables]);
    assert!(app.picker().is_none());
    assert!(app.notice().is_some_and(|n| n.contains("no [[variable]]")));
}

#[test]
fn live_an_old_echo_does_not_undo_a_newer_choice() {
    let mut app = resolved();
    app.update(Msg::Data(DataEvent::Variables(vec![(
        "env".into(),
        Selection::of(vec!["staging".into()]),
    )])));
    assert_eq!(selection(&app, "env").values, ["prod"]);
    assert!(app.take_commands().is_empty());
}

#[test]
fn a_value_the_options_lack_falls_back_and_says_so() {
    let chosen = choices(&layout(), &["job=nope".to_string()]).unwrap();
    let mut app = app(chosen);
    options(&mut app, "job", &["node", "api"]);
    assert_eq!(selection(&app, "job").values, ["node"]);
    let notice = app.notice().unwrap_or_default();
    assert!(
        notice.contains("$job: nope is not among its options now; using node instead"),
        "{notice}"
    );
}

#[test]
fn live_answers_of_the_old_text_are_dropped_until_the_echo() {
    let mut app = resolved();
    act(&mut app, &[Action::PickVariables]);
    typed(&mut app, "env");
    act(&mut app, &[Action::Submit]);
    typed(&mut app, "stag");
    act(&mut app, &[Action::Submit]);
    let commands = app.take_commands();
    assert_eq!(re_polled(&commands), [vec![1]]);
    let answer = |app: &mut App| {
        app.update(Msg::Data(DataEvent::Instant {
            id: 1,
            at: 1.0,
            result: Ok(Vec::new()),
            latency: Duration::ZERO,
        }));
        app.store().query(1).unwrap().last_eval.is_some()
    };
    // Still in the channel when the choice changed: of the old text.
    assert!(!answer(&mut app));
    for command in commands {
        if let SourceCommand::Expand { selections, .. } = command {
            app.update(Msg::Data(DataEvent::Variables(selections)));
        }
    }
    assert!(answer(&mut app));
}

#[test]
fn after_a_seek_a_replay_shows_the_choice_in_force_there() {
    let info = SourceInfo {
        label: "replay".into(),
        refresh: Duration::from_secs(5),
        note: None,
    };
    let mut app = App::new(layout(), Theme::load("default").unwrap(), info);
    let env = |value: &str| vec![("env".to_string(), Selection::of(vec![value.to_string()]))];
    app.update(Msg::Data(DataEvent::ReplayIndex(ReplayIndex {
        choices: vec![(10.0, env("prod")), (20.0, env("staging"))],
        ..ReplayIndex::default()
    })));
    let status = |position: f64| {
        DataEvent::ReplayStatus(ReplayStatus {
            start: 0.0,
            end: 30.0,
            position,
            speed: 1.0,
            playing: true,
        })
    };
    app.update(Msg::Data(status(25.0)));
    assert_eq!(selection(&app, "env").values, ["staging"]);
    // Back before the change: its event is not replayed again, the index knows it.
    app.update(Msg::Data(DataEvent::Reset));
    app.update(Msg::Data(status(25.0)));
    app.update(Msg::Data(DataEvent::Reset));
    // Before the first recorded choice: the first.
    app.update(Msg::Data(status(5.0)));
    assert_eq!(selection(&app, "env").values, ["prod"]);
}

#[test]
fn without_options_a_variable_takes_the_empty_value_or_all_and_its_dependants_are_asked() {
    let mut app = app(Vec::new());
    app.take_commands();
    options(&mut app, "job", &[]);
    // Grafana's None: the chain goes on with job="" instead of waiting for a value.
    assert_eq!(selection(&app, "job").values, [""]);
    assert_eq!(
        asked(&app.take_commands()),
        [("instance".to_string(), r#"up{job=""}"#.to_string())]
    );
    assert_eq!(app.notice(), None);
    // instance offers All: with no options, All.
    options(&mut app, "instance", &[]);
    assert!(selection(&app, "instance").all);
}

#[test]
fn a_value_given_is_kept_when_there_are_no_options_and_empty_is_a_value() {
    let chosen = choices(&layout(), &["job=node".to_string()]).unwrap();
    let mut given = app(chosen);
    options(&mut given, "job", &[]);
    assert_eq!(selection(&given, "job").values, ["node"]);
    assert_eq!(
        given.notice(),
        Some("$job: Prometheus offers no options; keeping node")
    );
    // Once options come they rule, and the notice names what is used.
    options(&mut given, "job", &["api"]);
    assert_eq!(
        given.notice(),
        Some("$job: node is not among its options now; using api instead")
    );
    // `--var job=` is Grafana's empty value, and says so where a notice names it.
    let empty = choices(&layout(), &["job=".to_string()]).unwrap();
    assert_eq!(empty[0].1.values, [""]);
    let mut nothing = app(empty);
    options(&mut nothing, "job", &["api"]);
    assert_eq!(
        nothing.notice(),
        Some("$job: the empty value (none) is not among its options now; using api instead")
    );
    assert!(choices(&layout(), &["instance=a,".to_string()]).is_err());
}

#[test]
fn a_label_named_by_a_variable_and_legends_with_variables_are_written_out() {
    let layout = Layout::parse(Source {
        origin: "label.toml".into(),
        text: r#"
[[variable]]
name = "custom_label_name"
kind = "constant"
value = "job"
[[variable]]
name = "custom_label_value"
kind = "query"
query = 'label_values(prometheus_build_info, $custom_label_name)'
[[tab]]
title = "T"
[[tab.row]]
[[tab.row.panel]]
title = "p"
kind = "chart"
query = 'up{$custom_label_name="$custom_label_value"}'
legend = "{{instance}}/{{$custom_label_name}}"
"#
        .into(),
    })
    .unwrap();
    let mut app = started(layout, Vec::new());
    let label = app.take_commands().into_iter().find_map(|c| match c {
        SourceCommand::VariableOptions {
            query: crate::variables::OptionsQuery::LabelValues { label, .. },
            ..
        } => Some(label),
        _ => None,
    });
    assert_eq!(label.as_deref(), Some("job"));
    let panel = &app.layout().tabs[0].rows[0].panels[0];
    assert_eq!(
        panel.queries[0].legend.as_deref(),
        Some("{{instance}}/{{job}}")
    );
}

#[test]
fn side_by_side_the_options_are_every_backend_s_union() {
    let info = SourceInfo {
        label: "test".into(),
        refresh: Duration::from_secs(5),
        note: None,
    };
    let mut app = App::new(layout(), Theme::load("default").unwrap(), info)
        .with_backends(vec!["eu".into(), "us".into()])
        .with_variables(Vec::new(), Duration::from_secs(15));
    let job = |app: &App| app.variable_options(0).map(<[String]>::to_vec);
    let from_us = |result: Result<Vec<String>, PromError>| {
        Msg::Data(DataEvent::Backend {
            backend: 1,
            event: Box::new(DataEvent::VariableOptions {
                name: "job".into(),
                result,
            }),
        })
    };
    // us fails first: nothing to offer yet but its failure.
    app.update(from_us(Err(PromError::Timeout(Duration::from_secs(5)))));
    assert_eq!(job(&app), None);
    assert!(app.variable_error(0).is_some());
    // eu answers: its jobs; then us answers too: the jobs only us has join, once each.
    options(&mut app, "job", &["api", "node"]);
    assert_eq!(job(&app), Some(vec!["api".into(), "node".into()]));
    app.update(from_us(Ok(vec!["node".into(), "ml".into()])));
    assert_eq!(
        job(&app),
        Some(vec!["api".into(), "node".into(), "ml".into()])
    );
    assert_eq!(app.variable_error(0), None);
    // us failing later takes nothing away from what eu offers.
    app.update(from_us(Err(PromError::Timeout(Duration::from_secs(5)))));
    assert_eq!(job(&app), Some(vec!["api".into(), "node".into()]));
}
