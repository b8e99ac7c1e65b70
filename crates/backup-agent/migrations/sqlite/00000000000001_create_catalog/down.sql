DROP TABLE backup_drills;
DROP TABLE backup_maintenance;
DROP TABLE backup_snapshots;
DROP TABLE backup_runs;
