//! SII authentication through the API: the token status never shows the token (at most 4
//! characters), a manual session replaces the certificate, and the event stream accepts the
//! token as `access_token` for EventSource clients.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use ofitec_domain::identity::Role;
use ofitec_e2e::Platform;
use serde_json::{Value, json};

async fn call(
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn token_status_manual_session_and_stream_authentication() {
    let platform = Platform::start().await;
    let admin = platform.token("root", Role::Admin, &["*"]);
    let viewer = platform.token("ana", Role::Viewer, &["76123456-0"]);

    let (status, body) = call(
        reqwest::Method::GET,
        &platform.api("/sii/token"),
        &viewer,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["environment"], "sim");
    assert_eq!(body["source"], "certificate");
    assert_eq!(
        body["holder_rut"], "12345678-5",
        "the holder of the test certificate"
    );
    assert_eq!(
        body["has_token"], false,
        "no token before the first call to SII"
    );

    // An import makes the gateway sign in; the status then shows 4 characters at most.
    let operator = platform.token("op", Role::Operator, &["76123456-0"]);
    let (status, _) = call(
        reqwest::Method::POST,
        &platform.api("/sii/rcv/import"),
        &operator,
        Some(json!({"company": "76123456-0", "year": 2024, "month": 11, "operations": ["venta"]})),
    )
    .await;
    assert_eq!(status, 202);
    let body = ofitec_testkit::wait_until("a token", Duration::from_secs(30), || async {
        let (_, body) = call(
            reqwest::Method::GET,
            &platform.api("/sii/token"),
            &viewer,
            None,
        )
        .await;
        (body["has_token"] == true).then_some(body)
    })
    .await;
    let prefix = body["token_prefix"].as_str().unwrap();
    assert!(
        !prefix.is_empty() && prefix.chars().count() <= 4,
        "{prefix}"
    );
    assert!(!body["token_expires_at"].as_str().unwrap().is_empty());

    // A manual session is admin-only and then is what the gateway uses.
    let session = json!({"environment": "sim", "token": "MANUALTOKEN123"});
    let (status, body) = call(
        reqwest::Method::POST,
        &platform.api("/sii/session"),
        &viewer,
        Some(session.clone()),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role"))
    );
    let (status, body) = call(
        reqwest::Method::POST,
        &platform.api("/sii/session"),
        &admin,
        Some(session),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source"], "manual");
    assert_eq!(body["token_prefix"], "MANU");
    let (status, body) = call(
        reqwest::Method::POST,
        &platform.api("/sii/session"),
        &admin,
        Some(json!({"environment": "prod", "token": "X1"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("environment_not_configured"))
    );

    // EventSource cannot send headers: the stream takes the token from the query string.
    let response = reqwest::Client::new()
        .get(format!(
            "{}?access_token={viewer}",
            platform.api("/sii/events")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // …but no other route does.
    let response = reqwest::Client::new()
        .get(format!(
            "{}?access_token={viewer}",
            platform.api("/sii/token")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
