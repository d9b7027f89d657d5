ALTER TABLE rectifications DROP COLUMN missing_documents;
