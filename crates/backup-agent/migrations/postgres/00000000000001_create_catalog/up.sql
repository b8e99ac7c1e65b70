-- The backup catalog: every run with its steps, snapshots, checks and drills.
CREATE TABLE backup_runs (
    id TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    reason TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'degraded', 'failed')),
    requested_by TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    duration_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    steps TEXT NOT NULL DEFAULT '[]',
    manifest TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_runs_by_plan ON backup_runs (plan, started_at);

-- One row per repository a run's snapshot reached (primary backup or offsite copy).
CREATE TABLE backup_snapshots (
    run_id TEXT NOT NULL REFERENCES backup_runs (id),
    plan TEXT NOT NULL,
    repository TEXT NOT NULL,
    snapshot_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, repository)
);
CREATE INDEX backup_snapshots_by_plan ON backup_snapshots (plan, repository, created_at);

-- Retention and integrity work per plan and repository: kind is forget, prune, check or
-- unlock; detail holds e.g. the read-data subset `n/t` so the rotation survives restarts.
CREATE TABLE backup_maintenance (
    id BIGSERIAL PRIMARY KEY,
    plan TEXT NOT NULL,
    repository TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL CHECK (result IN ('ok', 'failed')),
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_maintenance_by_plan ON backup_maintenance (plan, kind, id);

-- Restore drills: the measured recovery time.
CREATE TABLE backup_drills (
    id TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    snapshot_id TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'failed')),
    requested_by TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    duration_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    problems TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX backup_drills_by_plan ON backup_drills (plan, started_at);
