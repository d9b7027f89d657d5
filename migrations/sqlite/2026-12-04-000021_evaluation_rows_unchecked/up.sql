-- evaluation_rows is written only by compliance::store, from the engine's
-- typed Indicator, Pace and Source (src/db/types.rs writes their codes, and
-- a row holding anything else fails to load). Its three code triggers ran
-- per inserted row: storing a national five-year evaluation (300,000 rows)
-- took 5.4 s with them and 0.96 s without (sqlite3, the same INSERT). The
-- UPDATE triggers stay: nothing updates these rows, and a hand-made change
-- is still checked. activity_records and record_totals went unchecked for
-- the same reason (migration 2026-12-02-000007_checked_codes).
DROP TRIGGER evaluation_rows_indicator_code_ins;
DROP TRIGGER evaluation_rows_pace_code_ins;
DROP TRIGGER evaluation_rows_source_code_ins;
