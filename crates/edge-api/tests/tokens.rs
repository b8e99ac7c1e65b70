//! Every way a bearer token can be wrong is rejected with the right code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::PathBuf;

use base64::Engine as _;
use edge_api::auth::jwt::{JwtVerifier, TokenRejection};
use edge_api::config::{AuthConfig, JwtConfig};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ofitec_domain::identity::{CompanyScope, Role};
use ofitec_domain::secret::Secret;
use ofitec_platform::config::Environment;
use serde_json::json;

const DEV_SECRET: &str = "development-secret-of-at-least-32-chars";

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).expect("fixture")
}

fn verifier() -> JwtVerifier {
    let auth = AuthConfig {
        dev_secret: Some(Secret::new(DEV_SECRET)),
        jwt: JwtConfig {
            algorithms: vec!["RS256".to_owned(), "ES256".to_owned()],
            public_key_files: vec![data("rsa-public.pem"), data("ec-public.pem")],
            jwks_file: None,
            issuer: Some("https://sso.ofitec.cl".to_owned()),
            audience: Some("ofitec-api".to_owned()),
            leeway_s: 30,
        },
        ..AuthConfig::default()
    };
    JwtVerifier::from_config(&auth, Environment::Development).expect("verifier")
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims(exp_offset: i64) -> serde_json::Value {
    json!({
        "sub": "ana",
        "roles": ["operator"],
        "companies": ["76123456-0"],
        "iss": "https://sso.ofitec.cl",
        "aud": "ofitec-api",
        "iat": now(),
        "exp": (now() as i64 + exp_offset) as u64,
    })
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, key).expect("sign")
}

fn rsa() -> EncodingKey {
    EncodingKey::from_rsa_pem(&read("rsa-private.pem")).expect("rsa key")
}

