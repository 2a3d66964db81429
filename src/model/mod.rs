//! Plain value types shared by configuration, data and rendering, and outside text made
//! safe to print (`text`).

pub mod duration;
pub mod labels;
pub mod mapping;
pub mod matcher;
pub mod query;
pub mod slo;
pub mod text;
pub mod threshold;
pub mod units;

pub use labels::Labels;
pub use threshold::{Bound, Direction, Status, Thresholds};
pub use units::Unit;
