-- Core tables: registry, declared counts, activity records, imports, evaluations.
CREATE TABLE recommending_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL,
    digest TEXT NOT NULL,
    templates TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    problem_count BIGINT NOT NULL,
    report TEXT NOT NULL,
    stored_path TEXT NOT NULL
);
CREATE INDEX imports_digest ON imports (digest, outcome);

CREATE TABLE bases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    base_type TEXT NOT NULL,
    host_unit TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    channel TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES recommending_units (id),
    city TEXT NOT NULL,
    recognised_on DATE NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    status_since DATE NOT NULL,
    cycle_start DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX bases_unit ON bases (unit_id);

CREATE TABLE base_status_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    status TEXT NOT NULL,
    effective_on DATE NOT NULL,
    reason TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX base_status_history_base ON base_status_history (base_id);

CREATE TABLE declared_counts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    value BIGINT NOT NULL,
    as_of DATE NOT NULL,
    import_id BIGINT NOT NULL REFERENCES imports (id),
    UNIQUE (base_id, year, indicator)
);
CREATE INDEX declared_counts_year ON declared_counts (year);

CREATE TABLE declared_count_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    old_value BIGINT,
    new_value BIGINT,
    import_id BIGINT NOT NULL REFERENCES imports (id),
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX declared_count_changes_base ON declared_count_changes (base_id, year);

CREATE TABLE activity_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id BIGINT NOT NULL REFERENCES bases (id),
    indicator TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    year INTEGER NOT NULL,
    quantity BIGINT NOT NULL,
    title TEXT NOT NULL,
    evidence_url TEXT NOT NULL,
    external_id TEXT,
    record_key TEXT NOT NULL,
    import_id BIGINT NOT NULL REFERENCES imports (id),
    UNIQUE (base_id, record_key)
);
CREATE INDEX activity_records_year ON activity_records (year, base_id, indicator);

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    as_of DATE NOT NULL,
    rulebook TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    base_count BIGINT NOT NULL,
    pass_count BIGINT NOT NULL
);
CREATE INDEX evaluations_year ON evaluations (year, computed_at);

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
