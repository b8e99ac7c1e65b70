use super::*;
use crate::rcv::response::{RcvError, RcvStatus};
use chrono::NaiveDate;
use ofitec_domain::Period;
use ofitec_domain::rcv::{DocumentReference, OtherReference};

fn query(operation: Operation) -> RcvQuery {
    let (Ok(company), Ok(period)) = (Rut::parse("76123456-0"), Period::parse("202411")) else {
        panic!("fixtures")
    };
    RcvQuery {
        company,
        period,
        operation,
        state: Some(PurchaseState::Registro),
        tipo_doc: Some(33),
    }
}

const ROW: &str = r#"{
  "dhdrCodigo": 9876543210, "dcvCodigo": 123, "detCodigo": 456, "detTipoDoc": 33,
  "detRutDoc": 12345678, "detDvDoc": "5", "detRznSoc": " Proveedor Uno SpA ",
  "detNroDoc": 170, "detFchDoc": "01/11/2024", "detFecAcuse": null,
  "detFecReclamado": "08/11/2024 09:10:11", "detFecRecepcion": "02/11/2024 10:20:30",
  "detMntExe": 500, "detMntNeto": "100000", "detMntActFijo": 20000, "detMntIVAActFijo": 3800,
  "detMntIVANoRec": 1900, "detMntCodNoRec": 1, "detMntSinCredito": 77, "detMntIVA": 19000,
  "detMntTotal": 119500, "detTasaImp": 19.0, "detAnulado": null, "detIVARetTotal": 0,
  "detIVARetParcial": null, "detIVANoRetenido": 0, "detIVAPropio": 11, "detIVATerceros": 0,
  "detIVAUsoComun": 950, "detLiqRutEmisor": 0, "detIVAFueraPlazo": 0, "detTipoDocRef": 801,
  "detFolioDocRef": 4510083633, "detTabPuros": 0, "detImpVehiculo": 0, "detTpoImp": 1,
  "detTipoTransaccion": 4, "detEventoReceptor": "R", "dcvEstadoContab": "RECLAMADO",
  "detPcarga": 1, "totalDtoiMontoImp": 3500, "detNuevoMontoRaro": 42, "detExpNumId": null
}"#;

fn envelope(rows: &str, code: i64, message: &str) -> String {
    format!(
        r#"{{"data":[{rows}],"dataCabecera":{{"dcvFecModificacion":"03/12/2024 08:00:01"}},"respEstado":{{"codRespuesta":{code},"msgeRespuesta":{message},"codError":null}}}}"#
    )
}

#[test]
fn every_amount_lands_somewhere() {
    let body = envelope(ROW, 0, "null");
    let parsed = parse_detalle(body.as_bytes(), &query(Operation::Compra));
    let Ok(parsed) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(parsed.status, RcvStatus::Ok);
    assert_eq!(
        parsed.modified_at.map(|t| t.to_string()).as_deref(),
        Some("2024-12-03 08:00:01")
    );
    assert_eq!(parsed.items.errors, vec![]);
    let doc = &parsed.items.documents[0];
    assert_eq!(doc.tipo_dte, 33);
    assert_eq!(
        doc.counterpart.map(|r| r.to_string()).as_deref(),
        Some("12345678-5")
    );
    assert_eq!(doc.counterpart_name, "Proveedor Uno SpA");
    assert_eq!(doc.folio, 170);
    assert_eq!(doc.issued_on, NaiveDate::from_ymd_opt(2024, 11, 1));
    assert_eq!(
        doc.received_at.map(|t| t.to_string()).as_deref(),
        Some("2024-11-02 10:20:30")
    );
    assert_eq!(
        doc.claimed_at.map(|t| t.to_string()).as_deref(),
        Some("2024-11-08 09:10:11")
    );
    assert_eq!(doc.acknowledged_at, None);
    assert_eq!(
        (doc.exento, doc.neto, doc.iva, doc.total),
        (500, 100_000, 19_000, 119_500)
    );
    assert_eq!((doc.activo_fijo_neto, doc.activo_fijo_iva), (20_000, 3_800));
    assert_eq!(
        (doc.iva_no_recuperable, doc.iva_no_recuperable_code),
        (1_900, Some(1))
    );
    assert_eq!((doc.sin_derecho_credito, doc.iva_uso_comun), (77, 950));
    assert_eq!(doc.tasa_iva, Some(19.0));
    assert_eq!(doc.transaction_type, Some(TransactionType::ActivoFijo));
    assert_eq!(doc.receiver_event.as_deref(), Some("R"));
    assert_eq!(doc.state, Some(PurchaseState::Reclamado));
    assert!(!doc.anulado);
    assert_eq!(
        doc.references,
        vec![DocumentReference {
            tipo_dte: 801,
            folio: 4_510_083_633
        }]
    );
    let extra: Vec<(&str, i64)> = doc.extra.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        extra,
        vec![
            ("det_nuevo_monto_raro", 42),
            ("iva_propio", 11),
            ("otros_impuestos_total", 3_500),
        ]
    );
}

