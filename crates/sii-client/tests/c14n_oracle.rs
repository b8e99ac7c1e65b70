//! Our C14N against libxml2's (`xmllint --c14n`, which keeps comments) on a corpus of
//! tricky documents (tests/data/c14n), byte for byte; and the comment-free form on the same
//! corpus against the same oracle run on a copy with comments removed by us and re-checked.
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use sii_client::c14n::{Comments, canonicalize_bytes};

fn corpus() -> Vec<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/c14n");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "corpus shrank: {files:?}");
    files
}

#[test]
fn with_comments_equals_xmllint_byte_for_byte() {
    let mut failures = Vec::new();
    for path in corpus() {
        let path_text = path.to_str().expect("utf-8 path");
        let (ok, expected, stderr) = common::run("xmllint", &["--c14n", path_text]);
        assert!(ok, "xmllint failed on {path_text}: {stderr}");
        let bytes = std::fs::read(&path).expect("read");
        let ours = canonicalize_bytes(&bytes, Comments::With)
            .unwrap_or_else(|e| panic!("{path_text}: {e}"));
        if ours.as_bytes() != expected.as_slice() {
            failures.push(format!(
                "{path_text}\n--- xmllint\n{}\n--- ours\n{ours}",
                String::from_utf8_lossy(&expected)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Without comments: xmllint has no such switch, so the oracle is its output on the same
/// document with the comments' canonical text removed — which is only sound when comments
/// appear inside the root element (outside it, their line breaks go too). The corpus files
/// with comments outside the root are checked by hand in the unit tests.
#[test]
fn without_comments_drops_exactly_the_comments() {
    for path in corpus() {
        let bytes = std::fs::read(&path).expect("read");
        let with = canonicalize_bytes(&bytes, Comments::With).expect("c14n");
        let without = canonicalize_bytes(&bytes, Comments::Without).expect("c14n");
        let mut stripped = String::new();
        let mut rest = with.as_str();
        while let Some(start) = rest.find("<!--") {
            stripped.push_str(&rest[..start]);
            let end = rest[start..]
                .find("-->")
                .map_or(rest.len(), |e| start + e + 3);
            // A comment outside the root carries one line feed of its own.
            let after = &rest[end..];
            rest = if start == 0 {
                after.strip_prefix('\n').unwrap_or(after)
            } else {
                after
            };
            if rest.is_empty() || start > 0 && stripped.ends_with('\n') && rest.starts_with('\n') {
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
        }
        stripped.push_str(rest);
        let stripped = stripped.trim_end_matches('\n');
        assert_eq!(without, stripped, "{}", path.display());
    }
}
