//! The f29-engine tables on the backend selected by `OFITEC_TEST_BACKEND` (make test runs both).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[tokio::test]
async fn migrations_create_revert_and_recreate_every_table() {
    ofitec_testkit::check_migrations(
        f29_engine::store::MIGRATIONS,
        &[
            "declarations",
            "declaration_versions",
            "declaration_transitions",
            "mappings",
        ],
    )
    .await;
}
