//! Test helpers: a strict exposition parser and PromQL-like aggregations over two scrapes.

use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Default)]
pub struct ParsedExposition {
    pub help: HashMap<String, String>,
    pub types: HashMap<String, String>,
    pub samples: Vec<Sample>,
}

/// Parses exposition text, panicking with the offending line on anything malformed.
pub fn parse_exposition(text: &str) -> ParsedExposition {
    let mut parsed = ParsedExposition::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("bad HELP: {line}"));
            assert!(
                parsed
                    .help
                    .insert(name.to_owned(), help.to_owned())
                    .is_none(),
                "duplicate HELP: {line}"
            );
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("bad TYPE: {line}"));
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "bad TYPE: {line}"
            );
            assert!(
                parsed
                    .types
                    .insert(name.to_owned(), kind.to_owned())
                    .is_none(),
                "duplicate TYPE: {line}"
            );
        } else {
            parsed.samples.push(parse_sample(line));
        }
    }
    parsed
}

fn parse_sample(line: &str) -> Sample {
    let name_end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("no value: {line}"));
    let name = &line[..name_end];
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !name.starts_with(|c: char| c.is_ascii_digit()),
        "bad metric name: {line}"
    );
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = after_brace;
        loop {
            let (key, after_key) = rest
                .split_once("=\"")
                .unwrap_or_else(|| panic!("bad label: {line}"));
            assert!(
                key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "bad label name: {line}"
            );
            let mut value = String::new();
            let mut chars = after_key.char_indices();
            let close = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, escaped @ ('\\' | '"'))) => value.push(escaped),
                        _ => panic!("bad escape: {line}"),
                    },
                    Some((index, '"')) => break index,
                    Some((_, c)) => value.push(c),
                    None => panic!("unterminated label value: {line}"),
                }
            };
            assert!(
                labels.insert(key.to_owned(), value).is_none(),
                "duplicate label: {line}"
            );
            rest = &after_key[close + 1..];
            if let Some(after_comma) = rest.strip_prefix(',') {
                rest = after_comma;
            } else {
                rest = rest
                    .strip_prefix('}')
                    .unwrap_or_else(|| panic!("unterminated labels: {line}"));
                break;
            }
        }
    }
    let value_text = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("no value: {line}"));
    let value = match value_text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}")),
    };
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

impl ParsedExposition {
    /// The family a sample belongs to (histogram samples carry a suffix).
    pub fn family_of<'a>(&self, sample_name: &'a str) -> &'a str {
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = sample_name.strip_suffix(suffix)
                && self.types.get(base).map(String::as_str) == Some("histogram")
            {
                return base;
            }
        }
        sample_name
    }

    /// Sum of all samples of `name` whose labels include every pair in `matching`.
    pub fn sum(&self, name: &str, matching: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|sample| sample.name == name)
            .filter(|sample| {
                matching
                    .iter()
                    .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(value))
            })
            .map(|sample| sample.value)
            .sum()
    }

    /// The single sample of `name` with exactly these labels.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|sample| sample.name == name && sample.labels == wanted)
            .unwrap_or_else(|| panic!("no sample {name}{labels:?}"))
            .value
    }

    /// `sum by (le)` of a histogram's buckets, restricted to series including `matching`.
    fn buckets_by_le(&self, family: &str, matching: &[(&str, &str)]) -> BTreeMap<u64, (f64, f64)> {
        let bucket_name = format!("{family}_bucket");
        let mut by_le = BTreeMap::new();
        for sample in self
            .samples
            .iter()
            .filter(|sample| sample.name == bucket_name)
        {
            if !matching
                .iter()
                .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(value))
            {
                continue;
            }
            let le = &sample.labels["le"];
            let bound: f64 = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            // Key by the bit pattern so bounds sort numerically (all bounds are positive).
            by_le.entry(bound.to_bits()).or_insert((bound, 0.0)).1 += sample.value;
        }
        by_le
    }
}

/// `histogram_quantile(q, sum by (le) (increase(family_bucket{matching}[window])))` between two scrapes.
pub fn quantile_between(
    before: &ParsedExposition,
    after: &ParsedExposition,
    family: &str,
    matching: &[(&str, &str)],
    q: f64,
) -> f64 {
    let earlier = before.buckets_by_le(family, matching);
    let buckets: Vec<(f64, f64)> = after
        .buckets_by_le(family, matching)
        .into_iter()
        .map(|(key, (bound, count))| (bound, count - earlier.get(&key).map_or(0.0, |&(_, c)| c)))
        .collect();
    histogram_quantile(q, &buckets)
}

/// Prometheus' linear interpolation within the bucket holding rank `q * total`.
pub fn histogram_quantile(q: f64, cumulative: &[(f64, f64)]) -> f64 {
    let &(_, total) = cumulative.last().expect("no buckets");
    assert!(total > 0.0, "no observations");
    let rank = q * total;
    let index = cumulative
        .iter()
        .position(|&(_, count)| count >= rank)
        .unwrap();
    if index == cumulative.len() - 1 {
        return cumulative[index - 1].0;
    }
    let (upper, upper_count) = cumulative[index];
    let (lower, lower_count) = if index == 0 {
        (0.0, 0.0)
    } else {
        cumulative[index - 1]
    };
    lower + (upper - lower) * (rank - lower_count) / (upper_count - lower_count)
}

/// `sum(increase(name{matching}[window]))` between two scrapes.
pub fn increase_between(
    before: &ParsedExposition,
    after: &ParsedExposition,
    name: &str,
    matching: &[(&str, &str)],
) -> f64 {
    after.sum(name, matching) - before.sum(name, matching)
}

#[test]
fn quantile_interpolates_like_prometheus() {
    let buckets = [(0.1, 50.0), (0.2, 90.0), (f64::INFINITY, 100.0)];
    assert!((histogram_quantile(0.5, &buckets) - 0.1).abs() < 1e-12);
    assert!((histogram_quantile(0.7, &buckets) - 0.15).abs() < 1e-12);
    assert_eq!(histogram_quantile(0.95, &buckets), 0.2);
}
