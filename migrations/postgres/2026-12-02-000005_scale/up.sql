-- National scale. Records are looked up by key (record_key first, so a batch
-- of keys is one index probe each) and listed per base and year; what an
-- evaluation needs of them is kept summed per base, year and indicator in
-- record_totals, updated inside the import's transaction, so a finished year
-- is never scanned row by row.
ALTER TABLE activity_records DROP CONSTRAINT activity_records_base_id_record_key_key;
DROP INDEX activity_records_year;
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
