-- 第十四条(三): a base reports its own activities. A record it enters waits
-- here, 待审核, until its recommending unit (or province staff) approves it
-- (it is then written to activity_records through the importer's writer,
-- so it counts exactly as an imported record) or returns it with a reason
-- (the base corrects it and submits it again). Records entered by province
-- staff are approved at once.
CREATE TABLE submitted_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id INTEGER NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    quantity INTEGER NOT NULL,
    title TEXT NOT NULL,
    evidence_url TEXT NOT NULL,
    partner TEXT NOT NULL,
    review TEXT NOT NULL CHECK (review IN ('pending', 'approved', 'returned')),
    entered_by TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    review_reason TEXT NOT NULL,
    record_id INTEGER
);
CREATE INDEX submitted_records_base ON submitted_records (base_id, review);
