//! edge-api's health aggregates the internal services over real gRPC.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use ofitec_domain::identity::Role;
use ofitec_e2e::Platform;

/// Health as an authenticated caller (anonymous callers only see the overall status).
async fn get_json(platform: &Platform) -> (u16, serde_json::Value) {
    let token = platform.token("ops", Role::Viewer, &["*"]);
    let response = reqwest::Client::new()
        .get(platform.api("/health"))
        .bearer_auth(token)
        .send()
        .await
        .expect("health request");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}
use ofitec_testkit::wait_until;

fn statuses(body: &serde_json::Value) -> Vec<(String, String)> {
    body["services"]
        .as_array()
        .map(|services| {
            services
                .iter()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or("").to_owned(),
                        s["status"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn health_aggregates_all_three_internal_services() {
    let platform = Platform::start().await;
    let body = wait_until("healthy platform", Duration::from_secs(10), || async {
        let (status, body) = get_json(&platform).await;
        (status == 200).then_some(body)
    })
    .await;
    assert_eq!(body["status"], "healthy");
    assert_eq!(
        statuses(&body),
        vec![
            ("sii-gateway".to_owned(), "SERVING".to_owned()),
            ("f29-engine".to_owned(), "SERVING".to_owned()),
            ("backup-agent".to_owned(), "SERVING".to_owned()),
        ]
    );
    for service in body["services"].as_array().into_iter().flatten() {
        assert!(
            service["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{service}"
        );
    }
}

#[tokio::test]
async fn health_turns_503_when_a_service_stops() {
    let mut platform = Platform::start().await;
    wait_until("healthy platform", Duration::from_secs(10), || async {
        (get_json(&platform).await.0 == 200).then_some(())
    })
    .await;

    platform.f29_engine.stop().await;
    let (status, body) = get_json(&platform).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unhealthy");
    let services = statuses(&body);
    assert_eq!(
        services[0],
        ("sii-gateway".to_owned(), "SERVING".to_owned())
    );
    assert_eq!(
        services[1],
        ("f29-engine".to_owned(), "UNREACHABLE".to_owned())
    );
    assert_eq!(
        services[2],
        ("backup-agent".to_owned(), "SERVING".to_owned())
    );
    assert!(
        body["services"][1]["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_routes_answer_json_errors_with_request_id() {
    let platform = Platform::start().await;
    let response = reqwest::Client::new()
        .get(platform.api("/does-not-exist"))
        .header("x-request-id", "test-req-42")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("test-req-42")
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"], "not_found");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("/api/does-not-exist"))
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let platform = Platform::start().await;
    let _ = get_json(&platform).await;
    let _ = reqwest::get(platform.api("/nowhere/76123456-0")).await;
    let text = reqwest::get(platform.api("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(r#"http_server_requests_total{method="GET",route="/api/health","#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    assert!(
        !text.contains("76123456"),
        "raw paths must not become labels"
    );
}
