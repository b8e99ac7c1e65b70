-- What SII gave that is kept beside a document without changing it: references that cannot
-- name a DTE (alphanumeric folios) and warnings (a reference type without its folio, …).
ALTER TABLE rcv_documents ADD COLUMN other_references TEXT NOT NULL DEFAULT '[]';
ALTER TABLE rcv_documents ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
