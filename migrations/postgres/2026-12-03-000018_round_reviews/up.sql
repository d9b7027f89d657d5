-- 第九条: a round's dates (applications are taken from opens_on up to and
-- including closes_on), the experts' opinions and scores per application
-- (初评和考察, with an on-site visit where one was made), and the files an
-- application carries: 申请书, 建设方案 and evidence per condition.
ALTER TABLE recognition_rounds ADD COLUMN opens_on DATE;
ALTER TABLE recognition_rounds ADD COLUMN closes_on DATE;
CREATE TABLE application_reviews (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    expert TEXT NOT NULL,
    score INTEGER CHECK (score BETWEEN 0 AND 100),
    opinion TEXT NOT NULL,
    visited_on DATE,
    visit_notes TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX application_reviews_of ON application_reviews (application_id);
CREATE TABLE application_documents (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    kind TEXT NOT NULL CHECK (kind IN ('application_form', 'construction_plan', 'evidence')),
    condition_id TEXT,
    digest TEXT NOT NULL REFERENCES stored_files (digest),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX application_documents_of ON application_documents (application_id);
