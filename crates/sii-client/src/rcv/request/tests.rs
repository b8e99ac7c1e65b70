use super::*;

fn token() -> Token {
    match Token::new("ABCDEFGH1234") {
        Some(t) => t,
        None => panic!("token"),
    }
}

fn query(operation: Operation, state: Option<PurchaseState>, tipo: Option<u16>) -> RcvQuery {
    let (Ok(company), Ok(period)) = (Rut::parse("76123456-0"), Period::parse("202411")) else {
        panic!("fixtures")
    };
    RcvQuery {
        company,
        period,
        operation,
        state,
        tipo_doc: tipo,
    }
}

fn body(request: &FacadeRequest) -> Value {
    serde_json::from_str(&request.body).unwrap_or(Value::Null)
}

const TX: &str = "0b6f6f0e-2c7a-4d8e-9d5f-3a1f0e8c9b7a";

fn tx() -> Uuid {
    Uuid::parse_str(TX).unwrap_or_default()
}

#[test]
fn detalle_compra_exactly_as_the_web_app() {
    let q = query(Operation::Compra, Some(PurchaseState::Reclamado), Some(33));
    let r = build_with_transaction_id(FacadeMethod::GetDetalleCompra, &token(), &q, tx());
    let Ok(r) = r else { panic!("{r:?}") };
    assert_eq!(
        r.url_path,
        "/consdcvinternetui/services/data/facadeService/getDetalleCompra"
    );
    assert_eq!(
        r.headers,
        vec![
            ("Content-Type", "application/json".to_owned()),
            ("Accept", "application/json, text/plain, */*".to_owned()),
            ("Cookie", "TOKEN=ABCDEFGH1234".to_owned()),
        ]
    );
    assert_eq!(
        body(&r),
        json!({
            "metaData": {
                "namespace": "cl.sii.sdi.lob.diii.consdcv.data.api.interfaces.FacadeService/getDetalleCompra",
                "conversationId": "ABCDEFGH1234",
                "transactionId": TX,
                "page": null
            },
            "data": {
                "rutEmisor": "76123456", "dvEmisor": "0", "ptributario": "202411",
                "codTipoDoc": "33", "operacion": "COMPRA", "estadoContab": "RECLAMADO",
                "accionRecaptcha": "RCV_DETC", "tokenRecaptcha": "t-o-k-e-n-web"
            }
        })
    );
    assert_eq!(
        r.url(&Environment::Prod).as_deref(),
        Some("https://www4.sii.cl/consdcvinternetui/services/data/facadeService/getDetalleCompra")
    );
    assert_eq!(r.url(&Environment::Cert), None);
}

#[test]
fn resumen_and_venta_and_export() {
    let q = query(Operation::Compra, None, Some(33));
    let Ok(r) = build_with_transaction_id(FacadeMethod::GetResumen, &token(), &q, tx()) else {
        panic!("resumen")
    };
    let data = &body(&r)["data"];
    assert_eq!(data["busquedaInicial"], json!(true));
    assert_eq!(data["codTipoDoc"], Value::Null);
    assert_eq!(data["estadoContab"], json!("REGISTRO"));
    assert_eq!(data.get("accionRecaptcha"), None);
    assert_eq!(
        body(&r)["metaData"]["namespace"],
        json!("cl.sii.sdi.lob.diii.consdcv.data.api.interfaces.FacadeService/getResumen")
    );

    let q = query(Operation::Venta, Some(PurchaseState::Registro), Some(39));
    let Ok(r) = build_with_transaction_id(FacadeMethod::GetDetalleVenta, &token(), &q, tx()) else {
        panic!("venta")
    };
    let data = &body(&r)["data"];
    assert_eq!(data["accionRecaptcha"], json!("RCV_DETV"));
    assert_eq!(data["estadoContab"], Value::Null);
    assert_eq!(data["operacion"], json!("VENTA"));
    assert_eq!(data["codTipoDoc"], json!("39"));

    let q = query(Operation::Venta, None, None);
    let Ok(r) = build(FacadeMethod::GetDetalleVentaExport, &token(), &q) else {
        panic!("export")
    };
    let b = body(&r);
    assert_eq!(b["data"]["codTipoDoc"], json!("0"));
    assert_eq!(
        r.url_path,
        "/consdcvinternetui/services/data/facadeService/getDetalleVentaExport"
    );
    let id = b["metaData"]["transactionId"].as_str().map(Uuid::parse_str);
    assert_eq!(
        id.and_then(Result::ok).map(|u| u.get_version_num()),
        Some(4)
    );
}

#[test]
fn refuses_what_sii_would_refuse() {
    let q = query(Operation::Compra, None, None);
    assert_eq!(
        build(FacadeMethod::GetDetalleCompra, &token(), &q).err(),
        Some(RequestError::MissingDocumentType(
            FacadeMethod::GetDetalleCompra
        ))
    );
    let q = query(Operation::Venta, None, Some(33));
    assert!(matches!(
        build(FacadeMethod::GetDetalleCompra, &token(), &q),
        Err(RequestError::WrongOperation { .. })
    ));
}

#[test]
fn debug_hides_the_token() {
    let q = query(Operation::Compra, None, Some(33));
    let Ok(r) = build(FacadeMethod::GetDetalleCompra, &token(), &q) else {
        panic!("build")
    };
    let debug = format!("{r:?}");
    assert!(!debug.contains("ABCDEFGH1234"), "{debug}");
    assert!(debug.contains("TOKEN=***"));
}
