//! Files the commands write — a recording, a report, a layout — are new files: an existing
//! one is kept unless `--force` says to replace it, and the command's own input is never
//! replaced (`export x.rec -o x.rec` wrote the report over the recording).

use super::InvalidInput;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `path` for writing: exclusively (an existing file, or a link planted there, is
/// refused), or with `force` replacing a file that is none of `inputs`.
pub fn create(path: &Path, force: bool, inputs: &[&Path]) -> Result<File, InvalidInput> {
    check(path, force, inputs)?;
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options.open(path).map_err(|e| InvalidInput(why(path, &e)))
}

/// What [`create`] would refuse, said before the work whose result goes there (an old
/// report stays whole until the new one is ready).
pub fn check(path: &Path, force: bool, inputs: &[&Path]) -> Result<(), InvalidInput> {
    if let Some(input) = inputs.iter().find(|input| same_file(path, input)) {
        let what = if *input == path {
            "the input".to_string()
        } else {
            format!("the same file as the input {}", input.display())
        };
        return Err(InvalidInput(format!(
            "{} is {what}: writing there would destroy it, --force or not",
            path.display()
        )));
    }
    if !force && std::fs::symlink_metadata(path).is_ok() {
        let exists = io::Error::from(io::ErrorKind::AlreadyExists);
        return Err(InvalidInput(why(path, &exists)));
    }
    Ok(())
}

/// A refused create in words: an existing file says how to replace it.
pub fn why(path: &Path, error: &io::Error) -> String {
    if error.kind() == io::ErrorKind::AlreadyExists {
        format!(
            "{} exists; it is kept (give --force to replace it)",
            path.display()
        )
    } else {
        format!("cannot create {}: {error}", path.display())
    }
}

/// Whether `a` and `b` are one file (the same path, a hard or symbolic link).
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn existing_files_are_kept_unless_forced_and_inputs_always() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("x.rec");
        let out = dir.path().join("report.md");
        std::fs::write(&input, "recording").unwrap();
        std::fs::write(&out, "precious").unwrap();
        let refused = create(&out, false, &[&input]).unwrap_err().0;
        assert!(
            refused.contains("exists") && refused.contains("--force"),
            "{refused}"
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
        create(&out, true, &[&input])
            .unwrap()
            .write_all(b"report")
            .unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "report");

        let link = dir.path().join("link.rec");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        for (path, force) in [(&input, false), (&input, true), (&link, true)] {
            let refused = create(path, force, &[&input]).unwrap_err().0;
            assert!(refused.contains("the input"), "{refused}");
        }
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "recording");
        let fresh = dir.path().join("new.md");
        create(&fresh, false, &[&input]).unwrap();
        assert!(fresh.exists());
    }
}
