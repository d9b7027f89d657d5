DROP TABLE application_objections;
ALTER TABLE applications DROP COLUMN publicity_from;
