//! The app's own log (query errors, timings, reconnects), kept in memory for the log pane
//! (`L`). A record is stored when it is logged, under a lock held for one push; nothing
//! runs between records (no mover thread, no timer), so a dashboard that logs nothing
//! costs nothing here. tui-logger, used before, wakes a thread every 10 ms whether or not
//! anything was logged: 0.3 % of a core, as much as the whole peer dashboard.

use crate::clock::unix_now;
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock, PoisonError};

/// One record as the pane shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Unix seconds.
    pub at: f64,
    pub level: Level,
    pub message: String,
}

/// The last records, and which records are kept.
struct Logbook {
    entries: Mutex<VecDeque<Entry>>,
    capacity: usize,
    /// Module paths whose Debug records are kept; everything else from Info up.
    verbose: &'static [&'static str],
}

static LOGBOOK: OnceLock<Logbook> = OnceLock::new();

/// Makes the logbook the process's logger, keeping the last `capacity` records: Info and
/// above, and Debug from the modules under the `verbose` paths. Later calls (a second
/// dashboard in one process, as tests start) keep the first logbook.
pub fn install(capacity: usize, verbose: &'static [&'static str]) {
    let logbook = LOGBOOK.get_or_init(|| Logbook {
        entries: Mutex::new(VecDeque::with_capacity(capacity.min(64))),
        capacity: capacity.max(1),
        verbose,
    });
    if log::set_logger(logbook).is_ok() {
        log::set_max_level(LevelFilter::Debug);
    }
}

/// The last `n` records, oldest first; none before [`install`].
pub fn recent(n: usize) -> Vec<Entry> {
    let Some(logbook) = LOGBOOK.get() else {
        return Vec::new();
    };
    let entries = logbook
        .entries
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let skip = entries.len().saturating_sub(n);
    entries.iter().skip(skip).cloned().collect()
}

impl Log for Logbook {
    fn enabled(&self, metadata: &Metadata) -> bool {
        let verbose = || {
            self.verbose
                .iter()
                .any(|path| metadata.target().starts_with(path))
        };
        metadata.level() <= Level::Info || (metadata.level() <= Level::Debug && verbose())
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let entry = Entry {
            at: unix_now(),
            level: record.level(),
            message: record.args().to_string(),
        };
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_records_at_their_levels() {
        let book = Logbook {
            entries: Mutex::new(VecDeque::new()),
            capacity: 4,
            verbose: &["spheroseg_top::source"],
        };
        let record = |level: Level, target: &str, text: &str| {
            book.log(
                &Record::builder()
                    .level(level)
                    .target(target)
                    .args(format_args!("{text}"))
                    .build(),
            );
        };
        record(Level::Debug, "spheroseg_top::source::live", "timing");
        record(Level::Debug, "hyper::client", "noise");
        record(Level::Trace, "spheroseg_top::source::live", "trace");
        let messages = |book: &Logbook| -> Vec<String> {
            let entries = book.entries.lock().unwrap_or_else(PoisonError::into_inner);
            entries.iter().map(|e| e.message.clone()).collect()
        };
        assert_eq!(messages(&book), ["timing"]);
        record(Level::Warn, "spheroseg_top::app", "a");
        record(Level::Error, "reqwest", "b");
        record(Level::Info, "x", "c");
        record(Level::Info, "x", "d");
        assert_eq!(messages(&book), ["a", "b", "c", "d"]);
    }
}
