//! Reading files: rule folders, stdin, placeholders.

use sigmaplay_engine::{is_json_lines, JsonLines, MAX_INPUT_BYTES};
use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};
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

/// An events argument: JSON Lines (streamed a block of lines at a time), other text (read whole),
/// or a Windows event log file, streamed record by record.
pub enum Events {
    Lines {
        name: String,
        lines: JsonLines<Box<dyn BufRead>>,
    },
    Text(Input),
    Evtx {
        name: String,
        path: PathBuf,
    },
}

/// Bytes of JSON Lines per block: a few thousand events; each job parses and evaluates a block
/// at a time.
const BLOCK_BYTES: usize = 4 << 20;

/// The start of an input read to tell JSON Lines from the other shapes: its first two lines
/// with content, at most this many bytes (a longer first line is read whole, not streamed).
const HEAD_BYTES: u64 = 64 << 20;

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
    let (name, mut reader): (String, Box<dyn BufRead>) = if path.as_os_str() == "-" {
        ("<stdin>".into(), Box::new(io::stdin().lock()))
    } else {
        let name = path.display().to_string();
        match std::fs::File::open(path) {
            Ok(f) => (name, Box::new(io::BufReader::with_capacity(1 << 20, f))),
            Err(e) => return Err(format!("{name}: cannot read: {e}")),
        }
    };
    let cannot_read = |e: io::Error| format!("{name}: cannot read: {e}");
    let mut head = read_head(&mut reader).map_err(cannot_read)?;
    if std::str::from_utf8(&head).is_ok_and(is_json_lines) {
        let reader: Box<dyn BufRead> = Box::new(io::Cursor::new(head).chain(reader));
        return Ok(Events::Lines {
            name,
            lines: JsonLines::new(reader, BLOCK_BYTES),
        });
    }
    // One byte over the limit is enough for the engine to refuse the input as too large.
    reader
        .take((MAX_INPUT_BYTES + 1 - head.len().min(MAX_INPUT_BYTES)) as u64)
        .read_to_end(&mut head)
        .map_err(cannot_read)?;
    let text = text_of(&name, head)?;
    Ok(Events::Text(Input { name, text }))
}

/// The input's first two lines with content (or all of it, when shorter).
fn read_head(reader: &mut dyn BufRead) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut with_content = 0;
    while with_content < 2 && (head.len() as u64) < HEAD_BYTES {
        let before = head.len();
        let n = (&mut *reader)
            .take(HEAD_BYTES - head.len() as u64)
            .read_until(b'\n', &mut head)?;
        if n == 0 {
            break;
        }
        if head[before..].iter().any(|b| !b.is_ascii_whitespace()) {
            with_content += 1;
        }
    }
    Ok(head)
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
