//! Every stable error code is documented in docs/api.md, with the HTTP status edge-api
//! answers it with, and the document names no code that does not exist.

use std::collections::BTreeMap;

use edge_api::error::http_status;
use ofitec_domain::ErrorCode;

/// `code → status` from the rows of docs/api.md's "Error codes" section.
fn documented() -> BTreeMap<String, u16> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let section = text
        .split_once("\n## Error codes\n")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let status = cells.get(1)?.parse().ok()?;
            let code = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((code.to_owned(), status))
        })
        .collect()
}

#[test]
fn every_code_is_documented_with_its_status() {
    let documented = documented();
    assert!(documented.len() > 50, "the table was not found");
    for code in ErrorCode::all() {
        assert_eq!(
            documented.get(code.as_str()).copied(),
            Some(http_status(code).as_u16()),
            "docs/api.md: `{code}` missing or with another status"
        );
    }
    for name in documented.keys() {
        assert!(
            ErrorCode::parse(name).is_some(),
            "docs/api.md documents `{name}`, which is no code"
        );
    }
}
