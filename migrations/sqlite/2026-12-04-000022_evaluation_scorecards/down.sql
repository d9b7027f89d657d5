-- Scorecards that basewatch compressed cannot be split back in SQL: while
-- any is stored, this migration stops here (the CHECK fails) and changes
-- nothing.
CREATE TEMP TABLE evaluation_scorecards_down_guard (
    compressed BIGINT CONSTRAINT compressed_scorecards_cannot_be_reverted_in_sql CHECK (compressed = 0)
);
INSERT INTO evaluation_scorecards_down_guard
SELECT count(*) FROM evaluation_scorecards WHERE substr(scorecard, 1, 4) = X'28B52FFD';
DROP TABLE evaluation_scorecards_down_guard;
CREATE TABLE evaluation_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL,
    actual BIGINT,
    target BIGINT NOT NULL,
    gap BIGINT NOT NULL,
    met BOOLEAN NOT NULL,
    pace TEXT,
    source TEXT NOT NULL,
    disagreement BOOLEAN NOT NULL,
    base_pass BOOLEAN NOT NULL
);
CREATE INDEX evaluation_rows_evaluation ON evaluation_rows (evaluation_id, base_id);
CREATE TRIGGER evaluation_rows_indicator_code_upd BEFORE UPDATE OF indicator ON evaluation_rows
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.indicator'); END;
CREATE TRIGGER evaluation_rows_pace_code_upd BEFORE UPDATE OF pace ON evaluation_rows
WHEN NEW.pace NOT IN ('on_track', 'behind', 'unable', 'not_reported')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.pace'); END;
CREATE TRIGGER evaluation_rows_source_code_upd BEFORE UPDATE OF source ON evaluation_rows
WHEN NEW.source NOT IN ('declared', 'records', 'none')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.source'); END;
-- Each line (after the header) as a JSON array of its ten fields: the
-- fields are digits and codes, never a quote or a backslash.
WITH lines AS (
    SELECT s.evaluation_id AS evaluation_id, l.key AS n,
           '["' || replace(l.value, ',', '","') || '"]' AS f
    FROM evaluation_scorecards s,
         json_each('["' || replace(rtrim(CAST(s.scorecard AS TEXT), char(10)), char(10), '","') || '"]') l
    WHERE l.key > 0
)
INSERT INTO evaluation_rows (evaluation_id, base_id, indicator, actual, target, gap, met, pace, source, disagreement, base_pass)
SELECT evaluation_id,
       CAST(json_extract(f, '$[0]') AS INTEGER),
       json_extract(f, '$[1]'),
       CAST(nullif(json_extract(f, '$[2]'), '') AS INTEGER),
       CAST(json_extract(f, '$[3]') AS INTEGER),
       CAST(json_extract(f, '$[4]') AS INTEGER),
       json_extract(f, '$[5]') = '1',
       nullif(json_extract(f, '$[6]'), ''),
       json_extract(f, '$[7]'),
       json_extract(f, '$[8]') = '1',
       json_extract(f, '$[9]') = '1'
FROM lines
ORDER BY evaluation_id, n;
DROP TABLE evaluation_scorecards;
