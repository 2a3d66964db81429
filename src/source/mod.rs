//! The data sources behind the seam in [`crate::event`]: [`live`] polls Prometheus (and
//! Alertmanager), [`replay`] plays a recording on its own clock. Both take
//! [`SourceCommand`](crate::event::SourceCommand)s and send
//! [`DataEvent`](crate::event::DataEvent)s on the same channels.

pub mod live;
pub mod replay;
