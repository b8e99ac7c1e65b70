use super::*;
use crate::auth::RetryAdvice;

const ENVELOPE_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#;
const ENVELOPE_TAIL: &str = "</soapenv:Body></soapenv:Envelope>";

fn wrap(inner: &str) -> String {
    format!("{ENVELOPE_HEAD}{inner}{ENVELOPE_TAIL}")
}

#[test]
fn cdata_payload_with_other_prefixes() {
    let body = wrap(
        r#"<x:getSeedResponse xmlns:x="urn:x"><x:getSeedReturn><![CDATA[<?xml version="1.0"?><S:RESPUESTA xmlns:S="http://www.sii.cl/XMLSchema"><S:RESP_BODY><S:SEMILLA>001234567890</S:SEMILLA></S:RESP_BODY><S:RESP_HDR><S:ESTADO>00</S:ESTADO></S:RESP_HDR></S:RESPUESTA>]]></x:getSeedReturn></x:getSeedResponse>"#,
    );
    assert_eq!(
        parse_seed_response(&body).map(|s| s.as_str().to_owned()),
        Ok("001234567890".to_owned())
    );
}

#[test]
fn seed_estados() {
    let seed = |estado: &str| {
        wrap(&format!(
            "<getSeedResponse><getSeedReturn>&lt;SII:RESPUESTA xmlns:SII=\"http://www.sii.cl/XMLSchema\"&gt;&lt;SII:RESP_HDR&gt;&lt;ESTADO&gt;{estado}&lt;/ESTADO&gt;&lt;/SII:RESP_HDR&gt;&lt;/SII:RESPUESTA&gt;</getSeedReturn></getSeedResponse>"
        ))
    };
    let err = parse_seed_response(&seed("-1")).err();
    assert_eq!(
        err,
        Some(AuthError::Seed {
            failure: SeedFailure::NoConfiguration,
            glosa: None
        })
    );
    assert_eq!(err.map(|e| e.advice()), Some(RetryAdvice::RetryOnce));
    let err = parse_seed_response(&seed("-2")).err();
    assert_eq!(
        err.as_ref().map(|e| e.advice()),
        Some(RetryAdvice::RetryWithBackoff)
    );
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("SII getSeed ESTADO -2: internal error (database)")
    );
    // ESTADO 00 but no SEMILLA: malformed.
    assert!(matches!(
        parse_seed_response(&seed("00")),
        Err(AuthError::Malformed(_))
    ));
}

#[test]
fn every_token_estado_has_its_advice() {
    use RetryAdvice::*;
    let table: &[(&str, TokenFailure, RetryAdvice)] = &[
        ("01", TokenFailure::XmlInvalid(1), DoNotRetry),
        ("02", TokenFailure::XmlInvalid(2), DoNotRetry),
        ("03", TokenFailure::XmlInvalid(3), DoNotRetry),
        ("04", TokenFailure::NoSignature, DoNotRetry),
        ("05", TokenFailure::SignatureInvalid, DoNotRetry),
        ("06", TokenFailure::NoSeedElement, DoNotRetry),
        ("07", TokenFailure::InternalMessage(7), RetryOnce),
        ("08", TokenFailure::SeedInvalid, NewSeed),
        ("09", TokenFailure::InternalMessage(9), RetryOnce),
        ("10", TokenFailure::CannotCreateToken, RetryOnce),
        ("11", TokenFailure::NoCertificate, DoNotRetry),
        ("12", TokenFailure::InternalMessage(12), RetryWithBackoff),
        ("21", TokenFailure::KeyMismatch, DoNotRetry),
        ("-3", TokenFailure::AuthenticationRejected, DoNotRetry),
        ("-07", TokenFailure::RutNotRegistered, DoNotRetry),
        ("77", TokenFailure::Unknown("77".into()), DoNotRetry),
    ];
    for (code, failure, advice) in table {
        let body = format!(
            "<SII:RESPUESTA xmlns:SII=\"http://www.sii.cl/XMLSchema\"><SII:RESP_HDR><ESTADO>{code}</ESTADO><GLOSA>g</GLOSA></SII:RESP_HDR></SII:RESPUESTA>"
        );
        let err = parse_token_response(&body).err();
        assert_eq!(
            err,
            Some(AuthError::Token {
                failure: failure.clone(),
                glosa: Some("g".into())
            }),
            "{code}"
        );
        assert_eq!(err.map(|e| e.advice()), Some(*advice), "{code}");
        assert_eq!(&failure.code(), code);
    }
}

