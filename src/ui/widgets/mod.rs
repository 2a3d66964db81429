//! One widget per panel kind, and the panel frame around them.

mod alert_list;
mod alerts;
mod axes;
mod bar;
mod chart;
mod columns;
mod gauge;
mod kpi_backends;
mod kpi_table;
pub(crate) mod log_pane;
pub(crate) mod markers;
mod panel;
mod panel_widget;
mod plot;
mod slo;
mod sparkline;
mod stat;
mod table;
pub(crate) mod targets;
pub(crate) mod time_chart;
pub(crate) mod tsdb;

pub use panel::frame;
pub use panel_widget::PanelWidget;
