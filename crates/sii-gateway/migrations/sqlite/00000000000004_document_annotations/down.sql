ALTER TABLE rcv_documents DROP COLUMN warnings;
ALTER TABLE rcv_documents DROP COLUMN other_references;
