//! Imports over HTTP as the frontend uses them: start through edge-api, follow the job on
//! the Server-Sent Events stream (only your companies' events, resumable with Last-Event-ID),
//! read the stored summary and documents — the real edge-api, sii-gateway and sii-sim.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt as _;
use ofitec_domain::identity::Role;
use ofitec_e2e::Platform;
use serde_json::{Value, json};

const COMPANY: &str = "76123456-0";
const OTHER_COMPANY: &str = "12345678-5";

/// A minimal SSE reader: yields (id, event, data) per message, skipping comments.
struct EventStream {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: String,
}

impl EventStream {
    async fn open(url: &str, token: &str, last_event_id: Option<u64>) -> (reqwest::Response, ()) {
        let mut request = reqwest::Client::new().get(url).bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        (request.send().await.expect("events request"), ())
    }

    fn new(response: reqwest::Response) -> EventStream {
        EventStream {
            body: Box::pin(
                response
                    .bytes_stream()
                    .map(|chunk| chunk.map(|b| b.to_vec())),
            ),
            buffer: String::new(),
        }
    }

    async fn next(&mut self, within: Duration) -> Option<(u64, String, Value)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (0, String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = v.parse().expect("numeric id");
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some((id, event, serde_json::from_str(&data).expect("JSON data")));
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??;
            self.buffer
                .push_str(&String::from_utf8_lossy(&chunk.expect("stream chunk")));
        }
    }
}

