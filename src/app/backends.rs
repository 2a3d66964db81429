//! Several backends side by side. The first backend is the app's own `store`,
//! `connection` and `replica` (a run with one backend is only that); the others are kept
//! here, each with a store of its own, so no answer is ever mixed with another backend's
//! and each one's errors, staleness and link stay its own.

use crate::event::{Connection, Replica};
use crate::store::Store;

/// A backend after the first.
pub(crate) struct Other {
    pub(super) store: Store,
    pub(super) connection: Connection,
    pub(super) replica: Option<Replica>,
}

/// One backend, as the views read it.
#[derive(Clone, Copy)]
pub struct Backend<'a> {
    /// Empty for the one backend of a run that names none.
    pub name: &'a str,
    pub store: &'a Store,
    pub connection: &'a Connection,
    pub replica: Option<&'a Replica>,
}
