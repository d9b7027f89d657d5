CREATE TABLE record_totals_rowid (
    year INTEGER NOT NULL,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    records BIGINT NOT NULL,
    last_on DATE NOT NULL,
    PRIMARY KEY (year, base_id, indicator)
);
INSERT INTO record_totals_rowid (year, base_id, indicator, quantity, records, last_on)
    SELECT year, base_id, indicator, quantity, records, last_on FROM record_totals;
DROP TABLE record_totals;
ALTER TABLE record_totals_rowid RENAME TO record_totals;
