#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Each fault sii-sim injects, met by the real sii-client: the caller gets the right typed
//! error, retries happen only where they help (counted by sii-sim's admin stats), and
//! nothing panics. The client runs with `max_attempts = 3` and millisecond backoff.

mod support;

use std::time::Duration;

use ofitec_domain::rcv::Operation;
use serde_json::json;
use sii_client::auth::{AuthError, SeedFailure, TokenFailure};
use sii_client::client::{ClientConfig, RegisterFetch, SiiError};
use sii_client::rcv::response::RcvError;
use support::{Client, Sim, client, company, fast_config, period, valid_cert};

const ATTEMPTS: u64 = 3;

async fn fetch(c: &Client, operation: Operation) -> Result<RegisterFetch, SiiError> {
    c.rcv
        .fetch_register(company(), period(), operation, |_| {})
        .await
}

/// A client signing with the enrolled test certificate. Its first call gets the token, so
/// `token` counts 1 before any fault-caused re-authentication.
async fn ready(sim: &Sim, config: ClientConfig) -> Client {
    client(sim, Some(valid_cert()), config)
}

// ---------------------------------------------------------------- the RCV facade

#[tokio::test]
async fn a_hanging_facade_is_a_timeout_retried_then_reported() {
    let sim = Sim::start().await;
    let config = ClientConfig {
        timeout: Duration::from_millis(800),
        ..fast_config()
    };
    let c = ready(&sim, config).await;
    sim.fault(json!({"endpoint": "resumen", "kind": "timeout", "ms": 5000}))
        .await;
    let error = fetch(&c, Operation::Venta).await.expect_err("SII hangs");
    assert!(
        matches!(
            error,
            SiiError::Timeout {
                call: "get_resumen",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.code().as_str(), "sii_timeout");
    assert!(error.is_transient());
    let stats = sim.stats().await;
    // A hang is SII's bad day: retried up to the bound, never with a new token.
    assert_eq!(stats.outcome("resumen", "fault_timeout"), ATTEMPTS);
    assert_eq!(stats.total("token"), 1);
}

#[tokio::test]
async fn one_hang_then_an_answer_is_survived() {
    let sim = Sim::start().await;
    let config = ClientConfig {
        timeout: Duration::from_millis(800),
        ..fast_config()
    };
    let c = ready(&sim, config).await;
    sim.fault(json!({"endpoint": "detalle", "kind": "timeout", "ms": 5000, "times": 1}))
        .await;
    // Latency below the deadline only slows things down.
    sim.fault(json!({"endpoint": "resumen", "kind": "latency", "ms": 50}))
        .await;
    let fetch = fetch(&c, Operation::Venta)
        .await
        .expect("second try answers");
    assert!(!fetch.documents.is_empty());
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("detalle", "fault_timeout"), 1);
    assert_eq!(stats.outcome("resumen", "ok"), 1);
}

#[tokio::test]
async fn http_500_and_html_503_are_unavailable_and_retried_without_new_tokens() {
    for kind in ["http_500", "html_503"] {
        let sim = Sim::start().await;
        let c = ready(&sim, fast_config()).await;
        sim.fault(json!({"endpoint": "resumen", "kind": kind}))
            .await;
        let error = fetch(&c, Operation::Venta).await.expect_err("SII down");
        assert_eq!(
            error.code().as_str(),
            "sii_unavailable",
            "{kind}: {error:?}"
        );
        assert!(error.is_transient());
        assert!(
            matches!(
                &error,
                SiiError::Unavailable {
                    call: "get_resumen",
                    ..
                }
            ),
            "{kind}: {error:?}"
        );
        let stats = sim.stats().await;
        assert_eq!(stats.outcome("resumen", &format!("fault_{kind}")), ATTEMPTS);
        // An HTTP error status is an outage, not a dead session: no new token.
        assert_eq!(stats.total("token"), 1, "{kind}");
    }
}

#[tokio::test]
async fn html_with_status_200_gets_one_new_token_then_backoff() {
    let sim = Sim::start().await;
    let c = ready(&sim, fast_config()).await;
    sim.fault(json!({"endpoint": "resumen", "kind": "html_200"}))
        .await;
    let error = fetch(&c, Operation::Venta).await.expect_err("SII down");
    assert!(
        matches!(error, SiiError::Rcv(RcvError::SiiUnavailable(_))),
        "{error:?}"
    );
    assert_eq!(error.code().as_str(), "sii_unavailable");
    let stats = sim.stats().await;
    // An HTML page where JSON was expected may be a dead session
    // (docs/reference/sii.md#token-renewal): one new token and one repetition, then the ordinary
    // bounded retries.
    assert_eq!(stats.outcome("resumen", "fault_html_200"), ATTEMPTS + 1);
    assert_eq!(stats.total("token"), 2);
}

#[tokio::test]
async fn an_invalidated_token_gets_exactly_one_reauth_and_one_retry() {
    let sim = Sim::start().await;
    let c = ready(&sim, fast_config()).await;
    sim.fault(json!({"endpoint": "detalle", "kind": "invalidate_tokens", "times": 1}))
        .await;
    let fetch = fetch(&c, Operation::Venta).await.expect("recovered");
    assert!(!fetch.documents.is_empty());
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("detalle", "cod_respuesta_99_token"), 1);
    assert_eq!(stats.total("seed"), 2);
    assert_eq!(stats.total("token"), 2);
    assert_eq!(
        c.observer
            .refreshes
            .load(std::sync::atomic::Ordering::SeqCst),
        2
    );
}

