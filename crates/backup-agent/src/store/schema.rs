//! diesel table definitions, the same for both backends (see the migrations).

diesel::table! {
    backup_runs (id) {
        id -> Text,
        plan -> Text,
        reason -> Text,
        result -> Text,
        requested_by -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        duration_seconds -> Double,
        size_bytes -> BigInt,
        steps -> Text,
        manifest -> Text,
        error -> Text,
    }
}

diesel::table! {
    backup_snapshots (run_id, repository) {
        run_id -> Text,
        plan -> Text,
        repository -> Text,
        snapshot_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    backup_maintenance (id) {
        id -> BigInt,
        plan -> Text,
        repository -> Text,
        kind -> Text,
        detail -> Text,
        result -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        error -> Text,
    }
}

diesel::table! {
    backup_drills (id) {
        id -> Text,
        plan -> Text,
        snapshot_id -> Text,
        result -> Text,
        requested_by -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        duration_seconds -> Double,
        problems -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(backup_runs, backup_snapshots);
