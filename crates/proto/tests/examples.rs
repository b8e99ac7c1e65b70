//! The contract's conversions on fixed examples: how absence is spelled on the wire, which
//! field and code a refusal names, the one form of each kind of time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument, TransactionType};
use ofitec_domain::{ErrorCode, Period, Rut};
use ofitec_proto::convert::{self, ConvertError, Problem};
use ofitec_proto::sii::v1 as pb;

#[test]
fn refusals_carry_the_code_of_their_field() {
    let rut = convert::rut("company", "76123456-1").unwrap_err();
    assert_eq!(rut.code(), ErrorCode::RutCheckDigit);
    assert_eq!(rut.field, "company");
    let op = convert::required_operation("operation", 0).unwrap_err();
    assert_eq!(op.code(), ErrorCode::OperationInvalid);
    let state = convert::purchase_state("state", 9).unwrap_err();
    assert_eq!(state.code(), ErrorCode::InvalidArgument);
    let tipo = ConvertError::new(
        "tipo_dte",
        Problem::OutOfRange {
            value: -1,
            range: "0 to 65535",
        },
    );
    assert_eq!(tipo.code(), ErrorCode::TipoDteInvalid);
    let nested = tipo.within("references[1]");
    assert_eq!(nested.field, "references[1].tipo_dte");
    assert_eq!(nested.code(), ErrorCode::TipoDteInvalid);
    assert_eq!(
        nested.to_string(),
        "references[1].tipo_dte: -1 is out of range (0 to 65535)"
    );
}

#[test]
fn enums_refuse_unknown_numbers_and_read_unspecified_as_absent() {
    assert_eq!(convert::operation("operation", 0), Ok(None));
    assert_eq!(
        convert::operation("operation", 2),
        Ok(Some(Operation::Venta))
    );
    assert_eq!(
        convert::operation("operations[1]", 7),
        Err(ConvertError::new(
            "operations[1]",
            Problem::UnknownEnum {
                enumeration: "Operation",
                value: 7
            }
        ))
    );
    assert_eq!(
        convert::operation("operation", 99).map_err(|e| e.code()),
        Err(ErrorCode::OperationInvalid)
    );
    assert!(convert::required_operation("operation", 0).is_err());
    assert_eq!(convert::purchase_state("state", 0), Ok(None));
    assert_eq!(
        convert::purchase_state("state", 3),
        Ok(Some(PurchaseState::NoIncluir))
    );
    assert!(convert::purchase_state("state", -1).is_err());
    assert_eq!(convert::transaction_type("t", 0), Ok(None));
    assert_eq!(
        convert::transaction_type("t", 5),
        Ok(Some(TransactionType::IvaUsoComun))
    );
    assert!(convert::transaction_type("t", 8).is_err());
    assert!(convert::transaction_type("t", 300).is_err());
}

#[test]
fn a_document_names_its_bad_field() {
    let wire = pb::RcvDocument {
        company: "76123456-0".into(),
        period: "2024-11".into(),
        operation: pb::Operation::Compra.into(),
        tipo_dte: 61,
        references: vec![
            pb::DocumentReference {
                tipo_dte: 33,
                folio: 1,
            },
            pb::DocumentReference {
                tipo_dte: 70_000,
                folio: 2,
            },
        ],
        ..Default::default()
    };
    let error = RcvDocument::try_from(wire).unwrap_err();
    assert_eq!(error.field, "references[1].tipo_dte");
}

#[test]
fn instants_are_utc_with_milliseconds() {
    let at = DateTime::parse_from_rfc3339("2024-12-02T07:00:00.5-03:00")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(convert::instant(Some(at)), "2024-12-02T10:00:00.500Z");
    assert_eq!(convert::instant(None), "");
    assert_eq!(
        convert::instant_from_pb("at", "2024-12-02T10:00:00.500Z"),
        Ok(Some(at))
    );
    assert_eq!(convert::instant_from_pb("at", " "), Ok(None));
    assert_eq!(
        convert::instant_from_pb("at", "2024-12-02 10:00")
            .unwrap_err()
            .field,
        "at"
    );
}

