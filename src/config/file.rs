//! Reading a file the user named — a layout, theme, config or rule file, a password, token,
//! certificate or key, a dashboard to import, a recording — with a size cap that fits its
//! kind: `/dev/zero` as a password file was read until memory ran out (4 GB resident). A
//! directory or device is refused where a file is expected, and so is a pipe, except for
//! what is read once and may well come from one (`--password-file <(pass show prom)`,
//! `import grafana /dev/stdin`). A secret file other users may read is used, with a
//! warning as ssh gives.
//!
//! Errors are [`io::Error`]s saying what is wrong with the file; the caller names it.

use std::fs::Metadata;
use std::io::{self, Read};
use std::path::Path;

/// What a file is for: how large it may be, whether a pipe will do, whether it is secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A password or bearer token.
    Secret,
    /// A TLS client key.
    PrivateKey,
    /// A CA bundle or a client certificate (chain).
    Certificate,
    /// A layout, theme or the profiles' config file.
    Config,
    /// A Prometheus rule file (read twice: parsed, then embedded in recordings).
    Rules,
    /// A dashboard to import.
    Dashboard,
    /// A recording (replays append markers to it).
    Recording,
}

impl Kind {
    /// The largest file of this kind read: far above any real one, far below memory.
    pub const fn limit(self) -> u64 {
        match self {
            Kind::Secret => 64 << 10,
            Kind::PrivateKey => 1 << 20,
            Kind::Certificate => 4 << 20,
            Kind::Config => 16 << 20,
            Kind::Rules | Kind::Dashboard => 64 << 20,
            Kind::Recording => 2 << 30,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Secret => "a password or token",
            Kind::PrivateKey => "a private key",
            Kind::Certificate => "a certificate file",
            Kind::Config => "a layout, theme or config file",
            Kind::Rules => "a rule file",
            Kind::Dashboard => "a dashboard",
            Kind::Recording => "a recording",
        }
    }

    fn secret(self) -> bool {
        matches!(self, Kind::Secret | Kind::PrivateKey)
    }

    /// Read once, from start to end: a pipe serves as well as a file.
    fn takes_a_pipe(self) -> bool {
        matches!(
            self,
            Kind::Secret | Kind::PrivateKey | Kind::Certificate | Kind::Dashboard
        )
    }
}

/// The bytes of `path`, at most `kind`'s [limit](Kind::limit).
pub fn read(path: &Path, kind: Kind) -> io::Result<Vec<u8>> {
    // Looked at before opening: opening a pipe nobody writes to waits for ever.
    let metadata = std::fs::metadata(path)?;
    if let Some(what) = not_a_file(&metadata, kind) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a file"),
        ));
    }
    let limit = kind.limit();
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is larger than {}, more than {} holds",
                size(limit),
                kind.what()
            ),
        )
    };
    if metadata.is_file() && metadata.len() > limit {
        return Err(too_large());
    }
    if kind.secret() {
        warn_if_others_may_read(path, &metadata);
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The text of `path` (UTF-8), at most `kind`'s [limit](Kind::limit).
pub fn read_to_string(path: &Path, kind: Kind) -> io::Result<String> {
    String::from_utf8(read(path, kind)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// What `metadata` shows instead of a file `kind` may be read from.
fn not_a_file(metadata: &Metadata, kind: Kind) -> Option<&'static str> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return (!kind.takes_a_pipe()).then_some("a pipe");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    let _ = kind;
    Some("not a regular file")
}

/// Says so, as ssh does, when a secret file may be read by other users. Only a warning:
/// Kubernetes and Docker mount secrets 0644/0444 by default, Prometheus itself takes such
/// files, and a dashboard refusing them after an upgrade would leave people blind. It is
/// said on stderr, where the start of a run is seen (the dashboard's terminal is not set
/// up yet), and in the log pane.
fn warn_if_others_may_read(path: &Path, metadata: &Metadata) {
    if let Some(warning) = too_open(path, metadata) {
        eprintln!("warning: {warning}");
        log::warn!("{warning}");
    }
}

/// ssh's words for a file that group or others may use (mode & 077).
fn too_open(path: &Path, metadata: &Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        (metadata.is_file() && mode & 0o077 != 0).then(|| {
            format!(
                "permissions {mode:04o} for '{}' are too open: other users can read this secret (chmod 600 it)",
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (path, metadata);
        None
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b => format!("{} KiB", b >> 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_pipes_are_refused_where_a_file_is_expected() {
        let refused = |path: &str, kind| read(Path::new(path), kind).unwrap_err().to_string();
        assert_eq!(
            refused("/dev/zero", Kind::Secret),
            "it is a character device, not a file"
        );
        assert_eq!(
            refused("/dev/urandom", Kind::Recording),
            "it is a character device, not a file"
        );
        assert_eq!(refused("/", Kind::Config), "it is a directory, not a file");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let fifo = fifo.to_str().unwrap();
        assert_eq!(refused(fifo, Kind::Config), "it is a pipe, not a file");
        assert_eq!(refused(fifo, Kind::Recording), "it is a pipe, not a file");
    }

    #[test]
    fn files_are_read_up_to_their_kind_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "t".repeat(64 << 10)).unwrap();
        assert_eq!(read(&path, Kind::Secret).unwrap().len(), 64 << 10);
        std::fs::write(&path, "t".repeat((64 << 10) + 1)).unwrap();
        assert_eq!(
            read(&path, Kind::Secret).unwrap_err().to_string(),
            "it is larger than 64 KiB, more than a password or token holds"
        );
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert_eq!(
            read_to_string(&path, Kind::Config).unwrap_err().to_string(),
            "it is not UTF-8 text"
        );
    }

    #[test]
    fn a_pipe_is_read_with_the_cap_where_one_will_do() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "head -c 200000 /dev/zero"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        use std::os::fd::AsRawFd;
        let path = format!("/proc/self/fd/{}", stdout.as_raw_fd());
        let refused = read(Path::new(&path), Kind::Secret).unwrap_err();
        assert!(
            refused.to_string().contains("larger than 64 KiB"),
            "{refused}"
        );
        drop(stdout);
        child.wait().unwrap();
    }

    #[test]
    fn secrets_others_may_read_are_named_as_ssh_names_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret").unwrap();
        for (mode, open) in [(0o644, true), (0o640, true), (0o600, false), (0o400, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let metadata = std::fs::metadata(&path).unwrap();
            let warning = too_open(&path, &metadata);
            assert_eq!(warning.is_some(), open, "{mode:o}");
            if let Some(warning) = warning {
                assert!(
                    warning.starts_with(&format!("permissions {mode:04o} for '")),
                    "{warning}"
                );
                assert!(warning.contains("are too open"), "{warning}");
                assert!(!warning.contains("s3cret"));
            }
        }
    }
}
