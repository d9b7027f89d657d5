DROP TABLE submitted_records;