#[test]
fn html_instead_of_xml_means_unavailable() {
    let page = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n<html><head><title>503 Service Unavailable</title></head><body>down</body></html>";
    let err = parse_token_response(page).err();
    assert_eq!(
        err,
        Some(AuthError::SiiUnavailable(
            "an HTML page (\"503 Service Unavailable\") instead of XML".into()
        ))
    );
    assert_eq!(err.map(|e| e.advice()), Some(RetryAdvice::RetryWithBackoff));
    assert!(matches!(
        parse_seed_response("  "),
        Err(AuthError::SiiUnavailable(_))
    ));
    // HTML inside the Return element.
    let wrapped = wrap(
        "<getSeedResponse><getSeedReturn>&lt;html&gt;&lt;body&gt;Error&lt;/body&gt;&lt;/html&gt;</getSeedReturn></getSeedResponse>",
    );
    assert!(matches!(
        parse_seed_response(&wrapped),
        Err(AuthError::SiiUnavailable(_))
    ));
}

#[test]
fn soap_faults() {
    let fault = |text: &str| {
        wrap(&format!(
            "<soapenv:Fault><faultcode>soapenv:Server.userException</faultcode><faultstring>{text}</faultstring></soapenv:Fault>"
        ))
    };
    let err = parse_respuesta(&fault("Error de Autenticacion: TOKEN invalido")).err();
    assert_eq!(
        err,
        Some(AuthError::TokenInvalid(
            "Error de Autenticacion: TOKEN invalido".into()
        ))
    );
    assert_eq!(err.map(|e| e.advice()), Some(RetryAdvice::RefreshToken));
    let err = parse_respuesta(&fault("java.lang.NullPointerException")).err();
    assert_eq!(
        err,
        Some(AuthError::SoapFault {
            code: "soapenv:Server.userException".into(),
            message: "java.lang.NullPointerException".into()
        })
    );
}

#[test]
fn truncated_answers_are_malformed_and_retryable() {
    let body = wrap("<getTokenResponse><getTokenReturn>&lt;SII:RESPUESTA");
    let err = parse_token_response(&body[..body.len() - 10]).err();
    assert!(matches!(err, Some(AuthError::Malformed(_))), "{err:?}");
    assert_eq!(err.map(|e| e.advice()), Some(RetryAdvice::RetryWithBackoff));
}

#[test]
fn token_value_never_in_errors() {
    let body = "<RESPUESTA><RESP_HDR><ESTADO>00</ESTADO></RESP_HDR><RESP_BODY><TOKEN>SECRET TOKEN</TOKEN></RESP_BODY></RESPUESTA>";
    let err = parse_token_response(body).err().map(|e| e.to_string());
    assert!(
        err.as_deref().is_some_and(|m| !m.contains("SECRET")),
        "{err:?}"
    );
}

proptest::proptest! {
    #[test]
    fn garbage_never_panics(text in ".{0,300}") {
        let _ = parse_seed_response(&text);
        let _ = parse_token_response(&text);
    }

    #[test]
    fn xmlish_garbage_never_panics(text in r#"[<>/A-Z:="' &;!\[\]?-]{0,160}"#) {
        let _ = parse_respuesta(&text);
        let _ = parse_respuesta(&wrap(&text));
    }
}
