-- An order may be for documents not submitted by their due date
-- (第十四条(四)): the kinds, comma-separated; empty for a failed year's
-- indicators (第十条).
ALTER TABLE rectifications ADD COLUMN missing_documents TEXT NOT NULL DEFAULT '';