async fn post(platform: &Platform, path: &str, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(platform.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(platform: &Platform, path: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(platform.api(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_import_is_followed_live_resumed_after_a_disconnect_and_hidden_from_other_companies() {
    let platform = Platform::start().await;
    let operator = platform.token("ana", Role::Operator, &[COMPANY]);
    let stranger = platform.token("eve", Role::Admin, &[OTHER_COMPANY]);

    let (response, ()) = EventStream::open(&platform.api("/sii/events"), &operator, None).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut mine = EventStream::new(response);
    let (response, ()) = EventStream::open(&platform.api("/sii/events"), &stranger, None).await;
    let mut theirs = EventStream::new(response);

    let (status, accepted) = post(
        &platform,
        "/sii/rcv/import",
        &operator,
        json!({"company": COMPANY, "year": 2024, "month": 11, "operations": ["venta"]}),
    )
    .await;
    assert_eq!(status, 202, "{accepted}");
    let job_id = accepted["jobs"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(accepted["jobs"][0]["status"], "queued");

    // Read until completed, remembering the ids; drop the connection after "started".
    let mut seen: Vec<(u64, String)> = Vec::new();
    while !seen.iter().any(|(_, k)| k == "started") {
        let (id, kind, data) = mine.next(Duration::from_secs(20)).await.expect("an event");
        assert_eq!(data["job"]["company"], COMPANY);
        assert_eq!(data["id"], id);
        seen.push((id, kind));
    }
    drop(mine);
    let last = seen.last().unwrap().0;
    let job = ofitec_testkit::wait_until("the job to finish", Duration::from_secs(60), || async {
        let (_, job) = get(&platform, &format!("/sii/imports/{job_id}"), &operator).await;
        (job["status"] != "queued" && job["status"] != "running").then_some(job)
    })
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");

    // Reconnecting with Last-Event-ID replays exactly what came after, without gaps.
    let (response, ()) =
        EventStream::open(&platform.api("/sii/events"), &operator, Some(last)).await;
    let mut resumed = EventStream::new(response);
    let mut previous = last;
    loop {
        let (id, kind, data) = resumed
            .next(Duration::from_secs(20))
            .await
            .expect("replayed event");
        assert!(
            id > previous,
            "ids grow without repeats ({id} after {previous})"
        );
        previous = id;
        seen.push((id, kind.clone()));
        if kind == "completed" {
            assert_eq!(data["job"]["documents_fetched"], job["documents_fetched"]);
            assert!(!data["progress"].as_array().unwrap().is_empty());
            break;
        }
    }
    let kinds: Vec<&str> = seen.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"queued"), "{kinds:?}");
    assert!(kinds.contains(&"progress"), "{kinds:?}");
    // Event ids of one job's events are consecutive: nothing was skipped.
    for pair in seen.windows(2) {
        assert_eq!(pair[1].0, pair[0].0 + 1, "{seen:?}");
    }

    // A client holding an id the gateway never wrote (e.g. before a restore) is told to
    // reload: the first message is a `gap` without a job, whose id it can resume from.
    let (response, ()) =
        EventStream::open(&platform.api("/sii/events"), &operator, Some(1_000_000)).await;
    let (gap_id, kind, data) = EventStream::new(response)
        .next(Duration::from_secs(10))
        .await
        .expect("a gap event");
    assert_eq!(kind, "gap", "{data}");
    assert!(data["job"].is_null(), "{data}");
    assert!(
        gap_id >= previous,
        "it continues after the newest event ({gap_id})"
    );

    // The other company's stream saw nothing of this.
    assert!(
        theirs.next(Duration::from_millis(500)).await.is_none(),
        "another company's events leaked"
    );

    // The summary and documents agree with the job's counts, peso for peso.
    let (status, summary) = get(
        &platform,
        &format!("/sii/summary?company={COMPANY}&period=2024-11"),
        &operator,
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    let total: i64 = summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["total"].as_i64().unwrap())
        .sum();
    assert_eq!(total, job["total_amount"].as_i64().unwrap());
    let (status, page) = get(
        &platform,
        &format!("/sii/documents?company={COMPANY}&period=2024-11&operation=venta&limit=1000"),
        &operator,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], job["documents_fetched"]);
    let mut by_type: BTreeMap<i64, i64> = BTreeMap::new();
    for doc in page["documents"].as_array().unwrap() {
        *by_type
            .entry(doc["tipo_dte"].as_i64().unwrap())
            .or_default() += doc["total"].as_i64().unwrap();
    }
    assert_eq!(by_type.values().sum::<i64>(), total);

    // Page by page with the cursor: the same documents, each once.
    let mut after = String::new();
    let mut paged = Vec::new();
    loop {
        let (status, page) = get(
            &platform,
            &format!(
                "/sii/documents?company={COMPANY}&period=2024-11&operation=venta&limit=7{after}"
            ),
            &operator,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        paged.extend(page["documents"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => break,
        }
    }
    assert_eq!(&paged, page["documents"].as_array().unwrap());

    // The export: a CSV line per document, streamed, adding up to the same pesos.
    let response = reqwest::Client::new()
        .get(platform.api(&format!(
            "/sii/documents/export?company={COMPANY}&period=2024-11&operation=venta"
        )))
        .bearer_auth(&operator)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("text/csv; charset=utf-8")
    );
    let csv = response.text().await.expect("csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let total_column = header
        .iter()
        .position(|c| *c == "total")
        .expect("a total column");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(Some(rows.len() as u64), job["documents_fetched"].as_u64());
    let exported: i64 = rows
        .iter()
        .map(|r| {
            r.split(';')
                .nth(total_column)
                .unwrap()
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(exported, total);
    let (status, body) = get(
        &platform,
        &format!("/sii/documents/export?company={COMPANY}&period=2024-11"),
        &stranger,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company"))
    );

    // Another company's caller can neither see the job nor read the documents.
    let (status, body) = get(&platform, &format!("/sii/imports/{job_id}"), &stranger).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let (status, body) = get(
        &platform,
        &format!("/sii/documents?company={COMPANY}&period=2024-11"),
        &stranger,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company"))
    );
    let (status, body) = get(&platform, "/sii/imports", &stranger).await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn bad_import_requests_get_clear_errors_and_create_nothing() {
    let platform = Platform::start().await;
    let operator = platform.token("ana", Role::Operator, &[COMPANY]);
    for (body, code) in [
        (
            json!({"company": "76123456-1", "year": 2024, "month": 11}),
            "rut_invalid",
        ),
        (
            json!({"company": COMPANY, "year": 2024, "month": 13}),
            "period_invalid",
        ),
        (json!({"company": COMPANY}), "invalid_argument"),
        (
            json!({"companies": [COMPANY], "from": "2024-12", "to": "2024-01"}),
            "period_range_invalid",
        ),
        (
            json!({"companies": [], "from": "2024-01"}),
            "companies_required",
        ),
        (
            json!({"companies": [COMPANY], "from": "2024-01", "operations": ["boleta"]}),
            "operation_invalid",
        ),
        (
            json!({"company": COMPANY, "year": 2024, "month": 11, "extra": 1}),
            "invalid_json",
        ),
    ] {
        let (status, answer) = post(&platform, "/sii/rcv/import", &operator, body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(code)),
            "{body}: {answer}"
        );
    }
    let (status, list) = get(&platform, "/sii/imports", &operator).await;
    assert_eq!((status, list["total"].as_u64()), (200, Some(0)));
    let (status, body) = get(&platform, "/sii/imports/not-a-uuid", &operator).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("job_id_invalid"))
    );
}

#[tokio::test]
async fn two_companies_each_see_only_their_own_jobs_totals_documents_and_events() {
    let platform = Platform::start().await;
    let ana = platform.token("ana", Role::Operator, &[COMPANY]);
    let bob = platform.token("bob", Role::Operator, &[OTHER_COMPANY]);
    let (response, ()) = EventStream::open(&platform.api("/sii/events"), &ana, None).await;
    let mut ana_events = EventStream::new(response);
    let (response, ()) = EventStream::open(&platform.api("/sii/events"), &bob, None).await;
    let mut bob_events = EventStream::new(response);

    let mut ids = BTreeMap::new();
    for (token, company) in [(&ana, COMPANY), (&bob, OTHER_COMPANY)] {
        let (status, accepted) = post(
            &platform,
            "/sii/rcv/import",
            token,
            json!({"company": company, "year": 2024, "month": 11, "operations": ["venta"]}),
        )
        .await;
        assert_eq!(status, 202, "{accepted}");
        ids.insert(
            company,
            accepted["jobs"][0]["id"].as_str().unwrap().to_owned(),
        );
    }
    for (token, company) in [(&ana, COMPANY), (&bob, OTHER_COMPANY)] {
        let id = ids[company].clone();
        let job =
            ofitec_testkit::wait_until("the job to finish", Duration::from_secs(60), || async {
                let (_, job) = get(&platform, &format!("/sii/imports/{id}"), token).await;
                (job["status"] == "succeeded").then_some(job)
            })
            .await;
        assert!(job["documents_fetched"].as_u64().unwrap() > 0);
    }

    for (token, mine, theirs) in [
        (&ana, COMPANY, OTHER_COMPANY),
        (&bob, OTHER_COMPANY, COMPANY),
    ] {
        let (status, list) = get(&platform, "/sii/imports", token).await;
        assert_eq!(status, 200);
        let companies: Vec<&str> = list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["company"].as_str().unwrap())
            .collect();
        assert_eq!(
            companies,
            vec![mine],
            "the job list holds only the caller's company"
        );
        let (status, _) = get(&platform, &format!("/sii/imports/{}", ids[theirs]), token).await;
        assert_eq!(status, 404);
        let (status, summary) = get(
            &platform,
            &format!("/sii/summary?company={mine}&period=2024-11"),
            token,
        )
        .await;
        assert_eq!(status, 200);
        assert!(!summary["rows"].as_array().unwrap().is_empty());
        for path in [
            format!("/sii/summary?company={theirs}&period=2024-11"),
            format!("/sii/documents?company={theirs}&period=2024-11"),
            format!("/sii/imports?company={theirs}"),
        ] {
            let (status, body) = get(&platform, &path, token).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (403, Some("forbidden_company")),
                "{path}"
            );
        }
    }

    // Each stream carried its own company's job to completion and nothing of the other's.
    for (stream, mine) in [(&mut ana_events, COMPANY), (&mut bob_events, OTHER_COMPANY)] {
        let mut completed = false;
        while let Some((_, kind, data)) = stream.next(Duration::from_secs(2)).await {
            assert_eq!(data["job"]["company"], mine, "{kind}: {data}");
            completed |= kind == "completed";
        }
        assert!(completed, "{mine}'s stream saw its job complete");
    }
}