#[test]
fn local_times_and_dates_keep_their_form() {
    let t = convert::local_time_from_pb("received_at", "2024-11-05T10:11:12")
        .unwrap()
        .unwrap();
    assert_eq!(convert::local_time(Some(t)), "2024-11-05T10:11:12");
    assert!(convert::local_time_from_pb("received_at", "05/11/2024 10:11:12").is_err());
    let d = convert::date_from_pb("issued_on", "2024-11-05").unwrap();
    assert_eq!(convert::date(d), "2024-11-05");
    assert_eq!(
        convert::date_from_pb("issued_on", "2024-13-01")
            .unwrap_err()
            .to_string(),
        "issued_on: `2024-13-01` is not a date YYYY-MM-DD"
    );
}

#[test]
fn absence_has_a_spelling_on_the_wire() {
    let company = Rut::parse("76123456-0").unwrap();
    let period = Period::parse("2024-11").unwrap();
    let mut doc = RcvDocument::new(company, period, Operation::Venta, 39, None, 0);
    doc.document_count = 12;
    let wire = pb::RcvDocument::from(&doc);
    assert_eq!(wire.counterpart_rut, "");
    assert_eq!(wire.state, 0);
    assert_eq!(wire.issued_on, "");
    assert_eq!(wire.tasa_iva, 0.0);
    assert_eq!(RcvDocument::try_from(wire.clone()), Ok(doc.clone()));

    // Zero is absent: a rate of 0 and an unfilled count read back as absent and as one.
    let mut zero = wire;
    zero.tasa_iva = 0.0;
    zero.document_count = 0;
    let read = RcvDocument::try_from(zero).unwrap();
    assert_eq!(read.tasa_iva, None);
    assert_eq!(read.document_count, 1);
    assert_eq!(read.extra, BTreeMap::new());
}

#[test]
fn a_missing_register_is_refused() {
    let wire = pb::RcvDocument {
        company: "76123456-0".into(),
        period: "2024-11".into(),
        operation: 0,
        ..Default::default()
    };
    let error = RcvDocument::try_from(wire).unwrap_err();
    assert_eq!(error.code(), ErrorCode::OperationInvalid);
    assert_eq!(
        error.to_string(),
        "operation: required, but Operation is unspecified"
    );
}

/// What f29-engine reads from sii-gateway (this test lived in f29-engine's converter).
#[test]
fn documents_from_the_gateway() {
    let wire = pb::RcvDocument {
        company: "76123456-0".into(),
        period: "2024-11".into(),
        operation: pb::Operation::Compra as i32,
        tipo_dte: 33,
        counterpart_rut: "12345678-5".into(),
        folio: 170,
        issued_on: "2024-11-05".into(),
        received_at: "2024-11-05T10:00:00".into(),
        state: pb::PurchaseState::Registro as i32,
        transaction_type: 4,
        neto: 100,
        iva: 19,
        activo_fijo_iva: 19,
        references: vec![pb::DocumentReference {
            tipo_dte: 33,
            folio: 1,
        }],
        ..Default::default()
    };
    let doc = RcvDocument::try_from(wire.clone()).expect("doc");
    assert_eq!(doc.state, Some(PurchaseState::Registro));
    assert_eq!(doc.transaction_type, Some(TransactionType::ActivoFijo));
    assert_eq!(doc.document_count, 1);
    assert_eq!(doc.key().to_string(), "33/170/12345678-5");
    assert!(doc.issued_on.is_some() && doc.received_at.is_some());

    let mut summary = wire.clone();
    summary.counterpart_rut = String::new();
    summary.folio = 0;
    summary.document_count = 12;
    assert_eq!(
        RcvDocument::try_from(summary).map(|d| d.document_count),
        Ok(12)
    );

    let mut bad = wire;
    bad.company = "76123456-1".into();
    assert!(RcvDocument::try_from(bad).is_err());
}
