//! Share links: the whole [`RuleTest`] in a URL fragment, `base#v1.<payload>`.
//!
//! `payload` is base64url without padding (RFC 4648 §5: `A-Z a-z 0-9 - _`, all safe in a fragment)
//! of the zlib stream (RFC 1950: deflate plus an Adler-32 checksum, so a corrupted link is detected
//! rather than decoded into a silently different rule) of the test's compact JSON (format
//! `sigmaplay-test/1`). The fragment never reaches a server: nothing shared leaves the browser
//! except through whoever the user sends the link to.
//!
//! Versions: `v1` is the first link format. A link `vN.` with N > 1 was made by a newer version
//! and gets [`LinkError::UnknownVersion`] with a message saying so; a future `v2` reader keeps a
//! `v1` decoder here, as file formats are migrated in [`RuleTest::from_value`].

use crate::file::{RuleTest, TestFileError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::fmt;

/// The link format this version writes and reads (`#v1.`).
pub const LINK_VERSION: u32 = 1;

/// Links longer than this (in bytes, all ASCII) are not produced: [`encode_link`] returns
/// [`LinkError::TooLong`] and the UI offers the test file export instead.
///
/// Why 32,000: browsers are not the limit (the fragment is never sent to a server, so the ~8 KB
/// request-line limits of HTTP servers and proxies do not apply; Chromium accepts URLs up to 2 MB,
/// Firefox and Safari more than that). The limit is where people paste links: Slack messages are cut
/// at 40,000 characters, GitHub comments at 65,536, many chat and ticket tools somewhere in between;
/// a 32,000-character link still fits in those with room for a sentence around it, and stays quick
/// to copy. Compressed, that carries a rule plus a few hundred typical events; bigger sets go as files.
pub const MAX_LINK_LEN: usize = 32_000;

/// Largest test (compact JSON bytes) a link may decompress to: a guard against zip bombs (deflate
/// reaches ~1000:1). A link of [`MAX_LINK_LEN`] holds ~24 KB compressed, which real tests (text,
/// compressing 5-20×) inflate to well under 1 MB; 16 MiB leaves a wide margin and bounds memory.
pub const MAX_DECODED_BYTES: usize = 16 * 1024 * 1024;

/// Why a share link could not be made or read. `Display` gives a message for users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The text has no `#v<N>.` fragment (or is empty).
    NotALink,
    /// A link format this version cannot read: `version` is what the link says (`"2"`, `"0"`).
    UnknownVersion { version: String },
    /// The payload is damaged (bad base64 characters, checksum or deflate error): typically an
    /// edited or mangled link.
    Corrupted(String),
    /// The payload ends too early: typically a link cut when copied.
    Truncated,
    /// The test is too big: decoding would exceed [`MAX_DECODED_BYTES`] (or encoding was given more).
    TooBig { limit: usize },
    /// The link would be longer than [`MAX_LINK_LEN`]; export the test as a file instead.
    TooLong { length: usize, limit: usize },
    /// The payload decodes, but is not a valid rule test.
    InvalidContent(TestFileError),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NotALink => write!(
                f,
                "not a Sigma Playground share link (expected a link ending in #v{LINK_VERSION}.…)"
            ),
            LinkError::UnknownVersion { version } => match version.parse::<u64>() {
                Ok(n) if n > u64::from(LINK_VERSION) => write!(
                    f,
                    "this link was made by a newer version of Sigma Playground (link format v{n}; \
                     this version reads v{LINK_VERSION}): open it with an up-to-date playground"
                ),
                _ => write!(
                    f,
                    "unknown share link format v{version} (this version reads v{LINK_VERSION})"
                ),
            },
            LinkError::Corrupted(why) => write!(
                f,
                "this share link is damaged and cannot be opened ({why}); ask for the link again"
            ),
            LinkError::Truncated => write!(
                f,
                "this share link is incomplete (it was probably cut when copied); ask for the whole link"
            ),
            LinkError::TooBig { limit } => write!(
                f,
                "this test is too big for a share link (more than {} MB): export it as a file instead",
                limit / (1024 * 1024)
            ),
            LinkError::TooLong { length, limit } => write!(
                f,
                "the share link would be {length} characters long, more than {limit}: \
                 export the test as a file instead"
            ),
            LinkError::InvalidContent(e) => write!(f, "this share link holds no valid test: {e}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// The fragment (without `#`) that carries `test`: `v1.<base64url(zlib(json))>`. No length limit
/// other than [`MAX_DECODED_BYTES`] for the JSON.
pub fn encode_fragment(test: &RuleTest) -> Result<String, LinkError> {
    let json = test.to_json_compact();
    if json.len() > MAX_DECODED_BYTES {
        return Err(LinkError::TooBig {
            limit: MAX_DECODED_BYTES,
        });
    }
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), 9);
    Ok(format!(
        "v{LINK_VERSION}.{}",
        URL_SAFE_NO_PAD.encode(compressed)
    ))
}

