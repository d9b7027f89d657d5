-- 第九条(三): the day an application's 公示 began (when its 终评 passed),
-- and the objections raised while it was published, each resolved.
ALTER TABLE applications ADD COLUMN publicity_from DATE;
CREATE TABLE application_objections (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    objection TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_on DATE NOT NULL,
    resolution TEXT,
    resolved_by TEXT,
    resolved_on DATE
);
CREATE INDEX application_objections_of ON application_objections (application_id);
