-- SII's own totals (getResumen) per register, tipo DTE and purchase state, as of the last
-- successful import: what the F29 reconciliation compares a declaration against. Replaced
-- as a whole by each import of the register.
CREATE TABLE sii_summaries (
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    operation TEXT NOT NULL,
    state TEXT NOT NULL,
    tipo_dte INTEGER NOT NULL,
    documents BIGINT NOT NULL,
    exento BIGINT NOT NULL,
    neto BIGINT NOT NULL,
    iva BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (company, period, operation, state, tipo_dte)
);
