DROP TABLE sii_summaries;
