ALTER TABLE rectifications DROP COLUMN decision_reason;
ALTER TABLE rectifications DROP COLUMN extended_from;
ALTER TABLE rectifications DROP COLUMN proposal;
ALTER TABLE rectifications DROP COLUMN reason;
ALTER TABLE rectifications DROP COLUMN shortfalls;
