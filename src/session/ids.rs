//! Query ids as a recording stores them. Side by side (format version 3), a backend after
//! the first stores its instant answers in the compact cycle frames too, under an id of
//! its own; everything else of theirs is CBOR of the wrapped event.

use crate::config::layout::QueryId;
use crate::event::DataEvent;

/// Ids apart for each backend: `backend × BACKEND_STRIDE + id` (no layout has a million
/// queries).
const BACKEND_STRIDE: QueryId = 1 << 20;

/// The id an instant answer of `backend` is stored under.
pub(crate) fn stored_id(backend: usize, id: QueryId) -> QueryId {
    backend * BACKEND_STRIDE + id
}

/// An instant answer as read back: a backend after the first's comes wrapped again.
pub(crate) fn read_back(event: DataEvent) -> DataEvent {
    match event {
        DataEvent::Instant {
            id,
            at,
            result,
            latency,
        } if id >= BACKEND_STRIDE => DataEvent::Backend {
            backend: id / BACKEND_STRIDE,
            event: Box::new(DataEvent::Instant {
                id: id % BACKEND_STRIDE,
                at,
                result,
                latency,
            }),
        },
        event => event,
    }
}
