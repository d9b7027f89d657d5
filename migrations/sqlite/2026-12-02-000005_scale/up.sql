-- National scale. What an evaluation needs of the records is kept summed per
-- year, base and indicator in record_totals, updated inside the import's
-- transaction, so a finished year is never scanned row by row. Records keep
-- one secondary index, the unique (base_id, record_key), which also serves
-- every per-base lookup: the year index cost every import a second random
-- b-tree insert per row and served only the scans that record_totals replaces.
DROP INDEX activity_records_year;

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
