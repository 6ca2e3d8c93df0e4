//! Helpers shared by the test files: the shared corpus, and files under a folder.
use std::path::{Path, PathBuf};

/// The shared folder (`../shared` beside the project), or `None` with a message where absent.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if dir.join("corpus").is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("SKIPPED: the shared corpus ({}) is absent", dir.display());
        None
    }
}

pub fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
}
