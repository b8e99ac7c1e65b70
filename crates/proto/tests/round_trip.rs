//! The contract's conversions over generated values: domain → wire → domain is the identity
//! for every valid value, and malformed wire values give a typed error naming the field,
//! never a panic.

#![allow(clippy::unwrap_used)] // generators build only valid values; a test fails by panicking

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use ofitec_domain::rcv::{
    DocumentReference, DocumentWarning, Operation, OtherReference, OtherTax, PurchaseState,
    RcvDocument, TransactionType,
};
use ofitec_domain::{ErrorCode, Period, Rut};
use ofitec_proto::convert::{self, Problem};
use ofitec_proto::sii::v1 as pb;
use proptest::prelude::*;

fn rut() -> impl Strategy<Value = Rut> {
    (1u32..=99_999_999).prop_map(|body| Rut::from_body(body).unwrap())
}

fn period() -> impl Strategy<Value = Period> {
    (2000u32..=2100, 1u32..=12).prop_map(|(y, m)| Period::new(y, m).unwrap())
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![Just(Operation::Compra), Just(Operation::Venta)]
}

fn state() -> impl Strategy<Value = PurchaseState> {
    proptest::sample::select(PurchaseState::ALL.to_vec())
}

fn transaction_type() -> impl Strategy<Value = TransactionType> {
    (1u8..=7).prop_map(|code| TransactionType::from_code(code).unwrap())
}

/// Days from 1990-01-01 to about 2100.
fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..40_000)
        .prop_map(|days| NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + TimeDelta::days(days))
}

/// SII's local times have whole seconds.
fn local_time() -> impl Strategy<Value = NaiveDateTime> {
    (date(), 0i64..86_400)
        .prop_map(|(d, s)| d.and_hms_opt(0, 0, 0).unwrap() + TimeDelta::seconds(s))
}

/// A finite, non-zero rate (0 spells "absent" on the wire).
fn rate() -> impl Strategy<Value = f64> {
    proptest::num::f64::NORMAL
}

fn other_tax() -> impl Strategy<Value = OtherTax> {
    (
        0u32..=i32::MAX as u32,
        any::<i64>(),
        proptest::option::of(proptest::num::f64::NORMAL | proptest::num::f64::ZERO),
    )
        .prop_map(|(codigo, valor, tasa)| OtherTax {
            codigo,
            valor,
            tasa,
        })
}

fn reference() -> impl Strategy<Value = DocumentReference> {
    (any::<u16>(), any::<i64>()).prop_map(|(tipo_dte, folio)| DocumentReference { tipo_dte, folio })
}

prop_compose! {
    fn identity()(
        company in rut(),
        period in period(),
        operation in operation(),
        tipo_dte in any::<u16>(),
        counterpart in proptest::option::of(rut()),
        folio in any::<i64>(),
        counterpart_name in "\\PC{0,40}",
        state in proptest::option::of(state()),
        transaction_type in proptest::option::of(transaction_type()),
    ) -> RcvDocument {
        let mut doc = RcvDocument::new(company, period, operation, tipo_dte, counterpart, folio);
        doc.counterpart_name = counterpart_name;
        doc.state = state;
        doc.transaction_type = transaction_type;
        doc
    }
}

prop_compose! {
    fn dated()(
        doc in identity(),
        issued_on in proptest::option::of(date()),
        received_at in proptest::option::of(local_time()),
        acknowledged_at in proptest::option::of(local_time()),
        claimed_at in proptest::option::of(local_time()),
        receiver_event in proptest::option::of("[ACPR]|[A-Z]{2,4}"),
        anulado in any::<bool>(),
        tasa_iva in proptest::option::of(rate()),
        document_count in 1u32..,
        iva_no_recuperable_code in proptest::option::of(1u8..),
    ) -> RcvDocument {
        let mut doc = doc;
        doc.issued_on = issued_on;
        doc.received_at = received_at;
        doc.acknowledged_at = acknowledged_at;
        doc.claimed_at = claimed_at;
        doc.receiver_event = receiver_event;
        doc.anulado = anulado;
        doc.tasa_iva = tasa_iva;
        doc.document_count = document_count;
        doc.iva_no_recuperable_code = iva_no_recuperable_code;
        doc
    }
}

