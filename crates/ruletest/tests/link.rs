//! Share-link codec: round trip, damaged links, versions, zip bombs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sigmaplay_ruletest::*;

fn sample() -> RuleTest {
    let mut t = RuleTest::new(
        "title: Cmstp\nlogsource:\n  product: windows\n  category: network_connection\ndetection:\n  selection:\n    Image|endswith: '\\cmstp.exe'\n  condition: selection\n",
        "{\"Image\": \"C:\\\\Windows\\\\System32\\\\cmstp.exe\", \"DestinationIp\": \"8.8.8.8\"}\n{\"Image\": \"x.exe\"}\n",
    );
    t.name = Some("ünïcödé & <friends>".into());
    t.set_expectation(0, Some(true));
    t.set_expectation(1, Some(false));
    t.placeholders
        .insert("Admins".into(), vec!["alice".into(), "bob".into()]);
    t.options.logsource_check = true;
    t
}

fn payload_of(link: &str) -> &str {
    link.split_once("#v1.").unwrap().1
}

fn link_for_json(json: &str) -> String {
    let z = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), 6);
    format!("http://x/#v1.{}", URL_SAFE_NO_PAD.encode(z))
}

#[test]
fn round_trip() {
    let t = sample();
    let link = encode_link(&t, "http://localhost:8080/").unwrap();
    assert!(link.starts_with("http://localhost:8080/#v1."), "{link}");
    let payload = payload_of(&link);
    assert!(payload
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(decode_link(&link).unwrap(), t);
    // The fragment alone, with or without '#', and with whitespace from a wrapped mail.
    assert_eq!(decode_link(&format!("#v1.{payload}")).unwrap(), t);
    assert_eq!(decode_link(&format!("v1.{payload}")).unwrap(), t);
    let (a, b) = payload.split_at(payload.len() / 2);
    assert_eq!(
        decode_link(&format!("  http://h/#v1.{a}\n  {b}\n")).unwrap(),
        t
    );
    // An existing fragment of the base is replaced.
    let link2 = encode_link(&t, "https://example.org/play/#old").unwrap();
    assert!(link2.starts_with("https://example.org/play/#v1."));
    assert_eq!(decode_link(&link2).unwrap(), t);
    // Deterministic.
    assert_eq!(encode_link(&t, "http://localhost:8080/").unwrap(), link);
}

#[test]
fn empty_test_round_trips() {
    let t = RuleTest::default();
    assert_eq!(decode_link(&encode_link(&t, "").unwrap()).unwrap(), t);
}

#[test]
fn not_a_link() {
    for s in [
        "",
        "http://localhost:8080/",
        "http://localhost:8080/#",
        "#hello",
        "#v.abc",
        "just text",
    ] {
        assert_eq!(decode_link(s), Err(LinkError::NotALink), "{s:?}");
    }
    assert!(LinkError::NotALink
        .to_string()
        .contains("not a Sigma Playground share link"));
}

#[test]
fn corrupted() {
    let link = encode_link(&sample(), "http://h/").unwrap();
    // A character outside base64url.
    let bad = link.replacen("#v1.", "#v1.!", 1);
    assert!(
        matches!(decode_link(&bad), Err(LinkError::Corrupted(_))),
        "{:?}",
        decode_link(&bad)
    );
    // Flip characters in the middle: the checksum or the deflate stream catches it.
    let payload = payload_of(&link).to_string();
    for pos in [2, payload.len() / 3, payload.len() / 2, payload.len() - 3] {
        let mut chars: Vec<char> = payload.chars().collect();
        chars[pos] = if chars[pos] == 'A' { 'B' } else { 'A' };
        let damaged: String = chars.into_iter().collect();
        let r = decode_link(&format!("http://h/#v1.{damaged}"));
        assert!(
            matches!(r, Err(LinkError::Corrupted(_)) | Err(LinkError::Truncated)),
            "flip at {pos}: {r:?}"
        );
    }
    // Not compressed at all.
    let r = decode_link(&format!(
        "#v1.{}",
        URL_SAFE_NO_PAD.encode(b"{\"format\":1}")
    ));
    assert!(matches!(r, Err(LinkError::Corrupted(_))), "{r:?}");
    let msg = LinkError::Corrupted("x".into()).to_string();
    assert!(msg.contains("damaged"), "{msg}");
}

#[test]
fn truncated() {
    let link = encode_link(&sample(), "http://h/").unwrap();
    // A link cut anywhere in its payload reads as incomplete, not as some other error.
    let payload_len = payload_of(&link).len();
    for cut in 1..payload_len {
        let short = &link[..link.len() - cut];
        assert_eq!(decode_link(short), Err(LinkError::Truncated), "cut {cut}");
    }
    // Cut right after the version, or mid-stream at a base64 boundary: reported as incomplete.
    assert_eq!(decode_link("http://h/#v1."), Err(LinkError::Truncated));
    let payload = payload_of(&link);
    let cut = &payload[..(payload.len() / 2) / 4 * 4];
    assert_eq!(
        decode_link(&format!("#v1.{cut}")),
        Err(LinkError::Truncated)
    );
    assert!(LinkError::Truncated.to_string().contains("incomplete"));
}

#[test]
fn unknown_and_old_versions() {
    let link = encode_link(&sample(), "http://h/").unwrap();
    let newer = link.replacen("#v1.", "#v2.", 1);
    let err = decode_link(&newer).unwrap_err();
    assert_eq!(
        err,
        LinkError::UnknownVersion {
            version: "2".into()
        }
    );
    assert!(err.to_string().contains("newer version"), "{err}");
    // v0 never existed as a released format: refused with a clear message, not misread.
    let old = link.replacen("#v1.", "#v0.", 1);
    let err = decode_link(&old).unwrap_err();
    assert_eq!(
        err,
        LinkError::UnknownVersion {
            version: "0".into()
        }
    );
    assert!(
        err.to_string().contains("unknown share link format v0"),
        "{err}"
    );
    // A v1 link holding a test file of a newer format.
    let err = decode_link(&link_for_json(
        r#"{"format":"sigmaplay-test/7","rule":"x"}"#,
    ))
    .unwrap_err();
    assert!(matches!(
        err,
        LinkError::InvalidContent(TestFileError::UnsupportedVersion { newer: true, .. })
    ));
    assert!(err.to_string().contains("newer version"), "{err}");
}

#[test]
fn invalid_content() {
    for json in [
        r#"{"rule":"x"}"#,
        r#"[1,2]"#,
        r#"{"format":"sigmaplay-test/1","rule":42}"#,
    ] {
        let r = decode_link(&link_for_json(json));
        assert!(
            matches!(r, Err(LinkError::InvalidContent(_))),
            "{json}: {r:?}"
        );
    }
    // Valid zlib of text that is not JSON.
    let r = decode_link(&link_for_json("hello"));
    assert!(matches!(r, Err(LinkError::Corrupted(_))), "{r:?}");
}

#[test]
fn zip_bomb_is_refused() {
    // 17 MiB of spaces compresses to ~17 KB; decoding must stop at the limit, not allocate it all.
    let bomb = vec![b' '; MAX_DECODED_BYTES + 1024 * 1024];
    let z = miniz_oxide::deflate::compress_to_vec_zlib(&bomb, 1);
    assert!(z.len() < 200_000);
    let link = format!("#v1.{}", URL_SAFE_NO_PAD.encode(&z));
    assert_eq!(
        decode_link(&link),
        Err(LinkError::TooBig {
            limit: MAX_DECODED_BYTES
        })
    );
    assert!(LinkError::TooBig {
        limit: MAX_DECODED_BYTES
    }
    .to_string()
    .contains("too big"));
}

#[test]
fn too_long_for_a_link() {
    // Incompressible events: the link would exceed MAX_LINK_LEN.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: String = (0..60_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect();
    let t = RuleTest::new("title: t", format!("{{\"a\": \"{noise}\"}}"));
    match encode_link(&t, "http://h/") {
        Err(LinkError::TooLong { length, limit }) => {
            assert!(length > limit);
            assert_eq!(limit, MAX_LINK_LEN);
        }
        other => panic!("{other:?}"),
    }
    // The fragment alone has no length limit and still decodes.
    let fragment = encode_fragment(&t).unwrap();
    assert_eq!(decode_link(&fragment).unwrap(), t);
}

#[test]
fn links_carry_the_pipeline() {
    for choice in [
        PipelineChoice::Builtin("ecs_windows".into()),
        PipelineChoice::Custom("name: mine\ntransformations: []\n".into()),
    ] {
        let t = RuleTest {
            pipeline: Some(choice),
            ..RuleTest::new("title: x", "{}")
        };
        let link = encode_link(&t, "https://example.org/").unwrap();
        assert_eq!(decode_link(&link).unwrap(), t);
    }
    // A link made before tests carried a pipeline opens with none.
    let old = link_for_json(r#"{"format":"sigmaplay-test/1","rule":"title: x","events":"{}"}"#);
    assert_eq!(decode_link(&old).unwrap().pipeline, None);
    // A link without a pipeline is the same bytes as before the field existed.
    let plain = RuleTest::new("title: x", "{}");
    assert!(!decode_json_of(&encode_link(&plain, "http://x/").unwrap()).contains("pipeline"));
}

fn decode_json_of(link: &str) -> String {
    let z = URL_SAFE_NO_PAD.decode(payload_of(link)).unwrap();
    String::from_utf8(miniz_oxide::inflate::decompress_to_vec_zlib(&z).unwrap()).unwrap()
}
