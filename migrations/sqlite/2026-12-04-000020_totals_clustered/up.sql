-- An evaluation reads a year of record_totals (the key's first column). In
-- a rowid table that is a walk of the key's index plus a lookup of each row
-- in the table; WITHOUT ROWID keeps the rows in the key's b-tree, so a
-- year is one contiguous range and the import's upsert writes one b-tree,
-- not two. (PostgreSQL has no such choice; its migrations stay as they are.)
CREATE TABLE record_totals_clustered (
    year INTEGER NOT NULL,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    records BIGINT NOT NULL,
    last_on DATE NOT NULL,
    PRIMARY KEY (year, base_id, indicator)
) WITHOUT ROWID;
INSERT INTO record_totals_clustered (year, base_id, indicator, quantity, records, last_on)
    SELECT year, base_id, indicator, quantity, records, last_on FROM record_totals;
DROP TABLE record_totals;
ALTER TABLE record_totals_clustered RENAME TO record_totals;
