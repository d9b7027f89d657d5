ALTER TABLE evaluations DROP COLUMN digest;
DROP TABLE record_totals;
CREATE INDEX activity_records_year ON activity_records (year, base_id, indicator);
