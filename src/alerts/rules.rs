//! Prometheus rule files (`groups: - name, interval, rules: - alert|record, expr, for, …`)
//! loaded into typed rules. Mistakes are errors with file, line and column: unknown fields,
//! rules with both or neither of `alert` and `record`, missing `expr`, PromQL the parser
//! rejects, bad durations.

use super::duration::PromDuration;
use super::error::RuleFileError;
use super::promql;
use crate::model::Labels;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct RuleFile {
    pub path: PathBuf,
    pub groups: Vec<RuleGroup>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleGroup {
    pub name: String,
    /// How often Prometheus evaluates the group; `None` means its global default.
    pub interval: Option<Duration>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    Alerting(AlertingRule),
    Recording(RecordingRule),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlertingRule {
    /// The `alert` name, which becomes the `alertname` label.
    pub name: String,
    pub expr: String,
    /// The rule's `for`: how long an instance stays pending before it fires.
    pub for_duration: Duration,
    /// How long a firing instance keeps firing after its series disappeared.
    pub keep_firing_for: Duration,
    /// Added to every instance; values may contain templates.
    pub labels: Labels,
    /// Expanded per instance (`{{ $value }}`, `{{ $labels.replica }}`).
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordingRule {
    /// The `record` name: the metric the rule would write.
    pub name: String,
    pub expr: String,
    pub labels: Labels,
}

impl RuleFile {
    pub fn load(path: &Path) -> Result<RuleFile, RuleFileError> {
        let text = crate::config::file::read_to_string(path, crate::config::file::Kind::Rules)
            .map_err(|source| RuleFileError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        Self::parse(path, &text)
    }

    /// Parses a rule file's text; `path` is for messages.
    pub fn parse(path: &Path, text: &str) -> Result<RuleFile, RuleFileError> {
        // An empty file (or one with only comments) is a valid file with no groups.
        let raw: Option<RawFile> =
            serde_yaml_ng::from_str(text).map_err(|e| RuleFileError::from_yaml(path, text, &e))?;
        Ok(RuleFile {
            path: path.to_path_buf(),
            groups: raw.and_then(|r| r.groups).map(|g| g.0).unwrap_or_default(),
        })
    }

    pub fn alerting_rules(&self) -> impl Iterator<Item = &AlertingRule> + '_ {
        self.groups
            .iter()
            .flat_map(|g| &g.rules)
            .filter_map(|r| match r {
                Rule::Alerting(a) => Some(a),
                Rule::Recording(_) => None,
            })
    }

    pub fn recording_rules(&self) -> impl Iterator<Item = &RecordingRule> + '_ {
        self.groups
            .iter()
            .flat_map(|g| &g.rules)
            .filter_map(|r| match r {
                Rule::Recording(r) => Some(r),
                Rule::Alerting(_) => None,
            })
    }
}

/// Loads several rule files; the first bad one stops loading.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<RuleFile>, RuleFileError> {
    paths.iter().map(|p| RuleFile::load(p)).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    groups: Option<Groups>,
}

/// The group list; group names must be unique within a file, as Prometheus requires.
struct Groups(Vec<RuleGroup>);

impl<'de> Deserialize<'de> for Groups {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GroupsVisitor;
        impl<'de> Visitor<'de> for GroupsVisitor {
            type Value = Groups;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of rule groups")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Groups, A::Error> {
                let mut groups: Vec<RuleGroup> = Vec::new();
                let mut names = BTreeSet::new();
                while let Some(group) = seq.next_element::<RuleGroup>()? {
                    if !names.insert(group.name.clone()) {
                        return Err(de::Error::custom(format!(
                            "group name \"{}\" is repeated in the same file",
                            group.name
                        )));
                    }
                    groups.push(group);
                }
                Ok(Groups(groups))
            }
        }
        deserializer.deserialize_seq(GroupsVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: String,
    interval: Option<PromDuration>,
    // Accepted because Prometheus accepts them; the local evaluator does not use them.
    #[allow(dead_code)]
    query_offset: Option<PromDuration>,
    #[allow(dead_code)]
    limit: Option<u64>,
    #[serde(default)]
    rules: Option<Vec<Rule>>,
}

impl<'de> Deserialize<'de> for RuleGroup {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(Checked::new("a rule group", check_group))
    }
}

