-- 责令限期整改: one row per order, with its deadline and how it ended.
CREATE TABLE rectifications (
    id BIGSERIAL PRIMARY KEY,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    year INTEGER NOT NULL,
    ordered_on DATE NOT NULL,
    deadline DATE NOT NULL,
    ordered_by TEXT NOT NULL,
    outcome TEXT NOT NULL,
    decided_on DATE,
    decided_by TEXT NOT NULL,
    UNIQUE (base_id, year)
);
