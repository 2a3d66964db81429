//! A tmux server of the test's own: the real binary in a real terminal, keys sent and the
//! screen read as a user would.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of our own, killed when the test ends however it ends.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(name: &str) -> Self {
        Self {
            socket: format!("spheroseg-top-test-{name}-{}", std::process::id()),
        }
    }

    pub fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Where the shell around the dashboard writes its exit status.
    pub fn status_file(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("{}.status", self.socket))
    }

    /// Starts `command` in a detached `width`×`height` session; the shell around it
    /// records the dashboard's exit status in [`Tmux::status_file`].
    pub fn launch(&self, command: &str, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        let status = self.status_file();
        let _ = std::fs::remove_file(&status);
        let command = format!("{command}; echo $? > {}", status.display());
        self.run(&[
            "new-session",
            "-d",
            "-s",
            "dash",
            "-x",
            &w,
            "-y",
            &h,
            &command,
        ]);
        self.run(&["set-option", "-t", "dash", "remain-on-exit", "on"]);
    }

    /// The dashboard's process: the child of the pane's shell.
    pub fn dashboard_pid(&self) -> String {
        let shell = self.run(&["list-panes", "-t", "dash", "-F", "#{pane_pid}"]);
        let output = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Waits until the dashboard has exited, and checks it exited with status 0.
    pub fn wait_for_clean_exit(&self, what: &str) {
        let status = || {
            std::fs::read_to_string(self.status_file())
                .ok()
                .filter(|s| s.ends_with('\n'))
        };
        self.wait_for(what, Duration::from_secs(10), |_| status().is_some());
        assert_eq!(status().as_deref(), Some("0\n"), "{what}: exit status");
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "dash"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "dash"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Polls the screen until `ready` holds; returns it and how long it took.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> (String, Duration) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return (screen, start.elapsed());
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {what}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.status_file());
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
