//! Series labels and the `{{label}}` legend templates that name a series.

use std::collections::BTreeMap;

/// A series' label set, sorted so that equal sets compare and hash equal.
pub type Labels = BTreeMap<String, String>;

/// The label that tells backends apart where their alerts meet in one list (`backend=us`
/// in the `/` filter), when several show side by side.
pub const BACKEND_LABEL: &str = "backend";

/// A label set from `(name, value)` pairs.
pub fn from_pairs(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// Expands `{{name}}` (spaces allowed inside the braces) with label values; an unknown
/// label expands to nothing. Without a template, the labels themselves name the series.
pub fn legend(template: Option<&str>, labels: &Labels) -> String {
    match template {
        Some(t) => expand(t, labels),
        None => describe(labels),
    }
}

fn expand(template: &str, labels: &Labels) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                if let Some(value) = labels.get(name) {
                    out.push_str(value);
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A series' legend with the backend it came from, when several show side by side
/// (`eu · p95`); as it is for the one backend of a run that names none.
pub fn on_backend(backend: &str, legend: &str) -> String {
    match backend {
        "" => legend.to_string(),
        backend => format!("{backend} · {legend}"),
    }
}

/// Prometheus' rule for label names: letters, digits and `_`, not starting with a digit.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `{pool="read", state="idle"}` → `pool=read state=idle`; `__name__` is left out.
pub fn describe(labels: &Labels) -> String {
    let parts: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if parts.is_empty() {
        labels
            .get("__name__")
            .cloned()
            .unwrap_or_else(|| "value".to_string())
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::from_pairs as labels;

    #[test]
    fn templates_expand_label_values() {
        let l = labels(&[("replica", "replica-2"), ("pool", "read")]);
        assert_eq!(
            legend(Some("{{replica}} ({{ pool }})"), &l),
            "replica-2 (read)"
        );
        assert_eq!(legend(Some("{{missing}}x"), &l), "x");
        assert_eq!(legend(Some("open {{replica"), &l), "open {{replica");
    }

    #[test]
    fn without_template_labels_describe_the_series() {
        assert_eq!(
            legend(None, &labels(&[("pool", "read"), ("__name__", "m")])),
            "pool=read"
        );
        assert_eq!(legend(None, &labels(&[])), "value");
    }
}
