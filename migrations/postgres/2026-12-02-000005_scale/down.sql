ALTER TABLE evaluations DROP COLUMN digest;
DROP TABLE record_totals;
DROP INDEX activity_records_base_year;
DROP INDEX activity_records_key;
CREATE INDEX activity_records_year ON activity_records (year, base_id, indicator);
ALTER TABLE activity_records ADD CONSTRAINT activity_records_base_id_record_key_key UNIQUE (base_id, record_key);