#[tokio::test]
async fn a_token_refused_twice_is_reported_after_one_reauth() {
    let sim = Sim::start().await;
    let c = ready(&sim, fast_config()).await;
    sim.fault(
        json!({"endpoint": "resumen", "kind": "cod_respuesta", "code": "99",
                     "message": "El token no es valido"}),
    )
    .await;
    let error = fetch(&c, Operation::Compra)
        .await
        .expect_err("token refused");
    assert!(
        matches!(error, SiiError::Rcv(RcvError::TokenInvalid(_))),
        "{error:?}"
    );
    assert_eq!(error.code().as_str(), "sii_token_invalid");
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("resumen", "fault_cod_respuesta_99"), 2);
    assert_eq!(stats.total("token"), 2);
}

#[tokio::test]
async fn cod_respuesta_2_is_not_retried() {
    let sim = Sim::start().await;
    let c = ready(&sim, fast_config()).await;
    sim.fault(
        json!({"endpoint": "resumen", "kind": "cod_respuesta", "code": "2",
                     "message": "Solicitud invalida"}),
    )
    .await;
    let error = fetch(&c, Operation::Venta).await.expect_err("bad request");
    assert!(
        matches!(error, SiiError::Rcv(RcvError::BadRequest(_))),
        "{error:?}"
    );
    assert_eq!(error.code().as_str(), "sii_rcv_bad_request");
    assert!(!error.is_transient());
    assert_eq!(sim.stats().await.total("resumen"), 1);
}

#[tokio::test]
async fn cod_respuesta_99_without_a_token_message_is_no_data() {
    let sim = Sim::start().await;
    let c = ready(&sim, fast_config()).await;
    sim.fault(
        json!({"endpoint": "resumen", "kind": "cod_respuesta", "code": "99",
                     "message": "No existen registros"}),
    )
    .await;
    let fetch = fetch(&c, Operation::Venta)
        .await
        .expect("no data is not an error");
    assert!(fetch.documents.is_empty());
    let stats = sim.stats().await;
    assert_eq!(stats.total("resumen"), 1);
    assert_eq!(stats.total("token"), 1);
}

#[tokio::test]
async fn a_truncated_body_is_retried_once_cut_and_reported_when_always_cut() {
    let sim = Sim::start().await;
    let c = ready(&sim, fast_config()).await;
    sim.fault(json!({"endpoint": "detalle", "kind": "truncated", "keep": 0.5, "times": 1}))
        .await;
    fetch(&c, Operation::Venta)
        .await
        .expect("the second answer is whole");
    assert_eq!(sim.stats().await.outcome("detalle", "fault_truncated"), 1);

    sim.fault(json!({"endpoint": "resumen", "kind": "truncated"}))
        .await;
    let error = fetch(&c, Operation::Venta).await.expect_err("always cut");
    assert!(
        matches!(error, SiiError::Rcv(RcvError::Malformed(_))),
        "{error:?}"
    );
    assert_eq!(error.code().as_str(), "sii_malformed_answer");
    assert!(error.is_transient());
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("resumen", "fault_truncated"), ATTEMPTS);
    assert_eq!(stats.total("token"), 1, "a cut body is not a token problem");
}

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn seed_estado_minus_2_is_retried_with_backoff() {
    let sim = Sim::start().await;
    sim.fault(json!({"endpoint": "seed", "kind": "estado", "code": "-2", "times": 2}))
        .await;
    let c = client(&sim, Some(valid_cert()), fast_config());
    c.tokens.token().await.expect("third seed works");
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("seed", "fault_estado_-2"), 2);
    assert_eq!(stats.outcome("seed", "ok"), 1);
    assert_eq!(stats.total("token"), 1);
}

