//! Share links. The first byte chooses what the rest is:
//!
//! 0. a link as pasted (URL, fragment, whitespace, any version);
//! 1. the payload's content: zlib-compressed and base64url-encoded here into a `#v1.` link, so the
//!    fuzzer reaches the test JSON inside a well-formed link.
//!
//! Decoding never panics and its error messages format; a test read from a link survives its file
//! format and its link unchanged, and runs consistently (see `check_rule_test`).
#![no_main]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use sigmaplay_ruletest::decode_link;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let link = if mode % 2 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        text.to_string()
    } else {
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(rest, 1);
        format!(
            "https://example.org/#v1.{}",
            URL_SAFE_NO_PAD.encode(compressed)
        )
    };
    match decode_link(&link) {
        Ok(test) => sigmaplay_fuzz::check_rule_test(&test),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
