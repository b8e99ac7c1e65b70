-- RCV documents, one row per document and natural key (the unique constraint's index also
-- serves the listing order). Amounts are whole pesos; booleans are SMALLINT 0/1 and JSON is
-- TEXT, the types both backends share.
CREATE TABLE rcv_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('compra', 'venta')),
    tipo_dte INTEGER NOT NULL,
    counterpart_rut TEXT NOT NULL,
    folio BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT '',
    transaction_type INTEGER NOT NULL DEFAULT 0,
    counterpart_name TEXT NOT NULL DEFAULT '',
    issued_on TEXT NOT NULL DEFAULT '',
    received_at TEXT,
    acknowledged_at TEXT,
    claimed_at TEXT,
    exento BIGINT NOT NULL DEFAULT 0,
    neto BIGINT NOT NULL DEFAULT 0,
    iva BIGINT NOT NULL DEFAULT 0,
    iva_no_recuperable BIGINT NOT NULL DEFAULT 0,
    iva_no_recuperable_code INTEGER NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    activo_fijo_neto BIGINT NOT NULL DEFAULT 0,
    activo_fijo_iva BIGINT NOT NULL DEFAULT 0,
    iva_uso_comun BIGINT NOT NULL DEFAULT 0,
    sin_derecho_credito BIGINT NOT NULL DEFAULT 0,
    iva_retenido_total BIGINT NOT NULL DEFAULT 0,
    iva_retenido_parcial BIGINT NOT NULL DEFAULT 0,
    iva_no_retenido BIGINT NOT NULL DEFAULT 0,
    document_count INTEGER NOT NULL DEFAULT 1,
    extra TEXT NOT NULL DEFAULT '{}',
    tasa_iva DOUBLE,
    other_taxes TEXT NOT NULL DEFAULT '[]',
    doc_references TEXT NOT NULL DEFAULT '[]',
    receiver_event TEXT NOT NULL DEFAULT '',
    anulado SMALLINT NOT NULL DEFAULT 0,
    vanished SMALLINT NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL DEFAULT '',
    last_job_id TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT rcv_documents_natural_key UNIQUE (company, period, operation, tipo_dte, counterpart_rut, folio)
);

-- Import jobs: the truth about every import, whatever the queue says.
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL,
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('compra', 'venta')),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error_code TEXT NOT NULL DEFAULT '',
    last_error_message TEXT NOT NULL DEFAULT '',
    documents_fetched BIGINT NOT NULL DEFAULT 0,
    documents_stored BIGINT NOT NULL DEFAULT 0,
    documents_vanished BIGINT NOT NULL DEFAULT 0,
    total_amount BIGINT NOT NULL DEFAULT 0,
    requested_by TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    worker TEXT NOT NULL DEFAULT '',
    next_attempt_at TIMESTAMP,
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
-- At most one active job per (company, period, operation).
CREATE UNIQUE INDEX import_jobs_one_active ON import_jobs (company, period, operation)
    WHERE status IN ('queued', 'running');
CREATE INDEX import_jobs_by_company ON import_jobs (company, created_at);
CREATE INDEX import_jobs_by_batch ON import_jobs (batch_id);
CREATE INDEX import_jobs_by_status ON import_jobs (status);

-- Import events, replayable by id (the SSE `id:`), pruned to a bounded window.
CREATE TABLE import_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    company TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX import_events_by_company ON import_events (company, id);

-- What SII said about a period at its last successful import.
CREATE TABLE period_imports (
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    operation TEXT NOT NULL,
    last_imported_at TIMESTAMP NOT NULL,
    sii_modified_at TEXT NOT NULL DEFAULT '',
    last_job_id TEXT NOT NULL,
    PRIMARY KEY (company, period, operation)
);
