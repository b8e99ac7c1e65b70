DROP TABLE period_imports;
DROP TABLE import_events;
DROP TABLE import_jobs;
DROP TABLE rcv_documents;
