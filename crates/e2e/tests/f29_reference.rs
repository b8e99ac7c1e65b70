//! The F29 reference data and filing calendar over HTTP: the UTM table (`GET /api/f29/utm`,
//! `PUT /api/f29/utm/{period}`), the holidays (`GET|PUT /api/f29/holidays…`) and
//! `GET /api/f29/calendar` — the real edge-api in front of the real f29-engine.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use ofitec_domain::identity::Role;
use ofitec_e2e::Platform;
use serde_json::{Value, json};

const COMPANY: &str = "76123456-0";

async fn send(
    platform: &Platform,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, platform.api(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn utm_table_is_read_by_viewers_and_set_by_administrators_of_every_company() {
    let platform = Platform::start().await;
    let viewer = platform.token("vera", Role::Viewer, &[COMPANY]);
    let admin = platform.token("ana", Role::Admin, &["*"]);

    let (status, table) = send(&platform, reqwest::Method::GET, "/f29/utm", &viewer, None).await;
    assert_eq!(status, 200, "{table}");
    let months = table["months"].as_array().unwrap();
    assert_eq!(months.len(), 91);
    assert_eq!(months[90]["period"], "2026-07");
    assert_eq!(months[90]["utm"], 71_649);
    assert_eq!(months[90]["set_by"], "seed");

    // A gap is refused, naming the missing months; nothing is stored.
    let (status, body) = send(
        &platform,
        reqwest::Method::PUT,
        "/f29/utm/2026-10",
        &admin,
        Some(json!({"utm": 72151})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("utm_invalid")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("2026-08, 2026-09 missing"),
        "{body}"
    );
    // An administrator of some companies only may not change everyone's table.
    let partial = platform.token("pablo", Role::Admin, &[COMPANY]);
    let (status, body) = send(
        &platform,
        reqwest::Method::PUT,
        "/f29/utm/2026-08",
        &partial,
        Some(json!({"utm": 71649})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company")),
        "{body}"
    );
    let (status, body) = send(
        &platform,
        reqwest::Method::PUT,
        "/f29/utm/2026-13",
        &admin,
        Some(json!({"utm": 71649})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("period_invalid")),
        "{body}"
    );

    // A value for this test only (August 2026 is not published in any source we checked).
    let (status, month) = send(
        &platform,
        reqwest::Method::PUT,
        "/f29/utm/2026-08",
        &admin,
        Some(json!({"utm": 71649})),
    )
    .await;
    assert_eq!(status, 200, "{month}");
    assert_eq!(
        (
            &month["period"],
            &month["utm"],
            &month["set_by"],
            &month["source"]
        ),
        (
            &json!("2026-08"),
            &json!(71_649),
            &json!("ana"),
            &json!("api")
        )
    );
    let (_, table) = send(&platform, reqwest::Method::GET, "/f29/utm", &viewer, None).await;
    assert_eq!(table["months"].as_array().unwrap().len(), 92);
}

#[tokio::test]
async fn holidays_and_the_calendar() {
    let platform = Platform::start().await;
    let viewer = platform.token("vera", Role::Viewer, &[COMPANY]);
    let admin = platform.token("ana", Role::Admin, &["*"]);

    let (status, body) = send(
        &platform,
        reqwest::Method::GET,
        "/f29/holidays?year=2026",
        &viewer,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let days: Vec<&str> = body["years"][0]["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert!(
        days.contains(&"2026-09-18") && days.contains(&"2026-09-19"),
        "{body}"
    );

    // The viewer's company, never computed: "none", due Monday 21 September 2026 (the 20th is
    // a Sunday; electronic invoicer by default).
    let (status, calendar) = send(
        &platform,
        reqwest::Method::GET,
        "/f29/calendar?period=2026-08",
        &viewer,
        None,
    )
    .await;
    assert_eq!(status, 200, "{calendar}");
    assert_eq!(calendar["period"], "2026-08");
    let companies = calendar["companies"].as_array().unwrap();
    assert_eq!(companies.len(), 1, "{calendar}");
    assert_eq!(companies[0]["company"], COMPANY);
    assert_eq!(companies[0]["status"], "none");
    assert_eq!(companies[0]["due_date"], "2026-09-21");
    assert_eq!(companies[0]["e_invoicer"], true);

    // December 2027 is filed in January 2028, a year the shipped table does not have.
    let (status, body) = send(
        &platform,
        reqwest::Method::GET,
        "/f29/calendar?period=2027-12",
        &viewer,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("holidays_missing")),
        "{body}"
    );

    // A date outside the year is refused, naming the entry.
    let (status, body) = send(
        &platform,
        reqwest::Method::PUT,
        "/f29/holidays/2028",
        &admin,
        Some(json!({"holidays": [
            {"date": "2028-01-01", "name": "Año Nuevo", "source": "Ley 2.977"},
            {"date": "2029-01-01", "name": "Año Nuevo"}
        ]})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("holidays_invalid")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("2029-01-01"),
        "{body}"
    );

    // Test data only: a 2028 with New Year's Day and a holiday on Thursday 20 January.
    let (status, year) = send(
        &platform,
        reqwest::Method::PUT,
        "/f29/holidays/2028",
        &admin,
        Some(json!({"holidays": [
            {"date": "2028-01-01", "name": "Año Nuevo", "source": "Ley 2.977"},
            {"date": "2028-01-20", "name": "test"}
        ]})),
    )
    .await;
    assert_eq!(status, 200, "{year}");
    assert_eq!(year["set_by"], "ana");
    let (status, calendar) = send(
        &platform,
        reqwest::Method::GET,
        "/f29/calendar?period=2027-12",
        &viewer,
        None,
    )
    .await;
    assert_eq!(status, 200, "{calendar}");
    assert_eq!(calendar["companies"][0]["due_date"], "2028-01-21");
}
