-- PostgreSQL drops the foreign key of record_totals here (a trigger and a
-- query per row; see its migration). SQLite checks it in-process with one
-- index probe per row, cheap enough to keep. Both drop the (base_id, year)
-- index: every read of record_totals names its year, the key's first column.
DROP INDEX record_totals_base;
