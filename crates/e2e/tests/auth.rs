//! Who may do what, checked over HTTP against the real platform.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use ofitec_domain::identity::Role;
use ofitec_e2e::{Platform, get_json};
use serde_json::Value;

const COMPANY: &str = "76123456-0";
const OTHER_COMPANY: &str = "12345678-5";
/// Routes that are deliberately not behind the bearer scheme.
const PUBLIC: &[&str] = &["/api/health", "/api/metrics", "/api/openapi.json"];

struct Case {
    method: String,
    url: String,
    body: Option<Value>,
    role: Role,
    names_company: bool,
    /// The route changes what every company shares (`x-required-companies: "*"`): an
    /// administrator of some companies only is refused.
    every_company: bool,
}

fn example_for(name: &str) -> &'static str {
    match name {
        "company" => COMPANY,
        "period" => "2024-11",
        "id" => "00000000-0000-4000-8000-000000000000",
        "format" => "csv",
        "environment" => "prod",
        "year" => "2026",
        other => panic!("route table test: add an example value for parameter `{other}`"),
    }
}

fn cases(base: &str, spec: &Value) -> Vec<Case> {
    let mut out = Vec::new();
    let paths = spec["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let role = match op.get("x-required-role").and_then(Value::as_str) {
                Some(role) => role.parse::<Role>().expect("known role"),
                None => {
                    assert!(
                        PUBLIC.contains(&path.as_str()),
                        "{method} {path} declares no x-required-role: every route needs one (or must be listed as public)"
                    );
                    continue;
                }
            };
            let mut url = format!("{base}{path}");
            let mut query = Vec::new();
            let mut names_company = false;
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().expect("name");
                names_company |= name == "company" || name == "companies";
                match param["in"].as_str() {
                    Some("path") => url = url.replace(&format!("{{{name}}}"), example_for(name)),
                    Some("query")
                        if param["required"].as_bool() == Some(true) || name == "company" =>
                    {
                        query.push(format!("{name}={}", example_for(name)))
                    }
                    _ => {}
                }
            }
            if !query.is_empty() {
                url = format!("{url}?{}", query.join("&"));
            }
            let body = op.get("requestBody").map(|rb| {
                let example = rb["content"]["application/json"]["example"].clone();
                let example = if example.is_null() {
                    // utoipa puts a schema-level example on the component.
                    let reference = rb["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .unwrap_or("");
                    let name = reference.rsplit('/').next().unwrap_or("");
                    spec["components"]["schemas"][name]["example"].clone()
                } else {
                    example
                };
                assert!(
                    !example.is_null(),
                    "{method} {path}: the request body needs an example"
                );
                example
            });
            if let Some(body) = &body {
                let text = body.to_string();
                names_company |= text.contains("\"company\"") || text.contains("\"companies\"");
            }
            let every_company = op.get("x-required-companies").and_then(Value::as_str) == Some("*");
            out.push(Case {
                method: method.to_uppercase(),
                url,
                body,
                role,
                names_company,
                every_company,
            });
        }
    }
    out
}

async fn send(case: &Case, token: Option<&str>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).expect("method");
    let mut request = client.request(method, &case.url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = &case.body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let streaming = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if streaming {
        // An event stream never ends; its status is the answer.
        return (status, Value::Null);
    }
    (status, response.json().await.unwrap_or(Value::Null))
}

fn lower(role: Role) -> Option<Role> {
    match role {
        Role::Viewer => None,
        Role::Operator => Some(Role::Viewer),
        Role::Admin => Some(Role::Operator),
    }
}

#[tokio::test]
async fn every_route_in_the_openapi_document_enforces_authentication_role_and_company() {
    let platform = Platform::start().await;
    let (status, spec) = get_json(&platform.api("/openapi.json")).await;
    assert_eq!(status, 200);
    let cases = cases(&platform.edge.url(), &spec);
    assert!(
        cases.len() >= 2,
        "the table must cover the protected routes"
    );

    for case in &cases {
        let (status, body) = send(case, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("auth_missing")),
            "{} {} without a token",
            case.method,
            case.url
        );

        let (status, body) = send(case, Some("not-a-token")).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("auth_invalid")),
            "{} {} with garbage",
            case.method,
            case.url
        );

        if let Some(lower) = lower(case.role) {
            let token = platform.token("low", lower, &["*"]);
            let (status, body) = send(case, Some(&token)).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (403, Some("forbidden_role")),
                "{} {} as {lower}",
                case.method,
                case.url
            );
        }

        if case.names_company {
            let token = platform.token("stranger", case.role, &[OTHER_COMPANY]);
            let (status, body) = send(case, Some(&token)).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (403, Some("forbidden_company")),
                "{} {} for another company",
                case.method,
                case.url
            );
        }

        if case.every_company {
            let token = platform.token("partial", case.role, &[COMPANY]);
            let (status, body) = send(case, Some(&token)).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (403, Some("forbidden_company")),
                "{} {} with access to some companies only",
                case.method,
                case.url
            );
        }
        let scope = if case.every_company { "*" } else { COMPANY };
        let token = platform.token("insider", case.role, &[scope]);
        let (status, body) = send(case, Some(&token)).await;
        assert!(
            status != 401 && status != 403,
            "{} {} with the declared role {} and the right company got {status}: {body}",
            case.method,
            case.url,
            case.role
        );
    }
}