prop_compose! {
    /// A valid document: every amount within i64, optional fields present and absent.
    fn document()(
        doc in dated(),
        amounts in proptest::array::uniform12(any::<i64>()),
        iva_no_retenido in any::<i64>(),
        other_taxes in proptest::collection::vec(other_tax(), 0..4),
        references in proptest::collection::vec(reference(), 0..4),
        extra in proptest::collection::btree_map("[a-z_]{1,24}", any::<i64>(), 0..5),
        other_references in proptest::collection::vec(("\\PC{0,8}", "\\PC{0,18}"), 0..3),
        warnings in proptest::collection::vec(("\\PC{0,20}", "\\PC{0,60}"), 0..3),
    ) -> RcvDocument {
        let mut doc = doc;
        let [exento, neto, iva, iva_no_recuperable, total, activo_fijo_neto, activo_fijo_iva,
            iva_uso_comun, sin_derecho_credito, iva_retenido_total, iva_retenido_parcial, _] =
            amounts;
        doc.exento = exento;
        doc.neto = neto;
        doc.iva = iva;
        doc.iva_no_recuperable = iva_no_recuperable;
        doc.total = total;
        doc.activo_fijo_neto = activo_fijo_neto;
        doc.activo_fijo_iva = activo_fijo_iva;
        doc.iva_uso_comun = iva_uso_comun;
        doc.sin_derecho_credito = sin_derecho_credito;
        doc.iva_retenido_total = iva_retenido_total;
        doc.iva_retenido_parcial = iva_retenido_parcial;
        doc.iva_no_retenido = iva_no_retenido;
        doc.other_taxes = other_taxes;
        doc.references = references;
        doc.extra = extra;
        doc.other_references = other_references
            .into_iter()
            .map(|(tipo, folio)| OtherReference { tipo, folio })
            .collect();
        doc.warnings = warnings
            .into_iter()
            .map(|(field, message)| DocumentWarning { field, message })
            .collect();
        doc
    }
}

/// Any wire document at all: texts, numbers and enum values unconstrained.
fn any_wire_document() -> impl Strategy<Value = pb::RcvDocument> {
    (
        (
            "\\PC{0,14}",
            "\\PC{0,8}",
            any::<i32>(),
            any::<i32>(),
            "\\PC{0,14}",
        ),
        (
            "\\PC{0,20}",
            "\\PC{0,20}",
            any::<i32>(),
            any::<i32>(),
            any::<i32>(),
        ),
        (
            proptest::collection::vec(
                (
                    any::<i32>(),
                    any::<i64>(),
                    proptest::option::of(any::<f64>()),
                ),
                0..3,
            ),
            proptest::collection::vec((any::<i32>(), any::<i64>()), 0..3),
            any::<u32>(),
            any::<f64>(),
        ),
    )
        .prop_map(
            |(
                (company, period, operation, tipo_dte, counterpart_rut),
                (issued_on, received_at, state, transaction_type, iva_no_recuperable_code),
                (taxes, references, document_count, tasa_iva),
            )| pb::RcvDocument {
                company,
                period,
                operation,
                tipo_dte,
                counterpart_rut,
                issued_on,
                received_at,
                state,
                transaction_type,
                iva_no_recuperable_code,
                other_taxes: taxes
                    .into_iter()
                    .map(|(codigo, valor, tasa)| pb::OtherTax {
                        codigo,
                        valor,
                        tasa,
                    })
                    .collect(),
                references: references
                    .into_iter()
                    .map(|(tipo_dte, folio)| pb::DocumentReference { tipo_dte, folio })
                    .collect(),
                document_count,
                tasa_iva,
                ..Default::default()
            },
        )
}

