-- One row per (company, period): the declaration's current status and latest version.
CREATE TABLE declarations (
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'ready', 'sent', 'paid')),
    latest_version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (company, period)
);

-- Every computation, kept with its inputs so any number can be explained later.
CREATE TABLE declaration_versions (
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    version INTEGER NOT NULL,
    codes TEXT NOT NULL,
    inputs TEXT NOT NULL,
    findings TEXT NOT NULL,
    documents BIGINT NOT NULL DEFAULT 0,
    computed_at TIMESTAMP NOT NULL,
    computed_by TEXT NOT NULL,
    PRIMARY KEY (company, period, version)
);

-- Status history: who moved the declaration and when.
CREATE TABLE declaration_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX declaration_transitions_by_key ON declaration_transitions (company, period, id);

-- Mapping documents: scope '' is the default, otherwise a company RUT overriding it.
CREATE TABLE mappings (
    scope TEXT PRIMARY KEY,
    yaml TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
