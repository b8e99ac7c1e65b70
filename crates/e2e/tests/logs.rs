//! Tokens never reach the logs, whichever way they are sent.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use ofitec_domain::identity::Role;
use ofitec_testkit::process::ServiceProcess;

#[tokio::test]
async fn logs_contain_no_token_even_at_debug_level() {
    let edge = ServiceProcess::spawn(
        "edge-api",
        &[],
        &[
            ("OFITEC__HTTP__LISTEN", "127.0.0.1:0".to_owned()),
            (
                "OFITEC__AUTH__DEV_SECRET",
                edge_api::config::TEST_SECRET.to_owned(),
            ),
            ("RUST_LOG", "debug".to_owned()),
        ],
    );
    let address = edge
        .wait_for_address("listening", "address", Duration::from_secs(20))
        .await;
    let token = ofitec_e2e::token("ana", Role::Admin, &["*"]);
    let client = reqwest::Client::new();
    let base = format!("http://{address}/api");
    let _ = client
        .get(format!("{base}/sii/token"))
        .bearer_auth(&token)
        .send()
        .await;
    let _ = client
        .get(format!("{base}/sii/token?access_token={token}"))
        .send()
        .await;
    let _ = client
        .get(format!("{base}/sii/token"))
        .header("x-api-key", "ofk_deadbeefdeadbeefdeadbeef")
        .send()
        .await;
    let _ = client
        .post(format!("{base}/sii/session"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"environment": "prod", "token": "BROWSERTOKEN123"}))
        .send()
        .await;
    let _ = client
        .get(format!("{base}/health"))
        .header("cookie", format!("ofitec_token={token}"))
        .send()
        .await;
    // The audit line for the POST shows who did it: the log is not simply empty.
    edge.wait_for_log("\"target\":\"audit\"", Duration::from_secs(5))
        .await;
    let output = edge.output();
    let signature = token.rsplit('.').next().unwrap_or(&token);
    assert!(
        !output.contains(signature),
        "token signature found in logs:\n{output}"
    );
    assert!(!output.contains(&token[..40]), "token found in logs");
    assert!(
        !output.contains("deadbeefdeadbeef"),
        "API key found in logs"
    );
    assert!(
        !output.contains("BROWSERTOKEN123"),
        "SII session token found in logs"
    );
    assert!(
        output.contains("\"who\":\"ana\""),
        "audit names the principal:\n{output}"
    );
}
