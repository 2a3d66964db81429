//! Plain value types shared by configuration, data and rendering, and outside text made
//! safe to print (`text`).

pub(crate) mod duration;
pub mod labels;
pub(crate) mod mapping;
pub mod matcher;
pub(crate) mod query;
pub mod slo;
pub mod text;
pub(crate) mod threshold;
pub(crate) mod units;

pub use labels::Labels;
pub use threshold::{Bound, Direction, Status, Thresholds};
pub use units::Unit;
