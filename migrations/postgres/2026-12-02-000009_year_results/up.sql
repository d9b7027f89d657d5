-- 第十五条: a year's evaluation is an act. Once province staff confirm a
-- year (定稿), its stored evaluation is the year's result everywhere, and no
-- import may change the year until staff reopen it with a reason.
CREATE TABLE year_results (
    year INTEGER PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('open', 'confirmed')),
    evaluation_id BIGINT REFERENCES evaluations (id),
    rulebook TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    confirmed_by TEXT
);
-- Every confirmation and reopening, with who, when and why.
CREATE TABLE year_result_changes (
    id BIGSERIAL PRIMARY KEY,
    year INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('confirm', 'reopen')),
    reason TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX year_result_changes_year ON year_result_changes (year);
