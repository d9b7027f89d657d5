ALTER TABLE evaluations DROP COLUMN digest;
DROP TABLE record_totals;
CREATE TABLE activity_records_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    year INTEGER NOT NULL,
    quantity BIGINT NOT NULL,
    title TEXT NOT NULL,
    evidence_url TEXT NOT NULL,
    external_id TEXT,
    record_key TEXT NOT NULL,
    import_id BIGINT NOT NULL REFERENCES imports (id),
    UNIQUE (base_id, record_key)
);
INSERT INTO activity_records_old SELECT * FROM activity_records;
DROP TABLE activity_records;
ALTER TABLE activity_records_old RENAME TO activity_records;
CREATE INDEX activity_records_year ON activity_records (year, base_id, indicator);