/// The share link for `test`: `base_url` (any fragment it has is dropped) + `#v1.…`.
/// Fails with [`LinkError::TooLong`] beyond [`MAX_LINK_LEN`].
pub fn encode_link(test: &RuleTest, base_url: &str) -> Result<String, LinkError> {
    let base = base_url.split('#').next().unwrap_or_default();
    let link = format!("{base}#{}", encode_fragment(test)?);
    if link.len() > MAX_LINK_LEN {
        return Err(LinkError::TooLong {
            length: link.len(),
            limit: MAX_LINK_LEN,
        });
    }
    Ok(link)
}

/// Reads a share link: a full URL (`http://host/path#v1.…`), a fragment with or without `#`.
/// Whitespace anywhere (links wrapped in mail) is ignored.
pub fn decode_link(link: &str) -> Result<RuleTest, LinkError> {
    let link: String = link.chars().filter(|c| !c.is_whitespace()).collect();
    let fragment = match link.find('#') {
        Some(i) => &link[i + 1..],
        None => link.as_str(),
    };
    let (version, payload) = split_version(fragment).ok_or(LinkError::NotALink)?;
    if version != LINK_VERSION.to_string() {
        return Err(LinkError::UnknownVersion {
            version: version.to_string(),
        });
    }
    decode_v1(payload)
}

/// `v<digits>.<rest>` → (digits, rest).
fn split_version(fragment: &str) -> Option<(&str, &str)> {
    let rest = fragment
        .strip_prefix('v')
        .or_else(|| fragment.strip_prefix('V'))?;
    let dot = rest.find('.')?;
    let (version, payload) = (&rest[..dot], &rest[dot + 1..]);
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((version, payload))
}

fn decode_v1(payload: &str) -> Result<RuleTest, LinkError> {
    if payload.is_empty() {
        return Err(LinkError::Truncated);
    }
    // Base64 of MAX_DECODED_BYTES is the most a sane payload can be; refuse before decoding.
    if payload.len() > MAX_DECODED_BYTES {
        return Err(LinkError::TooBig {
            limit: MAX_DECODED_BYTES,
        });
    }
    // Tolerate standard-alphabet base64 and padding (some tools re-encode).
    let normalized: String = payload
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    if let Some(bad) = normalized
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(LinkError::Corrupted(format!(
            "unexpected character {bad:?}"
        )));
    }
    // A base64 text of length 4k+1 cannot be complete.
    if normalized.len() % 4 == 1 {
        return Err(LinkError::Truncated);
    }
    // Trailing bits allowed: a link cut at any character must read as truncated (the zlib stream
    // then ends early), not as a base64 error.
    const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::general_purpose::NO_PAD.with_decode_allow_trailing_bits(true),
    );
    let compressed = LENIENT
        .decode(normalized.as_bytes())
        .map_err(|e| LinkError::Corrupted(format!("bad base64: {e}")))?;
    let json = inflate(&compressed)?;
    let text =
        std::str::from_utf8(&json).map_err(|_| LinkError::Corrupted("not UTF-8 text".into()))?;
    RuleTest::from_json(text).map_err(|e| match e {
        TestFileError::Json { .. } => LinkError::Corrupted(e.to_string()),
        e => LinkError::InvalidContent(e),
    })
}

fn inflate(compressed: &[u8]) -> Result<Vec<u8>, LinkError> {
    use miniz_oxide::inflate::TINFLStatus;
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(compressed, MAX_DECODED_BYTES).map_err(
        |e| {
            match e.status {
                TINFLStatus::HasMoreOutput => LinkError::TooBig {
                    limit: MAX_DECODED_BYTES,
                },
                // The input ended before the stream did (including its checksum).
                TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                    LinkError::Truncated
                }
                TINFLStatus::Adler32Mismatch => LinkError::Corrupted("checksum mismatch".into()),
                _ => LinkError::Corrupted("not a compressed test".into()),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_split() {
        assert_eq!(split_version("v1.abc"), Some(("1", "abc")));
        assert_eq!(split_version("v12.a.b"), Some(("12", "a.b")));
        assert_eq!(split_version("vx.abc"), None);
        assert_eq!(split_version("abc"), None);
        assert_eq!(split_version("v1"), None);
    }
}