#[tokio::test]
async fn health_details_only_for_authenticated_callers() {
    let platform = Platform::start().await;
    let body = ofitec_testkit::wait_until("healthy", Duration::from_secs(10), || async {
        let (status, body) = get_json(&platform.api("/health")).await;
        (status == 200).then_some(body)
    })
    .await;
    assert_eq!(body["status"], "healthy");
    assert!(
        body.get("services").is_none(),
        "anonymous callers see no internals: {body}"
    );

    let token = platform.token("viewer", Role::Viewer, &[COMPANY]);
    let body: Value = reqwest::Client::new()
        .get(platform.api("/health"))
        .bearer_auth(token)
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(body["services"].as_array().map(Vec::len), Some(3), "{body}");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_recovers() {
    let platform = Platform::start_with(|config| {
        config.rate_limit.per_principal_rps = 2.0;
        config.rate_limit.per_principal_burst = 3.0;
    })
    .await;
    let token = platform.token("busy", Role::Viewer, &[COMPANY]);
    let client = reqwest::Client::new();
    let url = platform.api("/sii/token");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let response = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        if response.status().as_u16() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["error"], "rate_limited");
            statuses.push(429);
        } else {
            statuses.push(response.status().as_u16());
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(retry_after.as_deref(), Some("1"));
    // Another principal is not affected.
    let other = platform.token("calm", Role::Viewer, &[COMPANY]);
    let response = client
        .get(&url)
        .bearer_auth(&other)
        .send()
        .await
        .expect("request");
    assert_ne!(response.status().as_u16(), 429);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_ne!(
        response.status().as_u16(),
        429,
        "recovers after Retry-After"
    );
}

#[tokio::test]
async fn security_headers_and_cors_only_for_configured_origins() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let response = client
        .get(platform.api("/health"))
        .header("origin", "http://localhost:3001")
        .send()
        .await
        .expect("request");
    let headers = response.headers();
    assert_eq!(
        headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(
        headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert!(headers.get("content-security-policy").is_some());
    assert_eq!(
        headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:3001")
    );
    let response = client
        .get(platform.api("/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn metrics_need_an_allowed_network_or_the_metrics_token() {
    let dir = tempfile::tempdir().expect("dir");
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, "prom-secret-123\n").expect("write");
    let platform = Platform::start_with(|config| {
        config.auth.metrics.allow = vec!["10.0.0.0/8".to_owned()];
        config.auth.metrics.token_file = Some(token_file.clone());
    })
    .await;
    let client = reqwest::Client::new();
    let response = client
        .get(platform.api("/metrics"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    let response = client
        .get(platform.api("/metrics"))
        .bearer_auth("wrong")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    let response = client
        .get(platform.api("/metrics"))
        .bearer_auth("prom-secret-123")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.expect("text");
    assert!(text.contains("edge_auth_rejections_total"), "{text}");
}

#[tokio::test]
async fn api_keys_work_in_both_headers_and_rotate_without_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("keys.yaml");
    let (old_key, old_hash) = edge_api::auth::api_keys::generate();
    let (new_key, new_hash) = edge_api::auth::api_keys::generate();
    let entry = |name: &str, hash: &str| {
        format!("  - {{name: {name}, hash: {hash}, roles: [viewer], companies: ['{COMPANY}']}}\n")
    };
    std::fs::write(&file, format!("keys:\n{}", entry("old", &old_hash))).expect("write");
    let platform = Platform::start_with(|config| {
        config.auth.api_keys_file = Some(file.clone());
        config.auth.api_keys_reload_s = 1;
    })
    .await;
    let client = reqwest::Client::new();
    let url = platform.api("/sii/token");
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_ne!(
        status(
            client
                .get(&url)
                .header("x-api-key", &old_key)
                .send()
                .await
                .expect("r")
        ),
        401
    );
    assert_ne!(
        status(
            client
                .get(&url)
                .bearer_auth(&old_key)
                .send()
                .await
                .expect("r")
        ),
        401
    );
    assert_eq!(
        status(
            client
                .get(&url)
                .header("x-api-key", &new_key)
                .send()
                .await
                .expect("r")
        ),
        401
    );

    // Rotate: add the new key, remove the old one. The running edge-api notices the change.
    tokio::time::sleep(Duration::from_millis(1100)).await; // distinct modification time
    std::fs::write(&file, format!("keys:\n{}", entry("new", &new_hash))).expect("write");
    ofitec_testkit::wait_until("rotated keys", Duration::from_secs(10), || async {
        let new_ok = status(
            client
                .get(&url)
                .header("x-api-key", &new_key)
                .send()
                .await
                .ok()?,
        ) != 401;
        let old_gone = status(
            client
                .get(&url)
                .header("x-api-key", &old_key)
                .send()
                .await
                .ok()?,
        ) == 401;
        (new_ok && old_gone).then_some(())
    })
    .await;
}
