//! Reading files: rule folders, stdin, placeholders.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A text read from a file or stdin, with the name to show in messages.
pub struct Input {
    pub name: String,
    pub text: String,
}

/// Reads a file, or stdin for `-`.
pub fn read(path: &Path) -> Result<Input, String> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("<stdin>: cannot read: {e}"))?;
        let text = text_of("<stdin>", bytes)?;
        return Ok(Input {
            name: "<stdin>".into(),
            text,
        });
    }
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let text = text_of(&name, bytes)?;
    Ok(Input { name, text })
}

fn text_of(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    if sigmaplay_engine::is_evtx(&bytes) {
        return Err(format!(
            "{name}: a Windows event log (.evtx), not text: give it as a file, `--events FILE.evtx`"
        ));
    }
    sigmaplay_engine::utf8_text(bytes).map_err(|e| {
        let at = e.location;
        format!("{name}:{}:{}: {e}", at.line, at.column)
    })
}

/// An events argument: text (read whole), or a Windows event log file, streamed record by record.
pub enum Events {
    Text(Input),
    Evtx { name: String, path: PathBuf },
}

/// Reads an events argument: a file that starts with the `.evtx` magic is an event log (its
/// records are read later, a chunk at a time); anything else is read as text. From stdin, an
/// event log is spooled into memory (stdin cannot seek).
pub fn read_events(path: &Path) -> Result<Events, String> {
    if path.as_os_str() != "-" {
        let name = path.display().to_string();
        let mut magic = [0u8; 8];
        let is_evtx = std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok_and(|()| sigmaplay_engine::is_evtx(&magic));
        if is_evtx {
            return Ok(Events::Evtx {
                name,
                path: path.to_path_buf(),
            });
        }
    }
    read(path).map(Events::Text)
}

/// Expands arguments into files: a folder gives its files ending in one of `extensions`,
/// recursively, sorted (hidden entries skipped); a file (or `-`) is taken as is.
/// Errors (a path that does not exist, an unreadable folder) are returned alongside.
pub fn expand(args: &[PathBuf], extensions: &[&str]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            files.push(arg.clone());
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => {
                let before = files.len();
                walk(arg, extensions, &mut files, &mut errors, 0);
                if files.len() == before {
                    errors.push(format!(
                        "{}: no {} files in this folder",
                        arg.display(),
                        extensions.join("/")
                    ));
                }
            }
            Ok(_) => files.push(arg.clone()),
            Err(e) => errors.push(format!("{}: {e}", arg.display())),
        }
    }
    (files, errors)
}

fn walk(
    dir: &Path,
    extensions: &[&str],
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<String>,
    depth: usize,
) {
    if depth > 64 {
        errors.push(format!(
            "{}: folders nested too deep (a link loop?)",
            dir.display()
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, extensions, files, errors, depth + 1);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
        {
            files.push(path);
        }
    }
}

/// `NAME=VALUE` arguments → placeholder values by name (without `%`).
pub fn placeholders(args: &[String]) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for arg in args {
        let Some((name, value)) = arg.split_once('=') else {
            return Err(format!("--placeholder {arg:?}: expected NAME=VALUE"));
        };
        let name = name.trim().trim_matches('%');
        if name.is_empty() {
            return Err(format!("--placeholder {arg:?}: the name is empty"));
        }
        map.entry(name.to_string())
            .or_default()
            .push(value.to_string());
    }
    Ok(map)
}