#[test]
fn bad_rows_are_reported_and_the_rest_kept() {
    let rows = format!(
        r#"{ROW}, {{"detTipoDoc": 33, "detRutDoc": 12345678, "detDvDoc": "6", "detNroDoc": 1}},
        {{"detTipoDoc": "x"}}, 7, {{"detRutDoc": 1, "detDvDoc": "9", "detTipoDoc": 33}}"#
    );
    let body = envelope(&rows, 0, "null");
    let parsed = parse_detalle(body.as_bytes(), &query(Operation::Compra));
    let Ok(parsed) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(parsed.items.documents.len(), 1);
    let errors: Vec<(u64, Option<&str>)> = parsed
        .items
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        errors,
        vec![
            (2, Some("detDvDoc")),
            (3, Some("detTipoDoc")),
            (4, None),
            (5, Some("detNroDoc"))
        ]
    );
}

#[test]
fn references_never_refuse_a_row() {
    // Alphanumeric folios, a type that is no number, half references: every row is kept.
    let row = |folio: i64, tipo_ref: &str, folio_ref: &str| {
        format!(
            r#"{{"detTipoDoc": 33, "detRutDoc": 12345678, "detDvDoc": "5", "detNroDoc": {folio}, "detTipoDocRef": {tipo_ref}, "detFolioDocRef": {folio_ref}}}"#
        )
    };
    let rows = [
        row(1, "801", r#""OC-4500A""#),
        row(2, r#""HES""#, "1000234567"),
        row(3, "33", "null"),
        row(4, "0", r#""ABC""#),
        row(5, "0", "0"),
        row(6, "70000", "12"),
    ]
    .join(",");
    let body = envelope(&rows, 0, "null");
    let parsed = parse_detalle(body.as_bytes(), &query(Operation::Venta));
    let Ok(parsed) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(parsed.items.errors, vec![]);
    let docs = &parsed.items.documents;
    assert_eq!(docs.len(), 6);
    let other = |tipo: &str, folio: &str| {
        vec![OtherReference {
            tipo: tipo.into(),
            folio: folio.into(),
        }]
    };
    assert_eq!(docs[0].other_references, other("801", "OC-4500A"));
    assert_eq!(docs[1].other_references, other("HES", "1000234567"));
    assert_eq!(docs[5].other_references, other("70000", "12"));
    let warned: Vec<(i64, &str)> = docs
        .iter()
        .flat_map(|d| d.warnings.iter().map(move |w| (d.folio, w.field.as_str())))
        .collect();
    assert_eq!(warned, vec![(3, "detFolioDocRef"), (4, "detTipoDocRef")]);
    assert!(docs[4].references.is_empty() && docs[4].other_references.is_empty());
}

#[test]
fn folios_beyond_sii_range_are_refused() {
    let rows = r#"{"detTipoDoc": 33, "detRutDoc": 12345678, "detDvDoc": "5", "detNroDoc": 10000000000},
        {"detTipoDoc": 33, "detRutDoc": 12345678, "detDvDoc": "5", "detNroDoc": 0},
        {"detTipoDoc": 33, "detRutDoc": 12345678, "detDvDoc": "5", "detNroDoc": 9999999999}"#;
    let body = envelope(rows, 0, "null");
    let parsed = parse_detalle(body.as_bytes(), &query(Operation::Compra));
    let Ok(parsed) = parsed else {
        panic!("{parsed:?}")
    };
    let errors: Vec<String> = parsed
        .items
        .errors
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        vec![
            "line 1, column `detNroDoc`: `10000000000` is not a folio: SII's folios go from 1 to 9999999999",
            "line 2, column `detNroDoc`: `0` is not a folio: SII's folios go from 1 to 9999999999",
        ]
    );
    assert_eq!(parsed.items.documents.len(), 1);
    assert_eq!(parsed.items.documents[0].folio, 9_999_999_999);
}

#[test]
fn codigos_de_respuesta() {
    let q = query(Operation::Venta);
    let empty = envelope("", 3, "\"No existe RCV para el periodo\"");
    let parsed = parse_detalle(empty.as_bytes(), &q).map(|a| (a.status, a.items.documents.len()));
    assert_eq!(parsed, Ok((RcvStatus::EmptyPeriod, 0)));
    let no_data =
        r#"{"data":null,"respEstado":{"codRespuesta":99,"msgeRespuesta":"No hay datos"}}"#;
    assert_eq!(
        parse_detalle(no_data.as_bytes(), &q).map(|a| a.status),
        Ok(RcvStatus::NoData)
    );
    let bad_token = r#"{"data":null,"respEstado":{"codRespuesta":"99","msgeRespuesta":"El token no es valido"}}"#;
    let err = parse_detalle(bad_token.as_bytes(), &q).err();
    assert_eq!(
        err,
        Some(RcvError::TokenInvalid("El token no es valido".into()))
    );
    assert_eq!(
        err.map(|e| e.advice()),
        Some(crate::auth::RetryAdvice::RefreshToken)
    );
    let bad_request =
        r#"{"data":null,"respEstado":{"codRespuesta":2,"msgeRespuesta":"codTipoDoc requerido"}}"#;
    assert_eq!(
        parse_detalle(bad_request.as_bytes(), &q).err(),
        Some(RcvError::BadRequest("codTipoDoc requerido".into()))
    );
    let html = b"<html><head><title>Servicio no disponible</title></head></html>";
    assert!(matches!(
        parse_detalle(html, &q),
        Err(RcvError::SiiUnavailable(_))
    ));
    let truncated = &envelope(ROW, 0, "null")[..200];
    assert!(matches!(
        parse_detalle(truncated.as_bytes(), &q),
        Err(RcvError::Malformed(_))
    ));
}

proptest::proptest! {
    #[test]
    fn garbage_never_panics(text in ".{0,200}") {
        let _ = parse_detalle(text.as_bytes(), &query(Operation::Compra));
        let _ = crate::rcv::response::parse_resumen(text.as_bytes());
        let _ = crate::rcv::response::parse_export(text.as_bytes());
    }

    #[test]
    fn random_rows_never_panic(key in "det[A-Za-z]{2,12}", value in "(null|-?[0-9]{1,22}|\"[ -~]{0,12}\"|true|\\[\\]|\\{\\}|1e400|-1\\.5)") {
        let body = envelope(&format!(r#"{{"detTipoDoc":33,"detRutDoc":1,"detDvDoc":"9","detNroDoc":1,"{key}":{value}}}"#), 0, "null");
        let _ = parse_detalle(body.as_bytes(), &query(Operation::Venta));
    }
}
