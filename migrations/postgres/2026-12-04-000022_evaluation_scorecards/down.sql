-- Scorecards that basewatch compressed cannot be split back in SQL: while
-- any is stored, this migration stops here and changes nothing.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM evaluation_scorecards WHERE substr(scorecard, 1, 4) = '\x28b52ffd'::bytea) THEN
        RAISE EXCEPTION 'compressed scorecards cannot be reverted in SQL';
    END IF;
END
$$;
CREATE TABLE evaluation_rows (
    id BIGSERIAL PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL CONSTRAINT evaluation_rows_indicator_code CHECK (indicator IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')),
    actual BIGINT,
    target BIGINT NOT NULL,
    gap BIGINT NOT NULL,
    met BOOLEAN NOT NULL,
    pace TEXT CONSTRAINT evaluation_rows_pace_code CHECK (pace IN ('on_track', 'behind', 'unable', 'not_reported')),
    source TEXT NOT NULL CONSTRAINT evaluation_rows_source_code CHECK (source IN ('declared', 'records', 'none')),
    disagreement BOOLEAN NOT NULL,
    base_pass BOOLEAN NOT NULL
);
CREATE INDEX evaluation_rows_evaluation ON evaluation_rows (evaluation_id, base_id);
INSERT INTO evaluation_rows (evaluation_id, base_id, indicator, actual, target, gap, met, pace, source, disagreement, base_pass)
SELECT s.evaluation_id, f[1]::bigint, f[2], nullif(f[3], '')::bigint, f[4]::bigint, f[5]::bigint,
       f[6] = '1', nullif(f[7], ''), f[8], f[9] = '1', f[10] = '1'
FROM evaluation_scorecards s,
     LATERAL unnest(string_to_array(rtrim(convert_from(s.scorecard, 'UTF8'), E'\n'), E'\n')) WITH ORDINALITY AS l (line, n),
     LATERAL string_to_array(l.line, ',') AS f
WHERE l.n > 1
ORDER BY s.evaluation_id, l.n;
DROP TABLE evaluation_scorecards;
