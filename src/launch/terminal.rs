//! Owning the terminal: raw mode and the alternate screen while the dashboard runs, and
//! the terminal restored however it ends (normal exit, error, panic, signal).

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect, Size};
use ratatui::{DefaultTerminal, Frame};
use std::io::{self, Write as _};

/// Restores the terminal when dropped. `ratatui::try_init` also installs a panic hook
/// that restores before the panic message is printed.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
    /// Whether the mouse is captured: released with the terminal, however it ends.
    mouse: bool,
    /// What the screen shows: the last frame drawn (empty: a blank screen).
    shown: Buffer,
    /// The bytes of the frame being written, kept to be filled again.
    bytes: Vec<u8>,
}

impl TerminalGuard {
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            terminal: ratatui::try_init()?,
            mouse: false,
            shown: Buffer::default(),
            bytes: Vec::new(),
        })
    }

    /// Captures the mouse until the guard is dropped (or the process panics, or stops).
    pub fn capture_mouse(&mut self) -> io::Result<()> {
        crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
        if !self.mouse {
            self.mouse = true;
            // ratatui's hook restores raw mode and the screen; the mouse is released first.
            let restore = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                release_mouse();
                restore(info);
            }));
        }
        Ok(())
    }

    /// Draws a frame on a terminal of `size` (the last size it reported): `render` fills
    /// it, and only the cells that differ from what the screen shows are written
    /// ([`crate::ui::diff`]), in one write ([`super::paint`]); ratatui's `Terminal::draw`,
    /// but for the diff, the bytes, and asking the terminal its size every frame. A new
    /// size clears the screen, and the frame is drawn whole.
    pub fn draw(&mut self, size: Size, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
        let area = Rect::from((Position::ORIGIN, size));
        if self.terminal.get_frame().area() != area {
            self.terminal.resize(area)?;
        }
        render(&mut self.terminal.get_frame());
        let frame = std::mem::take(self.terminal.current_buffer_mut());
        if self.shown.area != frame.area {
            self.shown = Buffer::empty(frame.area);
        }
        self.bytes.clear();
        super::paint::changes(
            &mut self.bytes,
            crate::ui::diff::changes(&self.shown, &frame),
        );
        // The cursor stays hidden (a shell's job control may have shown it).
        self.bytes.extend_from_slice(b"\x1b[?25l");
        let mut out = io::stdout().lock();
        out.write_all(&self.bytes)?;
        out.flush()?;
        // The frame is what the screen shows now; its buffer before is the next frame's.
        let mut next = std::mem::replace(&mut self.shown, frame);
        next.resize(self.shown.area);
        next.reset();
        *self.terminal.current_buffer_mut() = next;
        Ok(())
    }

    /// Ctrl-Z or SIGTSTP: hands the terminal back to the shell, stops the process, and
    /// takes the terminal again when it continues (`fg`); the next frame is drawn whole.
    pub fn suspend(&mut self) -> io::Result<()> {
        self.terminal.show_cursor()?;
        if self.mouse {
            release_mouse();
        }
        ratatui::restore();
        // SIGSTOP, not SIGTSTP: SIGTSTP is caught here (see `Signals`); SIGSTOP cannot be.
        // SAFETY: raise only sends a signal to this process; no memory is involved.
        unsafe {
            libc::raise(libc::SIGSTOP);
        }
        // Running again: SIGCONT.
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(
            io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        // The screen is blank: the next frame is drawn whole. (`Terminal::clear` would ask
        // the terminal for the cursor position, racing the key reader for the answer.)
        self.shown = Buffer::default();
        if self.mouse {
            crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
        }
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            release_mouse();
        }
        ratatui::restore();
    }
}

/// Gives the mouse back to the terminal; a failure leaves nothing better to do.
fn release_mouse() {
    let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
}

/// Why the terminal cannot host the dashboard, if it cannot: output is not a terminal
/// (redirected to a file or a pipe) or the terminal says it cannot move the cursor.
pub fn unusable() -> Option<&'static str> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        Some("standard output is not a terminal")
    } else if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        Some("TERM=dumb cannot draw a dashboard")
    } else {
        None
    }
}

/// What a signal asks of the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalEvent {
    /// End cleanly, like `q`: SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1/2, SIGALRM, SIGXCPU
    /// (whose default would kill the process with the terminal raw).
    Quit,
    /// Stop until continued, like Ctrl-Z: SIGTSTP.
    Suspend,
    /// Nothing: SIGXFSZ (a file size limit) makes the write fail instead of killing the
    /// process, and the recorder reports that failure.
    Ignore,
}

/// The signals the dashboard handles, so none of them leaves the terminal raw.
pub struct Signals {
    handled: Vec<(tokio::signal::unix::Signal, SignalEvent)>,
}

impl Signals {
    pub fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            (SignalKind::terminate(), SignalEvent::Quit),
            (SignalKind::hangup(), SignalEvent::Quit),
            (SignalKind::interrupt(), SignalEvent::Quit),
            (SignalKind::quit(), SignalEvent::Quit),
            (SignalKind::user_defined1(), SignalEvent::Quit),
            (SignalKind::user_defined2(), SignalEvent::Quit),
            (SignalKind::alarm(), SignalEvent::Quit),
            (SignalKind::from_raw(libc::SIGXCPU), SignalEvent::Quit),
            (SignalKind::from_raw(libc::SIGTSTP), SignalEvent::Suspend),
            (SignalKind::from_raw(libc::SIGXFSZ), SignalEvent::Ignore),
        ];
        let handled = kinds
            .into_iter()
            .map(|(kind, event)| Ok((signal(kind)?, event)))
            .collect::<io::Result<_>>()?;
        Ok(Self { handled })
    }

    /// The next signal's event.
    pub async fn recv(&mut self) -> SignalEvent {
        let waits = self.handled.iter_mut().map(|(signal, event)| {
            Box::pin(async move {
                signal.recv().await;
                *event
            })
        });
        futures::future::select_all(waits).await.0
    }
}

/// A command that prints (`check | head`) ends quietly when its reader goes away, as Unix
/// tools do. Rust ignores SIGPIPE, so each print to a closed pipe would be a panic; the
/// default action ends the process instead. Sockets are unaffected (their writes never
/// raise it), and the dashboard keeps SIGPIPE ignored: it draws on a terminal.
pub fn end_quietly_on_a_closed_pipe() {
    // SAFETY: setting a signal's disposition to its default touches no memory of ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
