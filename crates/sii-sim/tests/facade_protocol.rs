#![allow(clippy::unwrap_used, clippy::expect_used)]
//! sii-sim checks facade requests the way SII does (docs/reference/sii.md#facade-requests), and
//! sii-client's requests pass those checks: exact headers, cookie, namespace = URL method,
//! conversationId = token.

mod support;

use ofitec_domain::rcv::{Operation, PurchaseState};
use serde_json::Value;
use sii_client::auth::Token;
use sii_client::rcv::FacadeMethod;
use sii_client::rcv::request::{ACCEPT, RcvQuery, build};
use support::{Sim, client, company, fast_config, period, valid_cert};

async fn token(sim: &Sim) -> Token {
    let c = client(sim, Some(valid_cert()), fast_config());
    c.tokens.token().await.unwrap().0
}

fn query(tipo_doc: Option<u16>) -> RcvQuery {
    RcvQuery {
        company: company(),
        period: period(),
        operation: Operation::Compra,
        state: Some(PurchaseState::Registro),
        tipo_doc,
    }
}

/// POSTs a request sii-client built, after `change` edits its headers and body.
async fn send(
    sim: &Sim,
    method: FacadeMethod,
    token: &Token,
    tipo_doc: Option<u16>,
    change: impl FnOnce(&mut Vec<(&'static str, String)>, &mut Value),
) -> (u16, String) {
    let request = build(method, token, &query(tipo_doc)).unwrap();
    let mut headers = request.headers.clone();
    let mut body: Value = serde_json::from_str(&request.body).unwrap();
    change(&mut headers, &mut body);
    sim.post(&request.url_path, &headers, body.to_string())
        .await
}

fn cod_respuesta(body: &str) -> i64 {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    value["respEstado"]["codRespuesta"].as_i64().unwrap()
}

#[tokio::test]
async fn client_requests_pass_and_each_deviation_is_refused_like_sii() {
    let sim = Sim::start().await;
    let token = token(&sim).await;

    // As built: accepted.
    let (status, body) = send(&sim, FacadeMethod::GetResumen, &token, None, |_, _| {}).await;
    assert_eq!((status, cod_respuesta(&body)), (200, 0));
    assert!(ACCEPT.contains("*/*"));

    // `Accept: application/json` alone: SII's server answers HTTP 500.
    let (status, _) = send(&sim, FacadeMethod::GetResumen, &token, None, |h, _| {
        h.retain(|(n, _)| *n != "Accept");
        h.push(("Accept", "application/json".into()));
    })
    .await;
    assert_eq!(status, 500);

    // No TOKEN cookie: 401.
    let (status, _) = send(&sim, FacadeMethod::GetResumen, &token, None, |h, _| {
        h.retain(|(n, _)| *n != "Cookie");
    })
    .await;
    assert_eq!(status, 401);

    // conversationId other than the token: codRespuesta 99 "El token no es valido".
    let (status, body) = send(&sim, FacadeMethod::GetResumen, &token, None, |_, b| {
        b["metaData"]["conversationId"] = Value::from("OTHERTOKEN123");
    })
    .await;
    assert_eq!((status, cod_respuesta(&body)), (200, 99));
    assert!(body.contains("El token no es valido"));

    // Namespace naming another method than the URL: codRespuesta 2.
    let (_, body) = send(&sim, FacadeMethod::GetResumen, &token, None, |_, b| {
        b["metaData"]["namespace"] = Value::from(
            "cl.sii.sdi.lob.diii.consdcv.data.api.interfaces.FacadeService/getDetalleCompra",
        );
    })
    .await;
    assert_eq!(cod_respuesta(&body), 2);

    // A detail without document type: codRespuesta 2.
    let (_, body) = send(
        &sim,
        FacadeMethod::GetDetalleCompra,
        &token,
        Some(33),
        |_, b| {
            b["data"]["codTipoDoc"] = Value::Null;
        },
    )
    .await;
    assert_eq!(cod_respuesta(&body), 2);

    // A dead token in both places: codRespuesta 99 with the bad-token message.
    sim.invalidate_tokens().await;
    let (_, body) = send(&sim, FacadeMethod::GetResumen, &token, None, |_, _| {}).await;
    assert_eq!(cod_respuesta(&body), 99);
    assert!(body.contains("El token no es valido"));
}

#[tokio::test]
async fn a_future_period_has_no_register_yet() {
    let sim = Sim::start().await;
    let token = token(&sim).await;
    let future = ofitec_domain::Period::parse("2099-01").unwrap();
    let request = build(
        FacadeMethod::GetResumen,
        &token,
        &RcvQuery {
            period: future,
            ..query(None)
        },
    )
    .unwrap();
    let (_, body) = sim
        .post(&request.url_path, &request.headers, request.body)
        .await;
    assert_eq!(cod_respuesta(&body), 3);
}
