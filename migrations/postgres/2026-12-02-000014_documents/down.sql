DROP TABLE record_attachments;
DROP TABLE documents;
DROP TABLE stored_files;
