DROP TABLE application_documents;
DROP TABLE application_reviews;
ALTER TABLE recognition_rounds DROP COLUMN closes_on;
ALTER TABLE recognition_rounds DROP COLUMN opens_on;
