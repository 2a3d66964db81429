//! Recording a live session: `--record FILE` from the start, `R` to start and stop a
//! timestamped file, markers written as they are placed. A recording that cannot start or
//! stops working says so: at start by refusing to run, later in the status bar.

use crate::app::restore;
use crate::app::{App, RecordingStatus};
use crate::event::DataEvent;
use crate::session::{ConfigText, Recorder};
use std::fs::File;
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

    /// Starts recording into `file`, named `path`; what the dashboard shows so far comes
    /// first, so a recording started mid-session replays what the screen showed.
    pub fn start(&mut self, app: &App, file: File, path: &Path) -> io::Result<()> {
        let header = restore::header(app, self.rules.clone());
        let mut recorder = Recorder::in_file(file, path, &header)?;
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
        let (file, path) = self.next_file()?;
        self.start(app, file, &path)
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

    /// A new timestamped file in the recording directory, created here: `R` twice in a
    /// second named two recordings alike, and the second truncated the first. The stamp
    /// goes to the millisecond; a name taken all the same gets a number.
    fn next_file(&self) -> Result<(File, PathBuf), String> {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S%.3f");
        let name = |n: usize| match n {
            1 => self.dir.join(format!("spheroseg-top-{stamp}.rec")),
            n => self.dir.join(format!("spheroseg-top-{stamp}-{n}.rec")),
        };
        for n in 1..=100 {
            let path = name(n);
            match File::create_new(&path) {
                Ok(file) => return Ok((file, path)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(format!("cannot record to {}: {e}", path.display())),
            }
        }
        Err(format!(
            "cannot record: {} and the 99 names after it exist",
            name(1).display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::SourceInfo;
    use crate::config::{Layout, Theme};

    #[test]
    fn r_twice_in_a_second_makes_two_recordings() {
        let app = App::new(
            Layout::load("spheroseg").unwrap(),
            Theme::load("default").unwrap(),
            SourceInfo {
                label: "test".into(),
                refresh: std::time::Duration::from_secs(1),
                note: None,
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let mut recorded = Recorded::new(dir.path().to_path_buf(), Vec::new());
        for _ in 0..3 {
            recorded.toggle(&app).unwrap();
            recorded.toggle(&app).unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        for name in names {
            let path = dir.path().join(name);
            assert!(
                crate::session::Recording::open(&path)
                    .unwrap()
                    .is_complete()
            );
        }
    }
}
