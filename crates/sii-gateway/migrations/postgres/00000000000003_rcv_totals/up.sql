-- Totals of the stored documents SII still lists, per register, tipo DTE, purchase state and
-- `anulado`, kept by each import in the transaction that stores the register: the summary
-- and a listing's total read a few rows instead of aggregating a 200,000-document period.
CREATE TABLE rcv_totals (
    company TEXT NOT NULL,
    period TEXT NOT NULL,
    operation TEXT NOT NULL,
    tipo_dte INTEGER NOT NULL,
    state TEXT NOT NULL,
    anulado SMALLINT NOT NULL,
    documents BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    exento BIGINT NOT NULL,
    neto BIGINT NOT NULL,
    iva BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (company, period, operation, tipo_dte, state, anulado)
);
-- Documents stored before this table existed.
INSERT INTO rcv_totals
SELECT company, period, operation, tipo_dte, state, anulado,
       CAST(SUM(document_count) AS BIGINT), COUNT(*), CAST(SUM(exento) AS BIGINT),
       CAST(SUM(neto) AS BIGINT), CAST(SUM(iva) AS BIGINT), CAST(SUM(total) AS BIGINT)
FROM rcv_documents WHERE vanished = 0
GROUP BY company, period, operation, tipo_dte, state, anulado;
