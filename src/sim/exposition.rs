//! Prometheus text exposition format 0.0.4.

use super::histogram::Histogram;
use super::model::Simulation;

/// Content type for `GET /metrics`.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Clone, Copy, Debug)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

impl MetricKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// Builds an exposition document; callers write each family's header, then all of its samples.
#[derive(Debug, Default)]
pub struct ExpositionWriter {
    out: String,
}

impl ExpositionWriter {
    pub fn family(&mut self, name: &str, kind: MetricKind, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        for line in [
            format!("# HELP {name} {help}"),
            format!("# TYPE {name} {}", kind.as_str()),
        ] {
            self.out.push_str(&line);
            self.out.push('\n');
        }
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.line(name, labels, None, value);
    }

    /// Writes `_bucket` (cumulative, ending in `+Inf`), `_sum` and `_count` for one label set.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], histogram: &Histogram) {
        let bucket_name = format!("{name}_bucket");
        for (upper_bound, cumulative) in histogram.cumulative_buckets() {
            let le = format_value(upper_bound);
            self.line(&bucket_name, labels, Some(&le), cumulative as f64);
        }
        self.line(&format!("{name}_sum"), labels, None, histogram.sum());
        self.line(
            &format!("{name}_count"),
            labels,
            None,
            histogram.count() as f64,
        );
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn line(&mut self, name: &str, labels: &[(&str, &str)], le: Option<&str>, value: f64) {
        self.out.push_str(name);
        let pairs = labels.iter().copied().chain(le.map(|le| ("le", le)));
        let mut first = true;
        for (key, label_value) in pairs {
            self.out.push_str(if first { "{" } else { "," });
            first = false;
            self.out.push_str(key);
            self.out.push_str("=\"");
            self.out.push_str(&escape_label_value(label_value));
            self.out.push('"');
        }
        if !first {
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(&format_value(value));
        self.out.push('\n');
    }
}

/// Renders the whole simulation as a scrape response body.
pub fn render_exposition(simulation: &Simulation) -> String {
    let mut writer = ExpositionWriter::default();
    simulation.write_metrics(&mut writer);
    writer.finish()
}

fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Prometheus spells infinities `+Inf`/`-Inf`; Rust's `Display` never uses exponents, which is valid too.
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;
    use crate::sim::Scenario;
    use crate::sim::testing::{ParsedExposition, parse_exposition};

    /// The dashboard queries exactly these families.
    const CONTRACT_FAMILIES: &[(&str, &str)] = &[
        ("http_request_duration_seconds", "histogram"),
        ("websocket_active_connections", "gauge"),
        ("websocket_messages_total", "counter"),
        ("websocket_batches_sent_total", "counter"),
        ("websocket_compression_savings_bytes", "counter"),
        ("graphql_request_duration_seconds", "histogram"),
        ("graphql_errors_total", "counter"),
        ("db_pool_connections", "gauge"),
        ("db_replication_lag_seconds", "gauge"),
        ("db_query_duration_seconds", "histogram"),
        ("db_read_write_split_total", "counter"),
        ("ml_tasks_queued", "gauge"),
        ("ml_task_duration_seconds", "histogram"),
        ("ml_load_balancer_requests_total", "counter"),
        ("ml_instance_cpu_usage_ratio", "gauge"),
        ("cdn_cache_hits_total", "counter"),
        ("cdn_cache_misses_total", "counter"),
        ("cdn_bandwidth_saved_bytes", "counter"),
        ("cdn_response_time_seconds", "histogram"),
        ("node_memory_MemTotal_bytes", "gauge"),
        ("node_memory_MemAvailable_bytes", "gauge"),
        ("spheroseg_sim_scenario", "gauge"),
    ];

    #[test]
    fn exposition_is_well_formed_and_complete() {
        for scenario in [Scenario::Normal, Scenario::Incident] {
            let mut simulation = Simulation::new(11, scenario);
            simulation.advance(Duration::from_secs(20));
            let text = render_exposition(&simulation);
            // `parse_exposition` panics on any line that is not `name{labels} value` or a comment.
            let parsed = parse_exposition(&text);

            for &(name, kind) in CONTRACT_FAMILIES {
                assert_eq!(
                    parsed.types.get(name).map(String::as_str),
                    Some(kind),
                    "TYPE of {name}"
                );
                assert!(parsed.help.contains_key(name), "HELP of {name}");
            }
            assert_eq!(
                parsed.types.len(),
                CONTRACT_FAMILIES.len(),
                "unexpected extra families"
            );

            for sample in &parsed.samples {
                let family = parsed.family_of(&sample.name);
                assert!(
                    parsed.types.contains_key(family),
                    "{} has no TYPE",
                    sample.name
                );
                assert!(
                    sample.value.is_finite() && sample.value >= 0.0,
                    "{sample:?}"
                );
            }
            assert_histograms_consistent(&parsed);
        }
    }

    fn assert_histograms_consistent(parsed: &ParsedExposition) {
        let mut buckets: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
        let mut counts: HashMap<String, f64> = HashMap::new();
        for sample in &parsed.samples {
            let mut labels = sample.labels.clone();
            let le = labels.remove("le");
            let key = format!("{}{:?}", parsed.family_of(&sample.name), labels);
            if let Some(le) = le {
                let bound = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                };
                buckets.entry(key).or_default().push((bound, sample.value));
            } else if sample.name.ends_with("_count") {
                counts.insert(key, sample.value);
            }
        }
        assert!(
            buckets.len() > 40,
            "expected many histogram series, got {}",
            buckets.len()
        );
        for (key, series) in &buckets {
            assert!(
                series.windows(2).all(|pair| pair[0].0 < pair[1].0),
                "{key}: le not ascending"
            );
            assert!(
                series.windows(2).all(|pair| pair[0].1 <= pair[1].1),
                "{key}: not cumulative"
            );
            let &(last_bound, last_count) = series.last().unwrap();
            assert_eq!(last_bound, f64::INFINITY, "{key}: missing +Inf");
            assert_eq!(
                Some(&last_count),
                counts.get(key),
                "{key}: +Inf differs from _count"
            );
        }
    }

    #[test]
    fn label_values_and_special_floats_are_escaped() {
        let mut writer = ExpositionWriter::default();
        writer.family("demo", MetricKind::Gauge, "line\nbreak");
        writer.sample("demo", &[("path", "a\"b\\c")], f64::INFINITY);
        writer.sample("demo", &[], 0.25);
        assert_eq!(
            writer.finish(),
            "# HELP demo line\\nbreak\n# TYPE demo gauge\ndemo{path=\"a\\\"b\\\\c\"} +Inf\ndemo 0.25\n"
        );
    }
}
