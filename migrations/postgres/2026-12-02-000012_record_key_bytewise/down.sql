ALTER TABLE activity_records ALTER COLUMN record_key TYPE TEXT COLLATE "default";