fn b64(value: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

fn invalid(result: Result<edge_api::auth::Principal, TokenRejection>) -> bool {
    matches!(result, Err(TokenRejection::Invalid(_)))
}

#[test]
fn a_good_rs256_token_names_the_principal() {
    let principal = verifier()
        .verify(&sign(Algorithm::RS256, &rsa(), &claims(600)))
        .expect("valid token");
    assert_eq!(principal.caller.sub, "ana");
    assert_eq!(principal.caller.role, Role::Operator);
    assert!(matches!(principal.caller.companies, CompanyScope::Only(ref s) if s.len() == 1));
}

#[test]
fn a_good_es256_token_is_accepted() {
    let key = EncodingKey::from_ec_pem(&read("ec-private.pem")).expect("ec key");
    assert!(
        verifier()
            .verify(&sign(Algorithm::ES256, &key, &claims(600)))
            .is_ok()
    );
}

#[test]
fn a_development_token_round_trips() {
    let v = verifier();
    let token = v
        .issue_dev_token("dev", Role::Admin, &["*".to_owned()], 60)
        .expect("issue");
    // Development tokens carry the configured issuer but no audience; this verifier wants
    // an audience, so it must refuse them: audience checks are not optional once configured.
    assert!(invalid(v.verify(&token)));
    let relaxed = JwtVerifier::from_config(
        &AuthConfig {
            dev_secret: Some(Secret::new(DEV_SECRET)),
            ..AuthConfig::default()
        },
        Environment::Development,
    )
    .expect("verifier");
    let token = relaxed
        .issue_dev_token("dev", Role::Admin, &["*".to_owned()], 60)
        .expect("issue");
    let principal = relaxed.verify(&token).expect("valid");
    assert_eq!(principal.caller.companies, CompanyScope::All);
}

#[test]
fn forged_signatures_are_rejected() {
    let other = EncodingKey::from_rsa_pem(&read("rsa-other-private.pem")).expect("key");
    assert!(invalid(verifier().verify(&sign(
        Algorithm::RS256,
        &other,
        &claims(600)
    ))));
    let wrong_secret = EncodingKey::from_secret(b"not-the-development-secret-at-all-no");
    assert!(invalid(verifier().verify(&sign(
        Algorithm::HS256,
        &wrong_secret,
        &claims(600)
    ))));
}

#[test]
fn expired_tokens_say_so_and_leeway_applies() {
    assert_eq!(
        verifier()
            .verify(&sign(Algorithm::RS256, &rsa(), &claims(-120)))
            .err(),
        Some(TokenRejection::Expired)
    );
    assert!(
        verifier()
            .verify(&sign(Algorithm::RS256, &rsa(), &claims(-10)))
            .is_ok(),
        "within 30 s leeway"
    );
}

#[test]
fn not_yet_valid_tokens_are_rejected() {
    let mut c = claims(3600);
    c["nbf"] = json!(now() + 600);
    assert!(invalid(verifier().verify(&sign(
        Algorithm::RS256,
        &rsa(),
        &c
    ))));
}

#[test]
fn wrong_or_missing_issuer_and_audience_are_rejected() {
    let mut c = claims(600);
    c["iss"] = json!("https://evil.example");
    assert!(invalid(verifier().verify(&sign(
        Algorithm::RS256,
        &rsa(),
        &c
    ))));
    let mut c = claims(600);
    c.as_object_mut().map(|o| o.remove("iss"));
    assert!(invalid(verifier().verify(&sign(
        Algorithm::RS256,
        &rsa(),
        &c
    ))));
    let mut c = claims(600);
    c["aud"] = json!("someone-else");
    assert!(invalid(verifier().verify(&sign(
        Algorithm::RS256,
        &rsa(),
        &c
    ))));
}

#[test]
fn alg_none_is_rejected() {
    let header = json!({"alg": "none", "typ": "JWT"});
    for token in [
        format!("{}.{}.", b64(&header), b64(&claims(600))),
        format!("{}.{}", b64(&header), b64(&claims(600))),
        format!(
            "{}.{}.{}",
            b64(&json!({"alg": "NONE"})),
            b64(&claims(600)),
            "sig"
        ),
    ] {
        assert!(invalid(verifier().verify(&token)), "{token}");
    }
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_rejected() {
    // The classic confusion: use the (public) RSA key as an HMAC secret.
    let public = read("rsa-public.pem");
    let forged = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(&public),
        &claims(600),
    );
    assert!(invalid(verifier().verify(&forged)));
    // Without a development secret HS256 is not accepted at all.
    let sso_only = JwtVerifier::from_config(
        &AuthConfig {
            jwt: JwtConfig {
                algorithms: vec!["RS256".to_owned()],
                public_key_files: vec![data("rsa-public.pem")],
                ..JwtConfig::default()
            },
            ..AuthConfig::default()
        },
        Environment::Production,
    )
    .expect("verifier");
    assert!(invalid(sso_only.verify(&forged)));
}

#[test]
fn an_algorithm_not_configured_is_rejected_even_with_a_valid_signature() {
    let only_es = JwtVerifier::from_config(
        &AuthConfig {
            jwt: JwtConfig {
                algorithms: vec!["ES256".to_owned()],
                public_key_files: vec![data("rsa-public.pem"), data("ec-public.pem")],
                ..JwtConfig::default()
            },
            ..AuthConfig::default()
        },
        Environment::Production,
    )
    .expect("verifier");
    let mut c = claims(600);
    c.as_object_mut().map(|o| o.remove("aud"));
    assert!(invalid(only_es.verify(&sign(Algorithm::RS256, &rsa(), &c))));
}

#[test]
fn truncated_and_garbage_tokens_are_rejected() {
    let good = sign(Algorithm::RS256, &rsa(), &claims(600));
    for token in [
        good[..good.len() - 5].to_owned(),
        good[..good.len() / 2].to_owned(),
        good.replacen('.', "", 1),
        String::new(),
        "garbage".to_owned(),
        "a.b.c".to_owned(),
        "....".to_owned(),
        "\u{0}\u{1}".to_owned(),
        format!("{good}x"),
    ] {
        assert!(invalid(verifier().verify(&token)), "{token:?}");
    }
}

#[test]
fn claims_without_a_known_role_or_with_a_bad_rut_are_rejected() {
    let mut c = claims(600);
    c["roles"] = json!(["superuser"]);
    assert!(invalid(verifier().verify(&sign(
        Algorithm::RS256,
        &rsa(),
        &c
    ))));
    let mut c = claims(600);
    c["companies"] = json!(["76123456-1"]);
    assert!(invalid(verifier().verify(&sign(
        Algorithm::RS256,
        &rsa(),
        &c
    ))));
}

#[test]
fn the_development_secret_is_refused_in_production() {
    let err = JwtVerifier::from_config(
        &AuthConfig {
            dev_secret: Some(Secret::new(DEV_SECRET)),
            ..AuthConfig::default()
        },
        Environment::Production,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("refused in production"), "{err}");
}

#[test]
fn keys_without_explicit_algorithms_are_a_configuration_error() {
    let err = JwtVerifier::from_config(
        &AuthConfig {
            jwt: JwtConfig {
                public_key_files: vec![data("rsa-public.pem")],
                ..JwtConfig::default()
            },
            ..AuthConfig::default()
        },
        Environment::Production,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("algorithms"), "{err}");
}