/// A valid wire document to break one field of.
fn valid_wire() -> impl Strategy<Value = pb::RcvDocument> {
    document().prop_map(|doc| pb::RcvDocument::from(&doc))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn documents_round_trip(doc in document()) {
        let wire = pb::RcvDocument::from(&doc);
        prop_assert_eq!(RcvDocument::try_from(wire), Ok(doc));
    }

    #[test]
    fn documents_survive_the_encoded_message(doc in document()) {
        use prost::Message as _;
        let bytes = pb::RcvDocument::from(&doc).encode_to_vec();
        let decoded = pb::RcvDocument::decode(bytes.as_slice()).unwrap();
        prop_assert_eq!(RcvDocument::try_from(decoded), Ok(doc));
    }

    #[test]
    fn ruts_and_periods_round_trip(r in rut(), p in period()) {
        prop_assert_eq!(convert::rut("company", &r.to_string()), Ok(r));
        prop_assert_eq!(convert::optional_rut("counterpart_rut", &r.to_string()), Ok(Some(r)));
        prop_assert_eq!(convert::period("period", &p.to_string()), Ok(p));
    }

    #[test]
    fn enums_round_trip(op in operation(), s in proptest::option::of(state()), t in proptest::option::of(transaction_type())) {
        prop_assert_eq!(convert::operation("operation", pb::Operation::from(op).into()), Ok(Some(op)));
        prop_assert_eq!(convert::required_operation("operation", pb::Operation::from(op).into()), Ok(op));
        prop_assert_eq!(Operation::try_from(pb::Operation::from(op)), Ok(op));
        prop_assert_eq!(convert::purchase_state("state", pb::PurchaseState::from(s).into()), Ok(s));
        if let Some(s) = s {
            prop_assert_eq!(PurchaseState::try_from(pb::PurchaseState::from(s)), Ok(s));
        }
        let code = t.map_or(0, |t| i32::from(t.code()));
        prop_assert_eq!(convert::transaction_type("transaction_type", code), Ok(t));
    }

    #[test]
    fn times_round_trip(millis in 0i64..4_102_444_800_000, local in proptest::option::of(local_time()), on in proptest::option::of(date())) {
        let at = DateTime::<Utc>::from_timestamp_millis(millis).unwrap();
        prop_assert_eq!(convert::instant_from_pb("at", &convert::instant(Some(at))), Ok(Some(at)));
        prop_assert_eq!(convert::local_time_from_pb("received_at", &convert::local_time(local)), Ok(local));
        prop_assert_eq!(convert::date_from_pb("issued_on", &convert::date(on)), Ok(on));
    }

    #[test]
    fn any_wire_document_converts_or_names_its_field(wire in any_wire_document()) {
        // Never a panic; what converts converts back to the same domain value.
        match RcvDocument::try_from(wire) {
            Ok(doc) => {
                let again = RcvDocument::try_from(pb::RcvDocument::from(&doc));
                prop_assert_eq!(again.map(|d| d.key()), Ok(doc.key()));
            }
            Err(e) => prop_assert!(!e.field.is_empty()),
        }
    }

    #[test]
    fn bad_rut_text_is_a_rut_error(wire in valid_wire(), text in "\\PC{0,14}", counterpart in any::<bool>()) {
        prop_assume!(Rut::parse(&text).is_err() && !(counterpart && text.trim().is_empty()));
        let mut wire = wire;
        let field = if counterpart { "counterpart_rut" } else { "company" };
        if counterpart { wire.counterpart_rut = text; } else { wire.company = text; }
        let error = RcvDocument::try_from(wire).unwrap_err();
        prop_assert!(matches!(error.problem, Problem::Rut(_)), "{error:?}");
        prop_assert_eq!(error.field.as_str(), field);
    }

    #[test]
    fn a_wrong_check_digit_says_so(wire in valid_wire(), company in rut()) {
        let text = company.to_string();
        let wrong = if text.ends_with('0') { '1' } else { '0' };
        let mut wire = wire;
        wire.company = format!("{}{wrong}", &text[..text.len() - 1]);
        let error = RcvDocument::try_from(wire).unwrap_err();
        prop_assert_eq!(error.code(), ErrorCode::RutCheckDigit);
    }

    #[test]
    fn bad_period_text_is_a_period_error(wire in valid_wire(), text in "\\PC{0,10}|[0-9]{4}-[0-9]{2}") {
        prop_assume!(Period::parse(&text).is_err());
        let mut wire = wire;
        wire.period = text;
        let error = RcvDocument::try_from(wire).unwrap_err();
        prop_assert!(matches!(error.problem, Problem::Period(_)), "{error:?}");
        prop_assert_eq!(error.code(), ErrorCode::PeriodInvalid);
    }

    #[test]
    fn unknown_enum_numbers_are_refused(wire in valid_wire(), value in any::<i32>(), which in 0usize..3) {
        let (field, defined) = [("operation", 0..=2), ("state", 0..=4), ("transaction_type", 0..=7)][which].clone();
        prop_assume!(!defined.contains(&value));
        let mut wire = wire;
        match which {
            0 => wire.operation = value,
            1 => wire.state = value,
            _ => wire.transaction_type = value,
        }
        let error = RcvDocument::try_from(wire).unwrap_err();
        prop_assert!(matches!(error.problem, Problem::UnknownEnum { value: v, .. } if v == value), "{error:?}");
        prop_assert_eq!(error.field.as_str(), field);
    }

    #[test]
    fn out_of_range_numbers_are_refused(wire in valid_wire(), tipo in prop_oneof![i32::MIN..0, 65_536..=i32::MAX]) {
        let mut wire = wire;
        wire.tipo_dte = tipo;
        let error = RcvDocument::try_from(wire).unwrap_err();
        prop_assert_eq!(error.code(), ErrorCode::TipoDteInvalid);
    }
}
