-- 第十四条(四), 第十六条: the documents a base submits (年度计划, 工作总结,
-- 整改报告) and the files attached to records it enters. A file is kept once
-- under files_dir, named by its SHA-256; stored_files says it is there.
-- Every upload of a document is a row of its own (the history); the newest
-- per base, year and kind is the one that stands.
CREATE TABLE stored_files (
    digest TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    stored_at TIMESTAMP NOT NULL
);
CREATE TABLE documents (
    id BIGSERIAL PRIMARY KEY,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('plan', 'summary', 'rectification_report')),
    digest TEXT NOT NULL REFERENCES stored_files (digest),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'returned', 'approved')),
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    review_reason TEXT NOT NULL
);
CREATE INDEX documents_year ON documents (year, kind, base_id);
-- A record a base enters may carry a file as its evidence (one per record;
-- a new one replaces it).
CREATE TABLE record_attachments (
    submission_id BIGINT PRIMARY KEY REFERENCES submitted_records (id),
    digest TEXT NOT NULL REFERENCES stored_files (digest),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL
);