fn check_group(raw: RawGroup) -> Result<RuleGroup, String> {
    if raw.name.trim().is_empty() {
        return Err("a rule group needs a non-empty `name`".to_string());
    }
    Ok(RuleGroup {
        name: raw.name,
        interval: raw.interval.map(|d| d.0),
        rules: raw.rules.unwrap_or_default(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    alert: Option<String>,
    record: Option<String>,
    expr: Option<PromqlText>,
    #[serde(rename = "for")]
    for_duration: Option<PromDuration>,
    keep_firing_for: Option<PromDuration>,
    labels: Option<BTreeMap<String, LabelValue>>,
    annotations: Option<BTreeMap<String, LabelValue>>,
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(Checked::new("a rule", check_rule))
    }
}

fn check_rule(raw: RawRule) -> Result<Rule, String> {
    let expr = raw.expr.map(|e| e.0).unwrap_or_default();
    let labels = label_map("label", raw.labels)?;
    match (raw.alert, raw.record) {
        (Some(alert), Some(record)) => Err(format!(
            "rule has both `alert: {alert}` and `record: {record}`; a rule is either an alerting rule (`alert`) or a recording rule (`record`)"
        )),
        (None, None) => Err(
            "rule has neither `alert` nor `record`; an alerting rule needs `alert: NAME`, a recording rule `record: NAME`"
                .to_string(),
        ),
        (Some(name), None) => {
            if name.trim().is_empty() {
                return Err("`alert` must not be empty".to_string());
            }
            check_expr(&name, &expr)?;
            Ok(Rule::Alerting(AlertingRule {
                for_duration: raw.for_duration.unwrap_or_default().0,
                keep_firing_for: raw.keep_firing_for.unwrap_or_default().0,
                annotations: label_map("annotation", raw.annotations)?,
                name,
                expr,
                labels,
            }))
        }
        (None, Some(name)) => {
            if !promql::is_metric_name(&name) {
                return Err(format!(
                    "`record: {name}` is not a valid metric name (letters, digits, `_` and `:`, not starting with a digit)"
                ));
            }
            for (field, set) in [
                ("for", raw.for_duration.is_some()),
                ("keep_firing_for", raw.keep_firing_for.is_some()),
                ("annotations", raw.annotations.is_some()),
            ] {
                if set {
                    return Err(format!(
                        "recording rule \"{name}\" cannot have `{field}`; only alerting rules have it"
                    ));
                }
            }
            check_expr(&name, &expr)?;
            Ok(Rule::Recording(RecordingRule { name, expr, labels }))
        }
    }
}

fn check_expr(rule: &str, expr: &str) -> Result<(), String> {
    if expr.trim().is_empty() {
        return Err(format!("rule \"{rule}\" has no `expr`"));
    }
    Ok(())
}

fn label_map(
    what: &str,
    raw: Option<BTreeMap<String, LabelValue>>,
) -> Result<BTreeMap<String, String>, String> {
    let map = raw.unwrap_or_default();
    if let Some(bad) = map
        .keys()
        .find(|k| !promql::is_label_name(k) || k.as_str() == "__name__")
    {
        return Err(format!(
            "invalid {what} name \"{bad}\" (letters, digits and `_`, not starting with a digit)"
        ));
    }
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// A rule's `expr`, parsed as it is read: an error raised here carries the position and
/// key of the value itself (`groups[0].rules[1].expr`), not just of its rule.
struct PromqlText(String);

impl<'de> Deserialize<'de> for PromqlText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PromqlText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a PromQL expression")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<PromqlText, E> {
                // A blank `expr` is left to `check_expr`, whose message names the rule.
                if !text.trim().is_empty() {
                    promql_parser::parser::parse(text).map_err(E::custom)?;
                }
                Ok(PromqlText(text.to_string()))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// A label or annotation value. Prometheus (Go's YAML) reads `severity: 1` as the string
/// "1", so scalars of any type are accepted as their text.
struct LabelValue(String);

impl<'de> Deserialize<'de> for LabelValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LabelValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LabelValue, E> {
                Ok(LabelValue(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LabelValue, E> {
                Ok(LabelValue(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LabelValue, E> {
                Ok(LabelValue(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LabelValue, E> {
                Ok(LabelValue(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LabelValue, E> {
                Ok(LabelValue(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Deserializes a mapping as `Raw` (derived, denying unknown fields), then checks and
/// converts it. The check runs inside the visitor so that serde_yaml gives its errors the
/// position of the mapping; an error raised after deserializing would carry none.
struct Checked<Raw, T> {
    expecting: &'static str,
    check: fn(Raw) -> Result<T, String>,
    raw: PhantomData<Raw>,
}

impl<Raw, T> Checked<Raw, T> {
    fn new(expecting: &'static str, check: fn(Raw) -> Result<T, String>) -> Self {
        Self {
            expecting,
            check,
            raw: PhantomData,
        }
    }
}

impl<'de, Raw: Deserialize<'de>, T> Visitor<'de> for Checked<Raw, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let raw = Raw::deserialize(de::value::MapAccessDeserializer::new(map))?;
        (self.check)(raw).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RuleFile, RuleFileError> {
        RuleFile::parse(Path::new("rules.yml"), text)
    }

    /// The error's `file:line:column: key: message` line.
    fn error(text: &str) -> String {
        let err = parse(text).unwrap_err();
        err.to_string().lines().next().unwrap().to_string()
    }

    fn guide(name: &str) -> RuleFile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rules")
            .join(name);
        RuleFile::load(&path).unwrap()
    }

    #[test]
    fn the_guides_alerting_rules_load() {
        let file = guide("spheroseg.yml");
        assert_eq!(file.groups.len(), 1);
        let group = &file.groups[0];
        assert_eq!(group.name, "spheroseg");
        assert_eq!(group.interval, Some(Duration::from_secs(30)));
        let rules: Vec<&AlertingRule> = file.alerting_rules().collect();
        let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "HighAPIResponseTime",
                "DatabaseReplicationLag",
                "MLQueueBacklog"
            ]
        );
        assert_eq!(rules[1].expr, "db_replication_lag_seconds > 5");
        assert_eq!(rules[1].for_duration, Duration::from_secs(300));
        assert_eq!(rules[2].for_duration, Duration::from_secs(600));
        assert_eq!(rules[1].labels["severity"], "critical");
        assert_eq!(
            rules[0].annotations["description"],
            "95th percentile response time is {{ $value }}s"
        );
    }

    #[test]
    fn the_guides_recording_rules_load() {
        let file = guide("recording.yml");
        let rules: Vec<&RecordingRule> = file.recording_rules().collect();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].name, "instance:api_request_rate");
        assert_eq!(
            rules[0].expr,
            "rate(http_request_duration_seconds_count[5m])"
        );
        assert!(
            rules[1]
                .expr
                .starts_with("1 - (rate(websocket_batches_sent_total[5m])")
        );
        assert_eq!(file.alerting_rules().count(), 0);
    }

    #[test]
    fn the_fast_test_copy_loads() {
        let file = guide("spheroseg-fast.yml");
        assert_eq!(file.alerting_rules().count(), 3);
        assert_eq!(file.recording_rules().count(), 2);
        assert_eq!(file.groups[0].interval, Some(Duration::from_secs(1)));
    }

    #[test]
    fn empty_files_have_no_groups() {
        assert!(parse("").unwrap().groups.is_empty());
        assert!(parse("# nothing yet\n").unwrap().groups.is_empty());
        assert!(parse("groups:\n").unwrap().groups.is_empty());
    }

    const HEAD: &str = "groups:\n  - name: g\n    rules:\n";

    #[test]
    fn unknown_fields_are_located() {
        let text = format!("{HEAD}      - alert: A\n        exp: up == 0\n");
        let e = error(&text);
        assert!(
            e.starts_with("rules.yml:5:9: groups[0].rules[0]: unknown field `exp`"),
            "{e}"
        );
        assert!(error("groupz: []\n").starts_with("rules.yml:1:1: unknown field `groupz`"));
        let e = error("groups:\n  - name: g\n    intervl: 1m\n");
        assert!(
            e.starts_with("rules.yml:3:5: groups[0]: unknown field `intervl`"),
            "{e}"
        );
    }

    #[test]
    fn alert_and_record_are_exclusive_and_one_is_needed() {
        let text = format!("{HEAD}      - alert: A\n        record: b\n        expr: up\n");
        let e = error(&text);
        assert!(
            e.starts_with("rules.yml:4:9: groups[0].rules[0]: rule has both"),
            "{e}"
        );
        let text = format!("{HEAD}      - alert: A\n        expr: up\n      - expr: up\n");
        let e = error(&text);
        assert!(
            e.starts_with("rules.yml:6:9: groups[0].rules[1]: rule has neither"),
            "{e}"
        );
    }

    #[test]
    fn expr_is_required() {
        let text = format!("{HEAD}      - alert: A\n        for: 5m\n");
        let e = error(&text);
        assert!(
            e.starts_with("rules.yml:4:9: groups[0].rules[0]: rule \"A\" has no `expr`"),
            "{e}"
        );
        let text = format!("{HEAD}      - record: a\n        expr: sum(rate(x[5m])\n");
        let e = error(&text);
        assert!(
            e.starts_with("rules.yml:5:15: groups[0].rules[0].expr: unclosed left parenthesis"),
            "{e}"
        );
    }

    #[test]
    fn bad_durations_are_located_at_their_value() {
        let text = format!("{HEAD}      - alert: A\n        expr: up\n        for: 5x\n");
        let e = error(&text);
        assert!(
            e.starts_with("rules.yml:6:14: groups[0].rules[0].for: invalid duration \"5x\": unknown unit \"x\""),
            "{e}"
        );
        let e = error("groups:\n  - name: g\n    interval: soon\n");
        assert!(
            e.starts_with("rules.yml:3:15: groups[0].interval: invalid duration"),
            "{e}"
        );
    }

    #[test]
    fn other_mistakes() {
        let e = error("groups:\n  - name: g\n  - name: g\n");
        assert!(e.contains("group name \"g\" is repeated"), "{e}");
        let text = format!("{HEAD}      - record: not a name\n        expr: up\n");
        assert!(error(&text).contains("not a valid metric name"));
        let text = format!("{HEAD}      - record: a\n        expr: up\n        for: 1m\n");
        assert!(error(&text).contains("cannot have `for`"));
        let text = format!(
            "{HEAD}      - alert: A\n        expr: up\n        labels:\n          bad-name: x\n"
        );
        assert!(error(&text).contains("invalid label name \"bad-name\""));
        // Broken YAML is reported with libyaml's own words and position.
        let e = error("groups:\n  - name: g\n   rules: [\n");
        assert!(e.starts_with("rules.yml:3:"), "{e}");
        // The full message shows the line.
        let text = format!("{HEAD}      - alert: A\n        expr: up\n        for: 5x\n");
        let full = parse(&text).unwrap_err().to_string();
        assert!(full.contains("\n 6 |         for: 5x\n"), "{full}");
    }

    #[test]
    fn prometheus_lenient_forms_are_accepted() {
        let text = format!(
            "{HEAD}      - alert: A\n        expr: up == 0\n        for: 0\n        keep_firing_for: 1m\n        labels:\n          priority: 1\n"
        );
        let file = parse(&text).unwrap();
        let rule = file.alerting_rules().next().unwrap();
        assert_eq!(rule.for_duration, Duration::ZERO);
        assert_eq!(rule.keep_firing_for, Duration::from_secs(60));
        assert_eq!(rule.labels["priority"], "1");
    }
}
