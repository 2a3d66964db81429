//! The module picture of `docs/architecture.md`, enforced: every top-level module imports
//! only modules below it in [`LAYERS`], so the codebase reads one way and has no cycles;
//! the simulator is a world of its own that only [`SIM_USERS`] may use; and inside the
//! modules no two files need each other (outside the simulator).

use std::collections::BTreeMap;
use std::path::Path;

/// Top-level modules, top to bottom. A module may use any module further down the list.
const LAYERS: &[&str] = &[
    "main",
    "launch",
    "cli",
    "demo",
    "report",
    "ui",
    "app",
    "view",
    "source",
    "session",
    "store",
    "event",
    "alerts",
    "prom",
    "import",
    "config",
    "variables",
    "model",
    "logbook",
    "sim",
    "clock",
];

/// The files (or folders, ending in `/`) of `src/` that may use the simulator: the demo
/// stack and its subcommand. The `spheroseg-sim` binary and the tests may too.
const SIM_USERS: &[&str] = &["demo/", "launch/demo.rs"];

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
        if module == "bin" || module == "lib" {
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
            if target == module {
                continue;
            }
            let path = relative.to_string_lossy().replace('\\', "/");
            if target == "sim"
                && !SIM_USERS
                    .iter()
                    .any(|u| path == *u || (u.ends_with('/') && path.starts_with(u)))
            {
                wrong.push(format!("{path}: only {SIM_USERS:?} may use the simulator"));
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

/// `path`'s place under `src`, with `/` between folders.
fn relative(src: &Path, path: &Path) -> String {
    path.strip_prefix(src)
        .expect("walked from src")
        .to_string_lossy()
        .replace('\\', "/")
}

/// A source file's code as tokens: identifiers, `::` and single punctuation characters;
/// comments, strings and character literals left out, so only code can name a module.
fn tokens(text: &str) -> Vec<String> {
    located_tokens(text).into_iter().map(|(t, _)| t).collect()
}

/// [`tokens`], each with the (0-based) line it starts on.
fn located_tokens(text: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let lines: Vec<usize> = chars
        .iter()
        .scan(0, |line, c| {
            let here = *line;
            *line += usize::from(*c == '\n');
            Some(here)
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' || ((c == 'r' || c == 'b') && raw_or_byte_string(&chars, i)) {
            i = skip_string(&chars, i);
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((chars[start..i].iter().collect(), lines[start]));
        } else if c == ':' && at(i + 1) == ':' {
            out.push(("::".to_string(), lines[i]));
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push((c.to_string(), lines[i]));
            }
            i += 1;
        }
    }
    out
}

/// Whether `r"`, `r#"`, `b"`, `br"` or `br#"` starts at `i` (and not an identifier).
fn raw_or_byte_string(chars: &[char], i: usize) -> bool {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return false;
    }
    let mut j = i + 1;
    if chars[i] == 'b' && chars.get(j) == Some(&'r') {
        j += 1;
    }
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

/// The index just past the string literal starting at `i`.
fn skip_string(chars: &[char], mut i: usize) -> usize {
    let mut raw = false;
    while chars[i] != '"' {
        raw |= chars[i] == 'r';
        i += 1;
    }
    let hashes = chars[..i].iter().rev().take_while(|c| **c == '#').count();
    i += 1;
    while i < chars.len() {
        if !raw && chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == '"'
            && chars[i + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == '#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// What one source file says about modules: where each name it `use`s comes from (its
/// children see those names through `super::`), its glob imports, the items it defines,
/// and every module path its code names, each with the line that names it.
#[derive(Default)]
struct FileFacts {
    uses: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
    defined: std::collections::BTreeSet<String>,
    paths: Vec<Vec<String>>,
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The leaves of the path or use tree starting at `tokens[*j]`, under `prefix`, each with
/// its alias (`as`), `*` for a glob.
fn tree(
    tokens: &[String],
    j: &mut usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let at = |j: usize| tokens.get(j).map(String::as_str).unwrap_or("");
    loop {
        match at(*j) {
            "{" => {
                *j += 1;
                while !matches!(at(*j), "}" | "") {
                    let before = *j;
                    tree(tokens, j, prefix.clone(), out);
                    // Past the comma, or past what is not a path (never stuck).
                    if at(*j) == "," || *j == before {
                        *j += 1;
                    }
                }
                *j += 1;
                return;
            }
            "*" => {
                *j += 1;
                out.push((prefix, Some("*".to_string())));
                return;
            }
            t if is_ident(t) => {
                prefix.push(t.to_string());
                *j += 1;
                let next = at(*j + 1);
                if at(*j) == "::" && (is_ident(next) || next == "{" || next == "*") {
                    *j += 1;
                    continue;
                }
                let alias =
                    (at(*j) == "as" && is_ident(at(*j + 1))).then(|| at(*j + 1).to_string());
                if alias.is_some() {
                    *j += 2;
                }
                out.push((prefix, alias));
                return;
            }
            _ => return,
        }
    }
}

/// Reads the facts of a file of module `module`; items under `#[cfg(test)]` are left out
/// (tests may reach anywhere; the structure is what the program itself needs).
fn facts(module: &[String], tokens: &[String]) -> FileFacts {
    let at = |j: usize| tokens.get(j).map(String::as_str).unwrap_or("");
    let children: Vec<&str> = (1..tokens.len())
        .filter(|&i| tokens[i - 1] == "mod" && at(i + 1) == ";")
        .map(|i| tokens[i].as_str())
        .collect();
    let mut facts = FileFacts::default();
    let mut depth = 0usize;
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = at(i);
        if tokens[i..].starts_with(&["#", "[", "cfg", "(", "test", ")", "]"].map(String::from)) {
            // Skip the item: to its `;` or the end of its first block.
            let mut level = 0usize;
            i += 7;
            while i < tokens.len() {
                match at(i) {
                    "{" | "[" | "(" => level += 1,
                    "}" | "]" | ")" => {
                        level -= 1;
                        if level == 0 && at(i) == "}" {
                            break;
                        }
                    }
                    ";" if level == 0 => break,
                    _ => {}
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        match t {
            "{" => {
                depth += 1;
                if i >= 2 && at(i - 2) == "mod" {
                    inline.push((at(i - 1).to_string(), depth));
                }
            }
            "}" => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        if i >= 1
            && matches!(
                at(i - 1),
                "struct" | "enum" | "fn" | "trait" | "type" | "const" | "static" | "union" | "mod"
            )
            && is_ident(t)
        {
            facts.defined.insert(t.to_string());
        }
        let starts_path =
            is_ident(t) && at(i + 1) == "::" && (i == 0 || !matches!(at(i - 1), "::" | "."));
        if !starts_path {
            i += 1;
            continue;
        }
        let in_use = i >= 1 && at(i - 1) == "use";
        let mut leaves = Vec::new();
        let mut j = i;
        tree(tokens, &mut j, Vec::new(), &mut leaves);
        i = j.max(i + 1);
        let here: Vec<String> = module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(n, _)| n.clone()))
            .collect();
        for (leaf, alias) in leaves {
            let mut base = here.clone();
            let mut rest = leaf.as_slice();
            match rest.first().map(String::as_str) {
                Some("crate") => {
                    base.clear();
                    rest = &rest[1..];
                }
                Some("self") => rest = &rest[1..],
                Some("super") => {
                    while rest.first().is_some_and(|s| s == "super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                }
                Some(child) if inline.is_empty() && children.contains(&child) => {}
                _ => continue,
            }
            let mut path: Vec<String> = base.into_iter().chain(rest.iter().cloned()).collect();
            if in_use {
                match alias.as_deref() {
                    Some("*") => facts.globs.push(path.clone()),
                    _ => {
                        if path.last().is_some_and(|s| s == "self") {
                            path.pop();
                        }
                        let name = alias.clone().or_else(|| path.last().cloned());
                        if let Some(name) = name {
                            facts.uses.insert(name, path.clone());
                        }
                    }
                }
            }
            if path.last().is_some_and(|s| s == "self") {
                path.pop();
            }
            facts.paths.push(path);
        }
    }
    facts
}

/// The source files as a module tree: each file's module path and facts.
struct Tree {
    files: Vec<(String, Vec<String>, FileFacts)>,
    by_module: BTreeMap<Vec<String>, usize>,
}

impl Tree {
    fn read(src: &Path) -> Tree {
        let mut paths = Vec::new();
        walk(src, &mut paths);
        paths.sort();
        let mut files = Vec::new();
        let mut by_module = BTreeMap::new();
        for path in paths {
            let relative = relative(src, &path);
            // The binaries are crates of their own.
            if relative == "main.rs" || relative.starts_with("bin/") {
                continue;
            }
            let mut module: Vec<String> = relative
                .trim_end_matches(".rs")
                .split('/')
                .map(String::from)
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).expect("src is readable");
            let facts = facts(&module, &tokens(&text));
            by_module.insert(module.clone(), files.len());
            files.push((relative, module, facts));
        }
        Tree { files, by_module }
    }

    /// The file defining what `path` names: the deepest file module on it, followed
    /// through the `use`s and globs by which that file offers the next name.
    fn resolve(&self, path: &[String], hops: usize) -> Option<usize> {
        let k = (0..=path.len())
            .rev()
            .find(|k| self.by_module.contains_key(&path[..*k]))?;
        let file = self.by_module[&path[..k]];
        let rest = &path[k..];
        let Some(name) = rest.first() else {
            return Some(file);
        };
        let facts = &self.files[file].2;
        if hops > 8 || facts.defined.contains(name) {
            return Some(file);
        }
        if let Some(target) = facts.uses.get(name) {
            let next: Vec<String> = target.iter().chain(&rest[1..]).cloned().collect();
            return self.resolve(&next, hops + 1).or(Some(file));
        }
        for glob in &facts.globs {
            let Some(&g) = self.by_module.get(glob) else {
                continue;
            };
            let offered = &self.files[g].2;
            if offered.defined.contains(name) || offered.uses.contains_key(name) {
                let next: Vec<String> = glob.iter().chain(rest).cloned().collect();
                return self.resolve(&next, hops + 1);
            }
        }
        Some(file)
    }
}

/// The file-level import circles outside `sim/`: each as the files on it, and a text with
/// one loop and every import inside it.
fn file_circles(src: &Path) -> Vec<(Vec<String>, String)> {
    let tree = Tree::read(src);
    let n = tree.files.len();
    let outside_sim = |f: usize| tree.files[f].1.first().is_none_or(|m| m != "sim");
    let mut edges = vec![std::collections::BTreeSet::new(); n];
    let mut why = BTreeMap::new();
    for (from, (_, _, facts)) in tree.files.iter().enumerate() {
        for path in &facts.paths {
            if let Some(to) = tree.resolve(path, 0)
                && to != from
                && outside_sim(from)
                && outside_sim(to)
            {
                edges[from].insert(to);
                why.entry((from, to)).or_insert_with(|| path.join("::"));
            }
        }
    }
    // Everything each file reaches, then the strongly connected groups.
    let reach: Vec<Vec<bool>> = (0..n)
        .map(|start| {
            let mut seen = vec![false; n];
            let mut todo = vec![start];
            while let Some(f) = todo.pop() {
                for &to in &edges[f] {
                    if !seen[to] {
                        seen[to] = true;
                        todo.push(to);
                    }
                }
            }
            seen
        })
        .collect();
    let mut done = vec![false; n];
    let mut circles = Vec::new();
    for f in 0..n {
        if done[f] || !reach[f][f] {
            continue;
        }
        let group: Vec<usize> = (0..n).filter(|&g| reach[f][g] && reach[g][f]).collect();
        for &g in &group {
            done[g] = true;
        }
        // One loop through `f`, shortest first.
        let mut back = vec![usize::MAX; n];
        let mut queue = std::collections::VecDeque::from([f]);
        'search: while let Some(at) = queue.pop_front() {
            for &to in &edges[at] {
                if to == f {
                    back[f] = at;
                    break 'search;
                }
                if back[to] == usize::MAX && group.contains(&to) {
                    back[to] = at;
                    queue.push_back(to);
                }
            }
        }
        let mut lap = vec![tree.files[f].0.clone()];
        let mut at = back[f];
        while at != f {
            lap.push(tree.files[at].0.clone());
            at = back[at];
        }
        lap.push(tree.files[f].0.clone());
        lap.reverse();
        let inside: Vec<String> = why
            .iter()
            .filter(|((a, b), _)| group.contains(a) && group.contains(b))
            .map(|((a, b), path)| {
                format!("    {} → {} ({path})", tree.files[*a].0, tree.files[*b].0)
            })
            .collect();
        let members = group.iter().map(|&g| tree.files[g].0.clone()).collect();
        circles.push((
            members,
            format!(
                "{} files, e.g. {}:\n{}",
                group.len(),
                lap.join(" → "),
                inside.join("\n")
            ),
        ));
    }
    circles
}

/// The circles not yet undone, each the files on it: a file joining one, or a new circle,
/// fails the test, and so does a circle gone but still listed (take it off). `app/` and
/// `config/layout/` are the state and the layout model whose children add methods to the
/// type their `mod.rs` holds (`impl App`, the layout's builder) while the type holds the
/// children's parts; `report/` and `report/snapshot/` are undone as `launch/failure.rs`,
/// `source/live/job.rs` and `ui/widgets/panel_widget.rs` show: the shared type in a file of
/// its own.
const KNOWN_CIRCLES: &[&[&str]] = &[
    &[
        "app/action.rs",
        "app/alerts.rs",
        "app/keymap/defaults.rs",
        "app/keymap/mod.rs",
        "app/mod.rs",
        "app/mouse.rs",
        "app/prompt.rs",
        "app/server.rs",
        "app/silence.rs",
        "app/variables/mod.rs",
    ],
    &[
        "config/layout/annotation.rs",
        "config/layout/build.rs",
        "config/layout/file.rs",
        "config/layout/kind.rs",
        "config/layout/mod.rs",
        "config/layout/variable.rs",
        "config/mod.rs",
        "config/theme.rs",
    ],
    &[
        "report/alert_groups.rs",
        "report/annotations.rs",
        "report/markdown.rs",
        "report/mod.rs",
    ],
    &[
        "report/snapshot/mod.rs",
        "report/snapshot/nagios.rs",
        "report/snapshot/text.rs",
    ],
];

#[test]
fn no_file_level_import_circles_outside_the_simulator() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let circles = file_circles(&src);
    let new: Vec<&str> = circles
        .iter()
        .filter(|(members, _)| {
            !KNOWN_CIRCLES
                .iter()
                .any(|known| members.iter().all(|m| known.contains(&m.as_str())))
        })
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(
        new.is_empty(),
        "{} new file-level circles (move what both sides need to the file it belongs in):\n{}",
        new.len(),
        new.join("\n")
    );
    let gone: Vec<&&[&str]> = KNOWN_CIRCLES
        .iter()
        .filter(|known| {
            !circles
                .iter()
                .any(|(members, _)| members.iter().all(|m| known.contains(&m.as_str())))
        })
        .collect();
    assert!(
        gone.is_empty(),
        "undone, take them off KNOWN_CIRCLES: {gone:?}"
    );
}

/// A `_` arm kept behind `allow(unreachable_patterns)` swallows the next variant in
/// silence; matches over the crate's own enums list them, so a new one needs a decision.
#[test]
fn no_match_hides_a_variant_behind_allow_unreachable() {
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let hiding: Vec<String> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("allow(unreachable_patterns)")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(hiding.is_empty(), "list the variants instead: {hiding:?}");
}

/// Inside a folder, a file is `pub(crate)` unless the binary, a test, a bench or a fuzz
/// target names it: a `pub` module's items all count as used, so the compiler could not
/// see dead code in it. (What outsiders need is re-exported by the folder's `mod.rs`.)
#[test]
fn a_folder_s_files_are_public_only_when_used_outside_the_library() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut outside = String::new();
    for dir in ["tests", "benches", "fuzz/fuzz_targets", "src/bin"] {
        let mut files = Vec::new();
        if root.join(dir).is_dir() {
            walk(&root.join(dir), &mut files);
        }
        for file in files {
            outside.push_str(&std::fs::read_to_string(file).unwrap());
        }
    }
    outside.push_str(&std::fs::read_to_string(root.join("src/main.rs")).unwrap());
    let outside: String = outside.split_whitespace().collect();
    let src = root.join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut unused = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap().with_extension("");
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel == "lib" || rel == "main" || rel.starts_with("bin/") {
            continue;
        }
        let folder = rel.trim_end_matches("/mod").replace('/', "::");
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let Some(name) = line
                .strip_prefix("pub mod ")
                .and_then(|rest| rest.strip_suffix(';'))
            else {
                continue;
            };
            let path = format!("{folder}::{name}");
            let braced = format!("{folder}::{{");
            let named = outside.contains(&format!("spheroseg_top::{path}"))
                || outside.match_indices(&braced).any(|(at, _)| {
                    let inside = &outside[at + braced.len()..];
                    let inside = &inside[..inside.find('}').unwrap_or(inside.len())];
                    inside
                        .split([',', ':'])
                        .any(|part| part.trim_start_matches('{') == name)
                });
            if !named {
                unused.push(format!("{}: pub mod {name}", file.display()));
            }
        }
    }
    assert!(
        unused.is_empty(),
        "make these pub(crate) (nothing outside the library names them):\n{}",
        unused.join("\n")
    );
}

/// Every `fn` of `src/` outside tests, as `path::name` with its length in lines (from its
/// `fn` line to its closing brace) and whether the lines above it give a `// Long:` reason.
fn function_lengths(src: &Path) -> Vec<(String, usize, bool)> {
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = relative(src, &file);
        if rel.ends_with("tests.rs") || rel.contains("tests/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("src is readable");
        let lines: Vec<&str> = text.lines().collect();
        let tokens = located_tokens(&text);
        let at = |j: usize| tokens.get(j).map(|(t, _)| t.as_str()).unwrap_or("");
        let mut j = 0;
        while j < tokens.len() {
            if at(j) == "#" && at(j + 1) == "[" && at(j + 2) == "cfg" && at(j + 4) == "test" {
                // Past the attributes to the test module (or item) and over its body.
                j = closing(&tokens, j);
            } else if at(j) == "fn" && is_ident(at(j + 1)) {
                let end = closing(&tokens, j);
                let (start_line, end_line) = (tokens[j].1, tokens[end.min(tokens.len() - 1)].1);
                let reason = lines[..start_line]
                    .iter()
                    .rev()
                    .map(|l| l.trim())
                    .take_while(|l| l.starts_with("//") || l.starts_with('#'))
                    .any(|l| l.starts_with("// Long:"));
                found.push((
                    format!("{rel}::{}", at(j + 1)),
                    end_line - start_line + 1,
                    reason,
                ));
                j += 2;
                continue;
            }
            j += 1;
        }
    }
    found
}

/// The index of the token closing the item starting at `j`: the `;` ending it, or the
/// `}` matching its body's `{` (the first `{` or `;` outside parentheses and brackets).
fn closing(tokens: &[(String, usize)], mut j: usize) -> usize {
    let mut nesting = 0usize;
    while j < tokens.len() {
        match tokens[j].0.as_str() {
            "(" | "[" => nesting += 1,
            ")" | "]" => nesting = nesting.saturating_sub(1),
            ";" if nesting == 0 => return j,
            "{" if nesting == 0 => break,
            _ => {}
        }
        j += 1;
    }
    let mut depth = 0usize;
    while j < tokens.len() {
        match tokens[j].0.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
        j += 1;
    }
    j
}

/// A function over 80 lines says more than one thing; one that reads better whole says so
/// in a `// Long:` comment just above it.
#[test]
fn no_function_is_over_80_lines_without_a_reason() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lengths = function_lengths(&src);
    let long: Vec<String> = lengths
        .iter()
        .filter(|(_, lines, reason)| *lines > 80 && !reason)
        .map(|(name, lines, _)| format!("{name} ({lines} lines)"))
        .collect();
    assert!(
        long.is_empty(),
        "split these by what they decide, or write `// Long:` and why above them:\n{}",
        long.join("\n")
    );
}
