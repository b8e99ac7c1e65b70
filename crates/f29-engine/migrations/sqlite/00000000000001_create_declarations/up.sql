-- One row per (company, period): the declaration's current status and latest version.
-- Status changes and recomputations update it with a condition on the status and version
-- they read, so two concurrent requests cannot both win (the loser gets a conflict).
CREATE TABLE declarations (
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'ready', 'sent', 'paid')),
    latest_version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (company, period)
);
CREATE INDEX declarations_by_status ON declarations (status);

-- Every computation, kept with everything that explains it: the códigos with their glosas
-- (JSON), the inputs (JSON), the findings (JSON), the details — options, IVA uso común
-- factor, remanente readjustment, document totals per type (JSON) — and the mapping (YAML).
CREATE TABLE declaration_versions (
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    version INTEGER NOT NULL,
    codes TEXT NOT NULL,
    inputs TEXT NOT NULL,
    findings TEXT NOT NULL,
    details TEXT NOT NULL,
    mapping TEXT NOT NULL,
    documents BIGINT NOT NULL DEFAULT 0,
    computed_at TIMESTAMP NOT NULL,
    computed_by TEXT NOT NULL,
    PRIMARY KEY (company, period, version)
);

-- Status history: who moved the declaration, when, and which version it was at.
CREATE TABLE declaration_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
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
