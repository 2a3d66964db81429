//! Template variables: what a layout's `[[variable]]` is once validated, and how `$name`
//! in queries and titles expands for the current selection. Pure text, no IO: the options
//! of a query variable are fetched by the source and handed in.

pub mod expand;
pub(crate) mod template;
mod variable;

pub use expand::{Bound, Format, Intervals, Selection, expand};

pub use variable::{ALL, OptionsQuery, OptionsRegex, Variable, VariableKind};
