//! `/api/health` shows, to authenticated callers, which tools the real backup-agent misses
//! (it serves without them, so its status stays SERVING).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use ofitec_domain::identity::Role;
use ofitec_platform::config::Environment;
use ofitec_platform::db::DatabaseUrl;

#[tokio::test]
async fn health_details_name_the_tools_backup_agent_misses() {
    let dir = tempfile::tempdir().unwrap();
    // An empty tool path: restic, pg_dump and pg_restore are all missing.
    let no_tools = dir.path().join("bin");
    std::fs::create_dir_all(&no_tools).unwrap();
    let mut agent_config =
        backup_agent::Config::for_tests(DatabaseUrl::Sqlite(dir.path().join("backup.db")));
    agent_config.backup.work_dir = dir.path().join("work");
    agent_config.backup.tool_path = Some(no_tools.display().to_string());
    let agent = backup_agent::Application::build(agent_config)
        .await
        .expect("build backup-agent");
    let agent_url = format!("http://{}", agent.address());
    let agent_stop = agent.shutdown_token();
    let agent_task = tokio::spawn(agent.run_until_stopped());

    // sii-gateway and f29-engine are not running: only backup-agent's entry matters here.
    let down = "http://127.0.0.1:1".to_owned();
    let edge =
        edge_api::Application::build(edge_api::Config::for_tests(down.clone(), down, agent_url))
            .await
            .expect("build edge-api");
    let health = format!("http://{}/api/health", edge.address());
    let edge_stop = edge.shutdown_token();
    let edge_task = tokio::spawn(edge.run_until_stopped());

    let token = edge_api::auth::jwt::JwtVerifier::from_config(
        &edge_api::config::AuthConfig {
            dev_secret: Some(ofitec_domain::secret::Secret::new(
                edge_api::config::TEST_SECRET,
            )),
            ..Default::default()
        },
        Environment::Development,
    )
    .and_then(|v| v.issue_dev_token("ops", Role::Viewer, &["*".to_owned()], 3600))
    .expect("token");
    let client = reqwest::Client::new();
    let backup_entry = |body: &serde_json::Value| {
        body["services"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == "backup-agent").cloned())
    };
    // The agent reports SERVING once its first database probe ran.
    let mut entry = None;
    for _ in 0..100 {
        let body: serde_json::Value = client
            .get(&health)
            .bearer_auth(&token)
            .send()
            .await
            .expect("health request")
            .json()
            .await
            .expect("json");
        entry = backup_entry(&body);
        if entry.as_ref().is_some_and(|e| e["status"] == "SERVING") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let entry = entry.expect("backup-agent in the health details");
    assert_eq!(entry["status"], "SERVING", "{entry}");
    assert_eq!(
        entry["missing_tools"],
        serde_json::json!(["restic", "pg_dump", "pg_restore"]),
        "{entry}"
    );

    // Anonymous callers see no internals at all.
    let anonymous: serde_json::Value = client
        .get(&health)
        .send()
        .await
        .expect("health request")
        .json()
        .await
        .expect("json");
    assert!(anonymous.get("services").is_none(), "{anonymous}");

    edge_stop.cancel();
    agent_stop.cancel();
    let _ = edge_task.await;
    let _ = agent_task.await;
}
