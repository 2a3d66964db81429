//! Recording a live session: `--record FILE` from the start, `R` to start and stop a
//! timestamped file, markers written as they are placed. A recording that cannot start or
//! stops working says so: at start by refusing to run, later in the status bar.

use crate::app::restore;
use crate::app::{App, RecordingStatus};
use crate::event::DataEvent;
use crate::session::{ConfigText, Recorder};
use std::io;
use std::path::{Path, PathBuf};

/// The live recorder, if recording, and how to start one.
pub struct Recorded {
    /// Where `R` starts recordings (`--record-dir`).
    dir: PathBuf,
    /// The rule files' texts, embedded in the recording's header.
    rules: Vec<ConfigText>,
    recorder: Option<Recorder>,
}

impl Recorded {
    pub fn new(dir: PathBuf, rules: Vec<ConfigText>) -> Self {
        Self {
            dir,
            rules,
            recorder: None,
        }
    }

    /// Starts recording into `path`; what the dashboard shows so far comes first, so a
    /// recording started mid-session replays what the screen showed.
    pub fn start(&mut self, app: &App, path: &Path) -> io::Result<()> {
        let header = restore::header(app, self.rules.clone());
        let mut recorder = Recorder::create(path, &header)?;
        for event in app.state_events() {
            recorder.record(&event)?;
        }
        log::info!("recording to {}", path.display());
        self.recorder = Some(recorder);
        Ok(())
    }

    /// Starts a timestamped recording in the recording directory, or stops the one
    /// running. An error says why a recording could not start.
    pub fn toggle(&mut self, app: &App) -> Result<(), String> {
        if self.recorder.is_some() {
            self.stop();
            return Ok(());
        }
        let path = self.next_path();
        self.start(app, &path)
            .map_err(|e| format!("cannot record to {}: {e}", path.display()))
    }

    pub fn stop(&mut self) {
        if let Some(recorder) = self.recorder.take() {
            let path = recorder.path().display().to_string();
            match recorder.finish() {
                Ok(()) => log::info!("recording saved: {path}"),
                Err(e) => log::error!("recording {path} may be incomplete: {e}"),
            }
        }
    }

    /// Appends `event`; on a write error (disk full, file size limit) the recording stops
    /// and the error, with the file, is returned for the status bar.
    pub fn record(&mut self, event: &DataEvent) -> Result<(), String> {
        let Some(recorder) = &mut self.recorder else {
            return Ok(());
        };
        let Err(e) = recorder.record(event) else {
            return Ok(());
        };
        let message = format!("recording {} stopped: {e}", recorder.path().display());
        log::error!("{message}");
        self.recorder = None;
        Err(message)
    }

    /// Writes a marker into the running recording; `None` when not recording.
    pub fn mark(&mut self, at: f64, note: &str) -> Option<io::Result<()>> {
        self.recorder.as_mut().map(|r| r.mark(at, note))
    }

    pub fn status(&self) -> Option<RecordingStatus> {
        self.recorder.as_ref().map(|r| RecordingStatus {
            path: r.path().display().to_string(),
            bytes: r.bytes_written(),
        })
    }

    /// A fresh timestamped file in the recording directory.
    fn next_path(&self) -> PathBuf {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        self.dir.join(format!("spheroseg-top-{stamp}.rec"))
    }
}
