//! Recording a live session: `--record FILE` from the start, `R` to start and stop a
//! timestamped file, markers written as they are placed.

use crate::app::restore;
use crate::app::{App, RecordingStatus};
use crate::event::DataEvent;
use crate::session::{ConfigText, Recorder};
use std::path::PathBuf;

/// How a live session is recorded.
#[derive(Clone, Debug, Default)]
pub struct RecordOptions {
    /// Record from the start into this file (`--record FILE`).
    pub file: Option<PathBuf>,
    /// Where `R` starts recordings (`--record-dir`).
    pub dir: PathBuf,
    /// The rule files' texts, embedded in the recording's header.
    pub rules: Vec<ConfigText>,
}

/// The live recorder, if recording, and how to start one.
pub struct Recorded {
    pub options: RecordOptions,
    pub recorder: Option<Recorder>,
}

impl Recorded {
    pub fn start(&mut self, app: &App, path: PathBuf) {
        let header = restore::header(app, self.options.rules.clone());
        let started = Recorder::create(&path, &header).and_then(|mut recorder| {
            // Started mid-session: what the screen shows so far comes first.
            for event in app.state_events() {
                recorder.record(&event)?;
            }
            Ok(recorder)
        });
        match started {
            Ok(recorder) => {
                log::info!("recording to {}", path.display());
                self.recorder = Some(recorder);
            }
            Err(e) => log::error!("cannot record to {}: {e}", path.display()),
        }
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

    pub fn record(&mut self, event: &DataEvent) {
        let Some(recorder) = &mut self.recorder else {
            return;
        };
        if let Err(e) = recorder.record(event) {
            log::error!("recording stopped: {e}");
            self.recorder = None;
        }
    }

    pub fn status(&self) -> Option<RecordingStatus> {
        self.recorder.as_ref().map(|r| RecordingStatus {
            path: r.path().display().to_string(),
            bytes: r.bytes_written(),
        })
    }

    /// A fresh timestamped file in the recording directory.
    pub fn next_path(&self) -> PathBuf {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        self.options.dir.join(format!("spheroseg-top-{stamp}.rec"))
    }
}
