//! The RCV's edge cases on files in SII's real layout (edited copies of the real files, see
//! testdata/sii/README.md): references never make a document disappear, half references
//! are warnings, folios beyond SII's range are refused naming line and column.
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sii_file;
use ofitec_domain::rcv::{DocumentReference, OtherReference, RcvDocument};
use ofitec_domain::{Period, Rut};
use sii_client::rcv::csv::{CsvOutcome, parse_reader};

fn parse(file: &str) -> CsvOutcome {
    parse_reader(
        sii_file(&format!("rcv-csv/{file}")).as_slice(),
        Rut::parse("76354771-K").expect("rut"),
        Period::parse("2019-06").expect("period"),
        None,
    )
    .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn by_folio(out: &CsvOutcome, folio: i64) -> &RcvDocument {
    out.documents
        .iter()
        .find(|d| d.folio == folio)
        .unwrap_or_else(|| panic!("folio {folio} is missing: {:?}", out.errors))
}

fn other(tipo: &str, folio: &str) -> Vec<OtherReference> {
    vec![OtherReference {
        tipo: tipo.into(),
        folio: folio.into(),
    }]
}

#[test]
fn every_document_with_a_reference_is_kept() {
    let out = parse("RCV-venta-references.csv");
    assert_eq!(out.errors, vec![], "no row is refused for its reference");
    let folios: Vec<i64> = out.documents.iter().map(|d| d.folio).collect();
    assert_eq!(folios, vec![506, 508, 90, 510, 511, 512, 513]);
    // The documents' amounts are read as usual.
    assert_eq!(by_folio(&out, 506).neto, 1_750_181);

    // An alphanumeric purchase-order folio.
    let doc = by_folio(&out, 506);
    assert_eq!(doc.other_references, other("801", "OC-4500012345AB"));
    assert!(doc.references.is_empty() && doc.warnings.is_empty());

    // No reference at all (type 0, no folio).
    let doc = by_folio(&out, 508);
    assert!(doc.references.is_empty() && doc.other_references.is_empty());
    assert!(doc.warnings.is_empty());

    // A credit note correcting two invoices.
    let doc = by_folio(&out, 90);
    assert_eq!(
        doc.references,
        vec![
            DocumentReference {
                tipo_dte: 33,
                folio: 506
            },
            DocumentReference {
                tipo_dte: 33,
                folio: 508
            }
        ]
    );

    // A type that is not a number, and an 18-digit number beyond the DTE folio range.
    assert_eq!(
        by_folio(&out, 512).other_references,
        other("HES", "1000234567")
    );
    assert_eq!(
        by_folio(&out, 513).other_references,
        other("801", "450000000000000001")
    );
}

#[test]
fn half_references_are_warnings_on_the_document() {
    let out = parse("RCV-venta-references.csv");

    let doc = by_folio(&out, 510);
    assert!(doc.references.is_empty() && doc.other_references.is_empty());
    assert_eq!(doc.warnings.len(), 1, "{:?}", doc.warnings);
    assert_eq!(doc.warnings[0].field, "Folio Docto. Referencia");
    assert!(
        doc.warnings[0]
            .message
            .contains("type `33` without its folio"),
        "{}",
        doc.warnings[0].message
    );

    let doc = by_folio(&out, 511);
    assert_eq!(doc.warnings.len(), 1, "{:?}", doc.warnings);
    assert_eq!(doc.warnings[0].field, "Tipo Docto. Referencia");
    assert!(
        doc.warnings[0]
            .message
            .contains("folio `HES-2019-77` without its document type"),
        "{}",
        doc.warnings[0].message
    );

    let warned: Vec<i64> = out
        .documents
        .iter()
        .filter(|d| !d.warnings.is_empty())
        .map(|d| d.folio)
        .collect();
    assert_eq!(warned, vec![510, 511]);
}

#[test]
fn folios_beyond_sii_range_are_refused_naming_line_and_column() {
    let out = parse("RCV-venta-folio-out-of-range.csv");
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(
        out.errors[0].to_string(),
        "line 3, column `Folio`: `12345678901` is not a folio: SII's folios go from 1 to 9999999999"
    );
    let folios: Vec<i64> = out.documents.iter().map(|d| d.folio).collect();
    assert_eq!(folios, vec![506, 509], "the other rows are kept");

    let out = parse("RCV-compra-registro-folio-out-of-range.csv");
    let located: Vec<(u64, Option<&str>)> = out
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(located, vec![(3, Some("Folio"))], "{:?}", out.errors);
    assert_eq!(out.documents.len(), 1);
    assert_eq!(out.documents[0].folio, 23084);
}

#[test]
fn ten_digit_folios_are_in_range() {
    // The edge of the range: 9999999999 is a folio, 10000000000 is not.
    let text = String::from_utf8(sii_file(
        "rcv-csv/RCV-compra-registro-rz_leading_trailing_whitespace.csv",
    ))
    .expect("utf-8");
    let edge = text.replacen(";23084;", ";9999999999;", 1);
    let beyond = text.replacen(";23084;", ";10000000000;", 1);
    assert_ne!(edge, text);
    let read = |t: &str| {
        parse_reader(
            t.as_bytes(),
            Rut::parse("76354771-K").expect("rut"),
            Period::parse("2019-06").expect("period"),
            None,
        )
        .expect("parses")
    };
    let out = read(&edge);
    assert_eq!(out.errors, vec![]);
    assert_eq!(out.documents[0].folio, 9_999_999_999);
    let out = read(&beyond);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].column.as_deref(), Some("Folio"));
}
