//! Every file in testdata/sii/auth, parsed as the HTTP client will meet it.
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sii_file;
use sii_client::auth::{
    self, AuthError, RetryAdvice, TokenFailure, parse_respuesta, parse_seed_response,
    parse_token_response,
};
use sii_client::environment::Environment;

fn text(relative: &str) -> String {
    String::from_utf8(sii_file(relative)).expect("UTF-8")
}

#[test]
fn manual_seed_response() {
    let seed = parse_seed_response(&text("auth/getSeed_response.manual.xml")).expect("seed");
    assert_eq!(seed.as_str(), "000000000078", "leading zeros kept");
}

#[test]
fn real_seed_response_unprefixed_and_body_first() {
    let seed = parse_seed_response(&text("auth/getSeed_response.real.xml")).expect("seed");
    assert_eq!(seed.as_str(), "168441616904");
}

#[test]
fn manual_token_response() {
    let token = parse_token_response(&text("auth/getToken_response.manual.xml")).expect("token");
    assert_eq!(token.expose(), "XAuSbYXiNh9Ik");
    let respuesta = parse_respuesta(&text("auth/getToken_response.manual.xml")).expect("ok");
    assert_eq!(respuesta.estado, "00");
    assert_eq!(respuesta.glosa.as_deref(), Some("Token Creado"));
}

#[test]
fn real_estado_10() {
    let err = parse_token_response(&text("auth/getToken_estado10.real.xml")).err();
    assert_eq!(
        err,
        Some(AuthError::Token {
            failure: TokenFailure::CannotCreateToken,
            glosa: Some("Error Interno".into())
        })
    );
    assert_eq!(err.map(|e| e.advice()), Some(RetryAdvice::RetryOnce));
}

#[test]
fn real_token_no_existe_with_crlf() {
    let body = text("auth/token_no_existe.real.xml");
    assert!(
        body.contains("\r\n"),
        "the capture keeps its CRLF line ends"
    );
    let err = parse_respuesta(&body).err();
    assert_eq!(
        err,
        Some(AuthError::TokenInvalid("ESTADO 001 TOKEN NO EXISTE".into()))
    );
    assert_eq!(err.map(|e| e.advice()), Some(RetryAdvice::RefreshToken));
    // Also when it is the answer to a token call.
    assert!(matches!(
        parse_token_response(&body),
        Err(AuthError::TokenInvalid(_))
    ));
}

/// Our envelopes have the manual's shape: same elements, namespaces and host.
#[test]
fn requests_match_the_manual() {
    let ours = auth::seed_envelope(&Environment::Prod);
    let manual = text("auth/getSeed_request.manual.xml");
    let squeeze = |s: &str| -> String {
        let doc = roxmltree::Document::parse(s).expect("xml");
        doc.descendants()
            .filter(|n| n.is_element())
            .map(|n| {
                let attrs: Vec<String> = n
                    .attributes()
                    .map(|a| format!("{}{}={}", a.namespace().unwrap_or(""), a.name(), a.value()))
                    .collect();
                let ns: Vec<String> = n.namespaces().map(|ns| ns.uri().to_owned()).collect();
                format!("{:?} {attrs:?} {ns:?}", n.tag_name())
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(squeeze(&ours), squeeze(&manual));

    let ours = auth::token_envelope(&Environment::Prod, "String");
    assert_eq!(
        squeeze(&ours),
        squeeze(&text("auth/getToken_request.manual.xml"))
    );
    assert!(ours.contains("<pszXml xsi:type=\"xsd:string\">String</pszXml>"));
    assert!(
        auth::seed_envelope(&Environment::Cert).contains("https://maullin.sii.cl/DTEWS/CrSeed.jws")
    );
}
