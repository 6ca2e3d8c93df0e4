//! Zip archives the page is given (SigmaHQ regression folders, rule packs), unpacked with bounds:
//! an archive's headers are not trusted, every entry is read at most to its limit, so a zip bomb
//! is refused in words instead of filling the worker's memory.

use crate::files::NamedFile;
use std::io::{Cursor, Read};

/// How much of an archive is unpacked.
#[derive(Clone, Copy, Debug)]
pub struct ZipLimits {
    pub max_entries: usize,
    /// Bytes of one entry once unpacked.
    pub max_entry_bytes: usize,
    /// Bytes of all the entries kept, once unpacked.
    pub max_total_bytes: usize,
}

impl Default for ZipLimits {
    /// Any files: each at most what the engine reads as events at once.
    fn default() -> ZipLimits {
        ZipLimits {
            max_entries: 50_000,
            max_entry_bytes: sigmaplay_engine::MAX_INPUT_BYTES,
            max_total_bytes: sigmaplay_engine::MAX_INPUT_BYTES,
        }
    }
}

impl ZipLimits {
    /// A rule pack: each rule file at most what the engine compiles as one text.
    pub fn rules() -> ZipLimits {
        ZipLimits {
            max_entry_bytes: sigmaplay_engine::MAX_RULE_BYTES,
            max_total_bytes: 256 * 1024 * 1024,
            ..ZipLimits::default()
        }
    }
}

/// Whether `file` is a zip archive (by its name or its first bytes).
pub fn is_zip(file: &NamedFile) -> bool {
    file.name.to_ascii_lowercase().ends_with(".zip") || file.bytes.starts_with(b"PK\x03\x04")
}

/// The files of the archive `file` whose path `keep` accepts, with their paths inside it
/// (folders are not entries), in archive order.
pub fn unzip(
    file: &NamedFile,
    limits: &ZipLimits,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<NamedFile>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(&file.bytes))
        .map_err(|e| format!("{} is not a readable zip archive: {e}", file.name))?;
    if archive.len() > limits.max_entries {
        return Err(format!(
            "{} holds {} entries, more than the {} read: refused",
            file.name,
            archive.len(),
            limits.max_entries
        ));
    }
    let mut out = Vec::new();
    let mut total = 0usize;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| format!("{}: entry {}: {e}", file.name, i + 1))?;
        if entry.is_dir() || !keep(entry.name()) {
            continue;
        }
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        // Read one byte past the limit: the size in the header may lie.
        entry
            .take(limits.max_entry_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {name}: {e}", file.name))?;
        if bytes.len() > limits.max_entry_bytes {
            return Err(format!(
                "{}: {name} is larger than {} MB once unpacked: the archive is refused (a zip bomb?)",
                file.name,
                limits.max_entry_bytes / (1024 * 1024)
            ));
        }
        total += bytes.len();
        if total > limits.max_total_bytes {
            return Err(format!(
                "{} unpacks to more than {} MB: the archive is refused (a zip bomb?)",
                file.name,
                limits.max_total_bytes / (1024 * 1024)
            ));
        }
        out.push(NamedFile { name, bytes });
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A zip of `(path, text)` entries, deflated.
    pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn entries_keep_their_paths_and_the_filter_skips() {
        let bytes = zip_of(&[("rules/a/x.yml", b"title: x"), ("rules/README.md", b"#")]);
        let file = NamedFile {
            name: "rules.zip".into(),
            bytes,
        };
        let kept = unzip(&file, &ZipLimits::default(), |n| n.ends_with(".yml")).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].name, "rules/a/x.yml");
        assert_eq!(kept[0].bytes, b"title: x");
    }

    #[test]
    fn a_bomb_is_refused_in_words() {
        let zeros = vec![0u8; 2 * 1024 * 1024];
        let bytes = zip_of(&[("a.yml", &zeros), ("b.yml", &zeros)]);
        assert!(bytes.len() < 64 * 1024, "deflated to {}", bytes.len());
        let file = NamedFile {
            name: "bomb.zip".into(),
            bytes,
        };
        let small = ZipLimits {
            max_entry_bytes: 1024 * 1024,
            ..ZipLimits::default()
        };
        let err = unzip(&file, &small, |_| true).unwrap_err();
        assert!(err.contains("a.yml is larger than 1 MB"), "{err}");
        let total = ZipLimits {
            max_total_bytes: 3 * 1024 * 1024,
            ..ZipLimits::default()
        };
        let err = unzip(&file, &total, |_| true).unwrap_err();
        assert!(err.contains("unpacks to more than 3 MB"), "{err}");
    }
}
