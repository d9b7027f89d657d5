-- An evaluation's scorecard rows become one value per evaluation: CSV with a
-- header line, which basewatch writes zstd-compressed and src/db/evaluations.rs
-- reads back and checks. A stored scorecard is written once and never
-- updated, and is read whole or for a few bases; as a table row per scorecard
-- row, storing a national five-year evaluation (300,000 rows, 3.3 million
-- values to bind) took longer than computing it. Every stored evaluation
-- keeps its rows, in their order, here as plain CSV (SQL cannot compress;
-- the reader takes both).
CREATE TABLE evaluation_scorecards (
    evaluation_id INTEGER PRIMARY KEY NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    row_count BIGINT NOT NULL CHECK (row_count >= 0),
    scorecard BLOB NOT NULL
);
INSERT INTO evaluation_scorecards (evaluation_id, row_count, scorecard)
SELECT e.id,
       count(r.id),
       CAST('base_id,indicator,actual,target,gap,met,pace,source,disagreement,base_pass' || char(10)
       || coalesce(group_concat(
            r.base_id || ',' || r.indicator || ',' || coalesce(r.actual, '') || ',' || r.target || ','
            || r.gap || ',' || (CASE WHEN r.met THEN 1 ELSE 0 END) || ',' || coalesce(r.pace, '') || ','
            || r.source || ',' || (CASE WHEN r.disagreement THEN 1 ELSE 0 END) || ','
            || (CASE WHEN r.base_pass THEN 1 ELSE 0 END) || char(10),
            '' ORDER BY r.id), '') AS BLOB)
FROM evaluations e LEFT JOIN evaluation_rows r ON r.evaluation_id = e.id
GROUP BY e.id;
DROP TABLE evaluation_rows;
