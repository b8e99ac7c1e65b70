//! Golden files for every export format, rendered from docs/reference/f29.md#worked-example.
//! `UPDATE_GOLDEN=1 cargo test -p f29-engine --test exports` rewrites them after a deliberate
//! change; review the diff like code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use f29_engine::domain::export::{Declared, Format, lines, render};
use f29_engine::domain::lifecycle::Status;
use f29_engine::domain::reconcile::{compare_proposal, parse_proposal};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn check(format: Format) -> String {
    let (docs, inputs) = common::worked_example();
    let (computation, mapping) = common::compute_default(&docs, &inputs);
    let codes = lines(&computation.form, &mapping);
    let rendered = render(
        format,
        &Declared {
            company: common::company(),
            period: common::period(),
            status: Status::Ready,
            version: 3,
            lines: &codes,
        },
    );
    let text = String::from_utf8(rendered.content).unwrap();
    let path = golden(&rendered.file_name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        text, expected,
        "{} differs from its golden file",
        rendered.file_name
    );
    text
}

#[test]
fn csv_matches_golden() {
    let text = check(Format::Csv);
    assert!(text.starts_with("codigo;glosa;valor\n"));
    assert!(text.contains("\n538;Total débitos;3800\n"));
    assert!(text.contains("\n115;Tasa PPM;0.2\n"));
}

#[test]
fn json_matches_golden() {
    let text = check(Format::Json);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["period"], "2024-11");
    assert_eq!(value["company"], "76123456-0");
    assert_eq!(value["status"], "ready");
    assert_eq!(value["version"], 3);
    let codigos = value["codigos"].as_array().unwrap();
    let find = |c: u64| codigos.iter().find(|x| x["codigo"] == c).unwrap()["valor"].clone();
    assert_eq!(find(91), 13_790);
    assert_eq!(find(115).as_f64(), Some(0.2));
}

#[test]
fn xml_matches_golden() {
    let text = check(Format::Xml);
    assert!(
        text.contains("<F29 periodo=\"202411\" rut=\"76123456-0\" estado=\"ready\" version=\"3\">")
    );
    assert!(text.contains("<Codigo num=\"77\" glosa=\"Remanente de crédito fiscal para el período siguiente\">43700</Codigo>"));
}

#[test]
fn proposal_matches_golden_and_reads_back_without_differences() {
    let text = check(Format::Proposal);
    let (docs, inputs) = common::worked_example();
    let (computation, mapping) = common::compute_default(&docs, &inputs);
    let ours = lines(&computation.form, &mapping);
    let theirs = parse_proposal(&text).unwrap();
    assert!(compare_proposal(&ours, &theirs, &mapping, &Default::default()).is_empty());
    assert!(text.contains("\"valor\": \"13790\""));
}
