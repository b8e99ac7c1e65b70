#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Certificate authentication end to end: sii-client's Authenticator and TokenCache against
//! the real sii-sim over HTTP (docs/reference/sii.md#authentication).

mod support;

use std::sync::atomic::Ordering;

use chrono::{Duration as ChronoDuration, Utc};
use ofitec_domain::Secret;
use rsa::pkcs8::EncodePrivateKey;
use sii_client::auth::{
    AuthError, RetryAdvice, SOAP_HEADERS, TokenFailure, parse_seed_response, parse_token_response,
    seed_envelope, signed_token_request, token_envelope,
};
use sii_client::cert::{CertError, Certificate};
use sii_client::client::{SiiError, TokenSource};
use sii_sim::devcert::{self, DevCertOptions};
use support::{Sim, client, fast_config, load_cert_at, valid_cert};

fn soap_headers() -> Vec<(&'static str, String)> {
    SOAP_HEADERS
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect()
}

/// The ESTADO a getToken refusal carried.
fn token_failure(error: &SiiError) -> TokenFailure {
    match error {
        SiiError::Auth(AuthError::Token { failure, .. }) => failure.clone(),
        other => panic!("expected a getToken ESTADO error, got {other:?}"),
    }
}

#[tokio::test]
async fn dev_certificate_gets_a_token_and_the_token_reads_the_rcv() {
    let sim = Sim::start().await;
    // The dev-cert code path `sii-sim dev-cert` uses, with the committed test key (fresh
    // 2048-bit RSA keys take long in debug builds; the certificate is new either way).
    let key = valid_cert()
        .private_key()
        .to_pkcs8_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    let rut = ofitec_domain::Rut::parse(sii_sim::config::DEV_CERT_RUT).unwrap();
    let mut options = DevCertOptions::for_rut(rut, 30);
    options.key_pkcs8_der = Some(key);
    let dev = devcert::generate(&options).unwrap();
    let p12 = devcert::to_pkcs12(&dev, "dev-pass").unwrap();
    let certificate = Certificate::from_pkcs12(&p12, &Secret::new("dev-pass"), Utc::now())
        .expect("sii-client loads the dev certificate");
    assert_eq!(certificate.holder(), rut);

    let c = client(&sim, Some(certificate), fast_config());
    let (token, source) = c.tokens.token().await.expect("token");
    assert_eq!(source, TokenSource::Certificate);
    // SII's tokens are 12-13 upper-case alphanumerics; the simulator's too.
    assert!((12..=13).contains(&token.expose().len()));
    let stats = sim.stats().await;
    assert_eq!(stats.total("seed"), 1);
    assert_eq!(stats.outcome("token", "ok"), 1);

    // The token is the one the RCV facade accepts.
    let fetch = c
        .rcv
        .fetch_register(
            support::company(),
            support::period(),
            ofitec_domain::rcv::Operation::Venta,
            |_| {},
        )
        .await
        .expect("fetch with the dev certificate's token");
    assert!(!fetch.documents.is_empty());
    assert_eq!(sim.stats().await.total("token"), 1, "the token was cached");
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let sim = Sim::start().await;
    // Latency on the token call keeps the first request in flight while the others arrive.
    sim.fault(serde_json::json!({"endpoint": "token", "kind": "latency", "ms": 300}))
        .await;
    let c = client(&sim, Some(valid_cert()), fast_config());
    let tokens = c.tokens.clone();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move { tokens.token().await })
        })
        .collect();
    let mut seen = Vec::new();
    for handle in handles {
        let (token, _) = handle.await.unwrap().expect("token");
        seen.push(token.expose().to_owned());
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "every caller got the same token");
    let stats = sim.stats().await;
    assert_eq!(stats.total("seed"), 1);
    assert_eq!(stats.total("token"), 1);
    assert_eq!(c.observer.refreshes.load(Ordering::SeqCst), 1);

    let status = c.tokens.status();
    assert_eq!(status.source, Some(TokenSource::Certificate));
    assert!(status.has_token);
    assert_eq!(status.token_prefix.as_deref(), Some(&seen[0][..4]));
    assert_eq!(
        status.holder.map(|r| r.to_string()).as_deref(),
        Some("12345678-5")
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_failed_token_request() {
    let sim = Sim::start().await;
    sim.fault(serde_json::json!({"endpoint": "token", "kind": "latency", "ms": 300}))
        .await;
    // 11111111-1 is not enrolled: ESTADO -3, which no retry fixes.
    let certificate = load_cert_at("valid-utf8.p12", Utc::now());
    let c = client(&sim, Some(certificate), fast_config());
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let tokens = c.tokens.clone();
            tokio::spawn(async move { tokens.token().await })
        })
        .collect();
    for handle in handles {
        let error = handle.await.unwrap().expect_err("not enrolled");
        assert_eq!(token_failure(&error), TokenFailure::AuthenticationRejected);
    }
    // One login for all of them, not one per caller.
    let stats = sim.stats().await;
    assert_eq!(stats.total("token"), 1);
    assert_eq!(stats.total("seed"), 1);

    // A caller arriving later asks SII again (the failure is not cached for good).
    c.tokens.token().await.expect_err("still not enrolled");
    assert_eq!(sim.stats().await.total("token"), 2);
}

