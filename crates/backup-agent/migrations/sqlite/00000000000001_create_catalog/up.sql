-- The backup catalog: every run with its steps, snapshots, checks and drills.
CREATE TABLE backup_runs (
    id TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    reason TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'degraded', 'failed')),
    requested_by TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    steps TEXT NOT NULL DEFAULT '[]',
    manifest TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_runs_by_plan ON backup_runs (plan, started_at);

CREATE TABLE backup_snapshots (
    run_id TEXT NOT NULL REFERENCES backup_runs (id),
    repository TEXT NOT NULL,
    snapshot_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, repository)
);

-- Retention and integrity work per plan and repository.
CREATE TABLE backup_maintenance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan TEXT NOT NULL,
    repository TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_maintenance_by_plan ON backup_maintenance (plan, kind, id);

-- Restore drills: the measured recovery time.
CREATE TABLE backup_drills (
    id TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    snapshot_id TEXT NOT NULL,
    result TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    duration_seconds DOUBLE NOT NULL DEFAULT 0,
    problems TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX backup_drills_by_plan ON backup_drills (plan, started_at);
