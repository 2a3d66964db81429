//! `[[annotation]]`: a PromQL expression whose samples mark moments on charts (a deploy, a
//! restart), with a title template and a colour. Checked like every other layout key.

use super::build::Builder;
use super::file::AnnotationFile;
use crate::config::ConfigError;
use std::collections::HashSet;

/// A validated `[[annotation]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// Unique in the layout; names the markers in lists and reports.
    pub name: String,
    /// PromQL, whitespace normalised: each sample (series, time) marks a moment.
    pub expr: String,
    /// A marker's title; `{{label}}` is replaced by the marking series' label.
    pub title: String,
    /// A theme palette name, a colour name or `#rrggbb`; `None`: the theme's warning colour.
    pub colour: Option<String>,
}

impl Builder<'_> {
    pub(super) fn annotations(
        &self,
        files: &[AnnotationFile],
    ) -> Result<Vec<Annotation>, ConfigError> {
        let mut names = HashSet::new();
        let mut annotations = Vec::with_capacity(files.len());
        for (i, file) in files.iter().enumerate() {
            let key = format!("annotation[{i}]");
            let name = file.name.get_ref().trim();
            if name.is_empty() {
                return self.error(
                    file.name.span(),
                    format!("{key}.name"),
                    "an annotation needs a name, e.g. name = \"restarts\"".into(),
                );
            }
            if !names.insert(name.to_string()) {
                return self.error(
                    file.name.span(),
                    format!("{key}.name"),
                    format!("another [[annotation]] is already named \"{name}\""),
                );
            }
            let expr = self.expression(&file.query, &format!("{key}.query"), &[])?;
            let title = match &file.title {
                Some(title) => {
                    if let Some(problem) = template_problem(title.get_ref()) {
                        return self.error(title.span(), format!("{key}.title"), problem);
                    }
                    title.get_ref().clone()
                }
                None => name.to_string(),
            };
            let colour = match &file.colour {
                Some(colour) if !is_colour(colour.get_ref()) => {
                    return self.error(
                        colour.span(),
                        format!("{key}.colour"),
                        format!(
                            "\"{}\" is not a colour; expected a theme colour name (peach, red…) or #rrggbb",
                            colour.get_ref()
                        ),
                    );
                }
                Some(colour) => Some(colour.get_ref().clone()),
                None => None,
            };
            annotations.push(Annotation {
                name: name.to_string(),
                expr,
                title,
                colour,
            });
        }
        Ok(annotations)
    }
}

/// A title template must close every `{{` and name a label inside.
fn template_problem(template: &str) -> Option<String> {
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Some(format!("\"{template}\": `{{{{` without `}}}}`"));
        };
        let label = after[..close].trim();
        if !crate::model::labels::is_label_name(label) {
            return Some(format!(
                "\"{template}\": `{{{{{label}}}}}` does not name a label, e.g. {{{{instance}}}}"
            ));
        }
        rest = &after[close + 2..];
    }
    None
}

/// A colour name (resolved against the theme when drawn) or `#rrggbb`.
fn is_colour(text: &str) -> bool {
    match text.strip_prefix('#') {
        Some(hex) => hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        None => {
            !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Layout, Source};

    fn parse(annotations: &str) -> Result<Layout, crate::config::ConfigError> {
        let text = format!(
            "{annotations}\n[[tab]]\ntitle = \"T\"\n[[tab.row]]\n[[tab.row.panel]]\ntitle = \"P\"\nkind = \"chart\"\nquery = \"up\"\n"
        );
        Layout::parse(Source {
            origin: "test.toml".into(),
            text,
        })
    }

    #[test]
    fn annotations_are_read_with_defaults() {
        let layout = parse(
            "[[annotation]]\nname = \"restarts\"\nquery = 'changes(process_start_time_seconds[1m])  > 0'\ntitle = \"{{job}} restarted\"\ncolour = \"peach\"\n[[annotation]]\nname = \"deploys\"\nquery = \"deploy_info\"\n",
        )
        .unwrap();
        let [restarts, deploys] = &layout.annotations[..] else {
            panic!("{:?}", layout.annotations)
        };
        assert_eq!(restarts.expr, "changes(process_start_time_seconds[1m]) > 0");
        assert_eq!(restarts.title, "{{job}} restarted");
        assert_eq!(restarts.colour.as_deref(), Some("peach"));
        assert_eq!(deploys.title, "deploys");
        assert_eq!(deploys.colour, None);
        assert!(
            layout.queries.iter().all(|q| q.expr == "up"),
            "annotations are not polled as panel queries"
        );
    }

    #[test]
    fn colours_and_templates_are_checked() {
        assert!(super::is_colour("#fab387") && super::is_colour("light-blue"));
        assert!(!super::is_colour("#fab38") && !super::is_colour("red!"));
        assert!(super::template_problem("{{job}} at {{instance}}").is_none());
        assert!(super::template_problem("{{job").is_some());
        assert!(super::template_problem("{{ 1x }}").is_some());
    }
}