#[tokio::test]
async fn seed_estado_minus_1_is_retried_once() {
    let sim = Sim::start().await;
    sim.fault(json!({"endpoint": "seed", "kind": "estado", "code": "-1"}))
        .await;
    let c = client(&sim, Some(valid_cert()), fast_config());
    let error = c.tokens.token().await.expect_err("no configuration");
    assert!(
        matches!(
            &error,
            SiiError::Auth(AuthError::Seed {
                failure: SeedFailure::NoConfiguration,
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(error.code().as_str(), "sii_seed_error");
    let stats = sim.stats().await;
    assert_eq!(stats.total("seed"), 2);
    assert_eq!(stats.total("token"), 0);
}

#[tokio::test]
async fn token_estados_retry_only_where_sii_says_it_helps() {
    // (ESTADO, requests to getToken with max_attempts = 3, failure)
    let cases = [
        ("05", 1, TokenFailure::SignatureInvalid),
        ("-07", 1, TokenFailure::RutNotRegistered),
        ("21", 1, TokenFailure::KeyMismatch),
        ("10", 2, TokenFailure::CannotCreateToken),
        ("12", ATTEMPTS, TokenFailure::InternalMessage(12)),
    ];
    for (code, requests, failure) in cases {
        let sim = Sim::start().await;
        sim.fault(json!({"endpoint": "token", "kind": "estado", "code": code}))
            .await;
        let c = client(&sim, Some(valid_cert()), fast_config());
        let error = c.tokens.token().await.expect_err(code);
        match &error {
            SiiError::Auth(AuthError::Token { failure: got, .. }) => {
                assert_eq!(got, &failure, "{code}")
            }
            other => panic!("{code}: {other:?}"),
        }
        assert_eq!(error.code().as_str(), "sii_token_error");
        let stats = sim.stats().await;
        assert_eq!(stats.total("token"), requests, "{code}");
        // Every getToken attempt starts from its own seed.
        assert_eq!(stats.total("seed"), requests, "{code}");
    }
}

#[tokio::test]
async fn soap_faults_html_and_cut_answers_from_auth_are_transient() {
    // (endpoint, fault, code the caller sees)
    let cases = [
        ("seed", json!({"kind": "html_503"}), "sii_unavailable"),
        ("seed", json!({"kind": "html_200"}), "sii_unavailable"),
        ("token", json!({"kind": "http_500"}), "sii_soap_fault"),
        (
            "token",
            json!({"kind": "truncated"}),
            "sii_malformed_answer",
        ),
    ];
    for (endpoint, mut fault, code) in cases {
        let sim = Sim::start().await;
        fault["endpoint"] = json!(endpoint);
        sim.fault(fault.clone()).await;
        let c = client(&sim, Some(valid_cert()), fast_config());
        let error = c.tokens.token().await.expect_err("auth fails");
        assert_eq!(error.code().as_str(), code, "{fault}: {error:?}");
        assert!(error.is_transient(), "{fault}");
        let stats = sim.stats().await;
        assert_eq!(stats.total(endpoint), ATTEMPTS, "{fault}");
    }
}

#[tokio::test]
async fn latency_beyond_the_deadline_is_a_timeout() {
    let sim = Sim::start().await;
    let config = ClientConfig {
        timeout: Duration::from_millis(500),
        max_attempts: 2,
        ..fast_config()
    };
    let c = ready(&sim, config).await;
    sim.fault(json!({"endpoint": "export", "kind": "latency", "ms": 3000}))
        .await;
    sim.fault(json!({"endpoint": "detalle", "kind": "latency", "ms": 3000}))
        .await;
    let error = fetch(&c, Operation::Venta).await.expect_err("too slow");
    assert!(matches!(error, SiiError::Timeout { .. }), "{error:?}");
    assert_eq!(error.code().as_str(), "sii_timeout");
    // The summary answered; the slow call was never mistaken for a token problem. (The
    // slow requests themselves are counted only when sii-sim finishes them.)
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("resumen", "ok"), 1);
    assert_eq!(stats.total("token"), 1);
}

#[tokio::test]
async fn token_no_existe_where_json_was_expected_is_a_token_signal() {
    let sim = Sim::start().await;
    let c = ready(&sim, fast_config()).await;
    sim.fault(json!({"endpoint": "resumen", "kind": "token_no_existe", "times": 1}))
        .await;
    fetch(&c, Operation::Venta)
        .await
        .expect("one new token fixes it");
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("resumen", "fault_token_no_existe"), 1);
    assert_eq!(stats.outcome("resumen", "ok"), 1);
    assert_eq!(stats.total("token"), 2);

    sim.fault(json!({"endpoint": "resumen", "kind": "token_no_existe"}))
        .await;
    let error = fetch(&c, Operation::Venta)
        .await
        .expect_err("never accepted");
    assert!(
        matches!(error, SiiError::Rcv(RcvError::TokenInvalid(_))),
        "{error:?}"
    );
    let stats = sim.stats().await;
    // Exactly one more re-authentication and one repetition.
    assert_eq!(stats.outcome("resumen", "fault_token_no_existe"), 3);
    assert_eq!(stats.total("token"), 3);
}
