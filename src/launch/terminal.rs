//! Owning the terminal: raw mode and the alternate screen while the dashboard runs, and
//! the terminal restored however it ends (normal exit, error, panic, signal).

use ratatui::DefaultTerminal;
use std::io;

/// Restores the terminal when dropped. `ratatui::try_init` also installs a panic hook
/// that restores before the panic message is printed.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            terminal: ratatui::try_init()?,
        })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// SIGTERM, SIGHUP and SIGINT end the dashboard like `q` does (SIGINT only arrives as a
/// signal when the terminal is not in raw mode; in raw mode Ctrl-C is a key).
pub struct Signals {
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}
