//! The module picture of `docs/architecture.md`, enforced: every top-level module imports
//! only modules below it in [`LAYERS`], so the codebase reads one way and has no cycles
//! (the simulator is a world of its own and is only checked from outside).

use std::collections::BTreeMap;
use std::path::Path;

/// Top-level modules, top to bottom. A module may use any module further down the list.
const LAYERS: &[&str] = &[
    "main",
    "launch",
    "cli",
    "demo",
    "report",
    "import",
    "ui",
    "app",
    "view",
    "source",
    "session",
    "store",
    "event",
    "alerts",
    "prom",
    "config",
    "variables",
    "model",
    "logbook",
    "clock",
];

/// The top-level modules `text` names through `crate::x`, comments left out.
fn imports(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
        // `use crate::{a, b}` names several at once.
        if let Some(group) = code.split("crate::{").nth(1) {
            for part in group.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        }
    }
    found.retain(|n| !n.is_empty());
    found
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("src is readable").path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn modules_only_import_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let rank: BTreeMap<&str, usize> = LAYERS.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut wrong = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "sim" || module == "bin" || module == "lib" {
            continue;
        }
        let Some(&from) = rank.get(module.as_str()) else {
            wrong.push(format!(
                "{}: module `{module}` is not in LAYERS",
                relative.display()
            ));
            continue;
        };
        for target in imports(&std::fs::read_to_string(&file).unwrap()) {
            if target == module || target == "sim" {
                continue;
            }
            match rank.get(target.as_str()) {
                Some(&to) if to > from => {}
                Some(_) => wrong.push(format!(
                    "{}: `{module}` imports `{target}`, which is not below it",
                    relative.display()
                )),
                None => wrong.push(format!("{}: unknown module `{target}`", relative.display())),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_source_file_is_over_700_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > 700).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}
