//! The sii-gateway tables on the backend selected by `OFITEC_TEST_BACKEND` (make test runs both).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[tokio::test]
async fn migrations_create_revert_and_recreate_every_table() {
    ofitec_testkit::check_migrations(
        sii_gateway::store::MIGRATIONS,
        &[
            "rcv_documents",
            "import_jobs",
            "import_events",
            "period_imports",
        ],
    )
    .await;
}
