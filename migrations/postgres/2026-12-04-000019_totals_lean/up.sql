-- record_totals is written by the same code path as activity_records (the
-- importer, inside the import's transaction, with base ids it read there),
-- and bases are never deleted. Its foreign key was a trigger and a query per
-- row: a national import's 300,000 totals took 2.6 s to add, most of it in
-- those checks. The records lost theirs for the same reason (migration
-- 2026-12-02-000006_records_unchecked).
ALTER TABLE record_totals DROP CONSTRAINT record_totals_base_id_fkey;
-- Every read of record_totals names its year (the key's first column), so
-- the (base_id, year) index served nothing and cost every import a second
-- b-tree insert per total (0.45 s of the 300,000).
DROP INDEX record_totals_base;
