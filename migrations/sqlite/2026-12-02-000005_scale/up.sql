-- National scale. Records are looked up by key (record_key first, so a batch
-- of keys is one index probe each) and listed per base and year; what an
-- evaluation needs of them is kept summed per base, year and indicator in
-- record_totals, updated inside the import's transaction, so a finished year
-- is never scanned row by row.
CREATE TABLE activity_records_new (
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
    import_id BIGINT NOT NULL REFERENCES imports (id)
);
INSERT INTO activity_records_new
    SELECT id, base_id, indicator, occurred_on, year, quantity, title, evidence_url,
           external_id, record_key, import_id
    FROM activity_records;
DROP TABLE activity_records;
ALTER TABLE activity_records_new RENAME TO activity_records;
CREATE UNIQUE INDEX activity_records_key ON activity_records (record_key, base_id);
CREATE INDEX activity_records_base_year ON activity_records (base_id, year);

CREATE TABLE record_totals (
    year INTEGER NOT NULL,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    records BIGINT NOT NULL,
    last_on DATE NOT NULL,
    PRIMARY KEY (year, base_id, indicator)
);
INSERT INTO record_totals (year, base_id, indicator, quantity, records, last_on)
    SELECT year, base_id, indicator, SUM(quantity), COUNT(*), MAX(occurred_on)
    FROM activity_records GROUP BY year, base_id, indicator;
CREATE INDEX record_totals_base ON record_totals (base_id, year);

-- A scorecard identical to the last one stored for its year is not stored again.
ALTER TABLE evaluations ADD COLUMN digest TEXT NOT NULL DEFAULT '';
