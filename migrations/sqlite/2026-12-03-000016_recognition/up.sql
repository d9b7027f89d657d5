-- 第九条: the yearly recognition round, and the applications that pass
-- through its stages (形式审查 → 初评和考察 → 终评 → 公示 → 公布和命名).
CREATE TABLE recognition_rounds (
    year INTEGER PRIMARY KEY,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL
);
-- One application per host (统一社会信用代码) and type per round (第八条:
-- one channel); `stage` is the last stage passed, `outcome` open,
-- rejected or named.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL REFERENCES recognition_rounds (year),
    host TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    base_type TEXT NOT NULL CHECK (base_type IN ('iar', 'incubation', 'international')),
    channel TEXT NOT NULL CHECK (channel IN ('city', 'society', 'institution')),
    unit_id INTEGER NOT NULL REFERENCES recommending_units (id),
    city TEXT NOT NULL,
    registered_on DATE,
    figures TEXT NOT NULL,
    stage TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('open', 'rejected', 'named')),
    base_code TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (year, credit_code, base_type)
);
-- Every step, with who, when and why.
CREATE TABLE application_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    stage TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('pass', 'reject')),
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX application_steps_of ON application_steps (application_id);
