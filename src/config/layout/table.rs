//! The keys of table panels and value mappings: `columns` (a table's label columns) and
//! `[[...mapping]]` (values shown as words), checked with the key's place in the file.

use super::PanelKind;
use super::build::Builder;
use super::file::MappingFile;
use crate::config::ConfigError;
use crate::model::mapping::{Matches, ValueText};
use toml::Spanned;

impl Builder<'_> {
    /// `columns` belongs to tables only and names labels, none empty.
    pub(super) fn columns(
        &self,
        kind: PanelKind,
        columns: Option<&Spanned<Vec<String>>>,
        path: &str,
    ) -> Result<Option<Vec<String>>, ConfigError> {
        let Some(columns) = columns else {
            return Ok(None);
        };
        let key = format!("{path}.columns");
        if !kind.has_columns() {
            return self.error(
                columns.span(),
                key,
                "only a table panel has `columns`".into(),
            );
        }
        if columns.get_ref().iter().any(|c| c.trim().is_empty()) {
            return self.error(
                columns.span(),
                key,
                "a column names a label and cannot be empty, e.g. columns = [\"instance\"]".into(),
            );
        }
        Ok(Some(columns.get_ref().clone()))
    }

    /// Each mapping has a text and either a `value` or a `from`/`to` range, not both.
    pub(super) fn mappings(
        &self,
        files: &[Spanned<MappingFile>],
        path: &str,
    ) -> Result<Vec<ValueText>, ConfigError> {
        let mut out = Vec::with_capacity(files.len());
        for (i, file) in files.iter().enumerate() {
            let key = format!("{path}.mapping[{i}]");
            let span = file.span();
            let file = file.get_ref();
            let is_range = file.from.is_some() || file.to.is_some();
            let matches = match (file.value, is_range) {
                (Some(value), false) => Matches::Value(value),
                (None, true) => Matches::Range {
                    from: file.from,
                    to: file.to,
                },
                (Some(_), true) => {
                    return self.error(
                        span,
                        key,
                        "a mapping has either `value` or `from`/`to`, not both".into(),
                    );
                }
                (None, false) => {
                    return self.error(
                        span,
                        key,
                        "a mapping needs `value` (one value) or `from`/`to` (a range)".into(),
                    );
                }
            };
            if let (Some(from), Some(to)) = (file.from, file.to)
                && from > to
            {
                return self.error(
                    span,
                    format!("{key}.to"),
                    format!("range ends at {to}, before it starts at {from}"),
                );
            }
            if file.text.trim().is_empty() {
                return self.error(span, format!("{key}.text"), "text is empty".into());
            }
            out.push(ValueText {
                matches,
                text: file.text.clone(),
            });
        }
        Ok(out)
    }
}