#[tokio::test]
async fn a_seed_is_single_use_and_expires() {
    let sim = Sim::start().await;
    let env = sim.environment();
    let certificate = valid_cert();
    let seed_path = "/DTEWS/CrSeed.jws";
    let token_path = "/DTEWS/GetTokenFromSeed.jws";

    let (_, body) = sim
        .post(seed_path, &soap_headers(), seed_envelope(&env))
        .await;
    let seed = parse_seed_response(&body).expect("seed");
    // Twelve digits, leading zeros kept (docs/reference/sii.md#seed).
    assert_eq!(seed.as_str().len(), 12);
    let signed = signed_token_request(&seed, &certificate).unwrap();
    let envelope = token_envelope(&env, &signed);

    let (_, first) = sim
        .post(token_path, &soap_headers(), envelope.clone())
        .await;
    assert!(parse_token_response(&first).is_ok(), "{first}");
    let (_, again) = sim.post(token_path, &soap_headers(), envelope).await;
    let error = parse_token_response(&again).expect_err("a used seed is refused");
    assert!(
        matches!(
            &error,
            AuthError::Token {
                failure: TokenFailure::SeedInvalid,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.code().as_str(), "sii_token_error");
    assert_eq!(error.advice(), RetryAdvice::NewSeed);

    // A seed older than two minutes (the simulator's clock moves, not the test's).
    let (_, body) = sim
        .post(seed_path, &soap_headers(), seed_envelope(&env))
        .await;
    let seed = parse_seed_response(&body).expect("seed");
    sim.advance_clock(121).await;
    let signed = signed_token_request(&seed, &certificate).unwrap();
    let (_, late) = sim
        .post(token_path, &soap_headers(), token_envelope(&env, &signed))
        .await;
    let error = parse_token_response(&late).expect_err("an expired seed is refused");
    assert!(
        matches!(
            &error,
            AuthError::Token {
                failure: TokenFailure::SeedInvalid,
                ..
            }
        ),
        "{error:?}"
    );
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("token", "estado_08"), 2);
    assert_eq!(stats.outcome("token", "ok"), 1);
}

#[tokio::test]
async fn estado_08_makes_the_client_start_again_from_a_new_seed() {
    let sim = Sim::start().await;
    sim.fault(serde_json::json!({"endpoint": "token", "kind": "estado", "code": "08", "times": 1}))
        .await;
    let c = client(&sim, Some(valid_cert()), fast_config());
    c.tokens.token().await.expect("second attempt succeeds");
    let stats = sim.stats().await;
    // A getToken retry always needs a new seed: seeds are single use.
    assert_eq!(stats.total("seed"), 2);
    assert_eq!(stats.outcome("token", "fault_estado_08"), 1);
    assert_eq!(stats.outcome("token", "ok"), 1);
}

#[tokio::test]
async fn an_unenrolled_rut_is_refused_without_retrying() {
    let sim = Sim::start().await;
    // valid-utf8.p12 holds 11111111-1, which the test configuration does not enrol.
    let certificate = load_cert_at("valid-utf8.p12", Utc::now());
    let c = client(&sim, Some(certificate), fast_config());
    let error = c.tokens.token().await.expect_err("not enrolled");
    assert_eq!(token_failure(&error), TokenFailure::AuthenticationRejected);
    assert_eq!(error.code().as_str(), "sii_token_error");
    assert!(!error.is_transient());
    let stats = sim.stats().await;
    assert_eq!(stats.total("seed"), 1);
    assert_eq!(stats.outcome("token", "estado_-3"), 1);
    assert_eq!(stats.total("token"), 1, "ESTADO -3 is not retried");
    let status = c.tokens.status();
    assert!(!status.has_token);
    assert!(status.problem.is_some_and(|p| p.contains("-3")));
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let sim = Sim::start().await;
    // sii-client itself refuses to load an expired certificate…
    let loaded = Certificate::from_pkcs12_file(
        support::cert_dir().join("expired.p12"),
        &support::cert_password(),
        Utc::now(),
    );
    assert!(
        matches!(loaded, Err(CertError::Expired { .. })),
        "{loaded:?}"
    );

    // …and one that expires while in use is refused by SII: ESTADO -3, not retried.
    let rut = ofitec_domain::Rut::parse("12345678-5").unwrap();
    let mut options = DevCertOptions::for_rut(rut, 2);
    options.key_pkcs8_der = Some(
        valid_cert()
            .private_key()
            .to_pkcs8_der()
            .unwrap()
            .as_bytes()
            .to_vec(),
    );
    let dev = devcert::generate(&options).unwrap();
    let p12 = devcert::to_pkcs12(&dev, "x").unwrap();
    let certificate = Certificate::from_pkcs12(&p12, &Secret::new("x"), Utc::now()).unwrap();
    sim.advance_clock(ChronoDuration::days(5).num_seconds())
        .await;
    let c = client(&sim, Some(certificate), fast_config());
    let error = c.tokens.token().await.expect_err("expired at SII's clock");
    assert_eq!(token_failure(&error), TokenFailure::AuthenticationRejected);
    assert!(error.to_string().contains("Vencido"), "{error}");
    assert!(!error.is_transient());
    assert_eq!(sim.stats().await.total("token"), 1);
}

#[tokio::test]
async fn a_manual_session_is_used_instead_of_the_certificate() {
    let sim = Sim::start().await;
    // A token obtained elsewhere (here: by another client), pasted as a browser session.
    let browser = client(&sim, Some(valid_cert()), fast_config());
    let (pasted, _) = browser.tokens.token().await.unwrap();
    let before = sim.stats().await;

    // This client has a certificate too: the manual session wins while it is valid.
    let c = client(&sim, Some(valid_cert()), fast_config());
    c.tokens.set_manual(
        pasted.clone(),
        Some(Utc::now() + ChronoDuration::minutes(10)),
    );
    let (token, source) = c.tokens.token().await.unwrap();
    assert_eq!(source, TokenSource::Manual);
    assert_eq!(token, pasted);
    let fetch = c
        .rcv
        .fetch_register(
            support::company(),
            support::period(),
            ofitec_domain::rcv::Operation::Compra,
            |_| {},
        )
        .await
        .expect("fetch with the manual session");
    assert!(!fetch.documents.is_empty());
    let after = sim.stats().await;
    assert_eq!(
        after.total("seed"),
        before.total("seed"),
        "no certificate login"
    );
    assert_eq!(after.total("token"), before.total("token"));
    assert_eq!(c.tokens.status().source, Some(TokenSource::Manual));

    // Without any certificate, only the manual session works.
    let manual_only = client(&sim, None, fast_config());
    let error = manual_only
        .tokens
        .token()
        .await
        .expect_err("no credentials");
    assert_eq!(error.code().as_str(), "sii_no_credentials");
    manual_only
        .tokens
        .set_manual(pasted, Some(Utc::now() + ChronoDuration::minutes(10)));
    let (_, source) = manual_only.tokens.token().await.unwrap();
    assert_eq!(source, TokenSource::Manual);

    // SII kills the session: the caller learns the token was refused (not merely "no
    // credentials"), the session is dropped, and nothing logs in by password.
    sim.invalidate_tokens().await;
    let before = sim.stats().await;
    let error = manual_only
        .rcv
        .fetch_register(
            support::company(),
            support::period(),
            ofitec_domain::rcv::Operation::Venta,
            |_| {},
        )
        .await
        .expect_err("session dead");
    assert_eq!(error.code().as_str(), "sii_token_invalid", "{error:?}");
    assert!(!manual_only.tokens.status().has_token);
    let after = sim.stats().await;
    assert_eq!(after.total("resumen") - before.total("resumen"), 1);
    assert_eq!(after.total("seed"), before.total("seed"));
}
