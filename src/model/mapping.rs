//! Value mappings: a number shown as a word (1 → "up", 0 → "down"), as Grafana's stat
//! panels do, so a status metric reads as a status.

/// Which values a mapping covers: one exact value, or a closed range (either end open).
#[derive(Clone, Debug, PartialEq)]
pub enum Matches {
    Value(f64),
    Range { from: Option<f64>, to: Option<f64> },
}

/// One value (or range of values) and the text shown for it.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueText {
    pub matches: Matches,
    pub text: String,
}

impl ValueText {
    fn covers(&self, value: f64) -> bool {
        match self.matches {
            Matches::Value(v) => v == value,
            Matches::Range { from, to } => {
                from.is_none_or(|f| value >= f) && to.is_none_or(|t| value <= t)
            }
        }
    }
}

/// The text of the first mapping that covers `value`, in the order the layout lists them.
pub fn text_for(mappings: &[ValueText], value: f64) -> Option<&str> {
    mappings
        .iter()
        .find(|m| m.covers(value))
        .map(|m| m.text.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_covering_mapping_names_the_value() {
        let mappings = [
            ValueText {
                matches: Matches::Value(1.0),
                text: "up".into(),
            },
            ValueText {
                matches: Matches::Range {
                    from: None,
                    to: Some(0.5),
                },
                text: "down".into(),
            },
            ValueText {
                matches: Matches::Range {
                    from: Some(0.0),
                    to: None,
                },
                text: "other".into(),
            },
        ];
        assert_eq!(text_for(&mappings, 1.0), Some("up"));
        assert_eq!(text_for(&mappings, 0.0), Some("down"));
        assert_eq!(text_for(&mappings, 0.7), Some("other"));
        assert_eq!(text_for(&mappings, -1.0), Some("down"));
        assert_eq!(text_for(&mappings[..1], f64::NAN), None);
    }
}
