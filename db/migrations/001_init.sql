-- hqd schema 1: plans, their items and tasks, the department directory, the audit log.
-- Portable SQL: SQLite and PostgreSQL both accept it; {{id}} is the backend's
-- auto-increment primary key column type. Times are ISO 8601 UTC text, dates ISO text.

CREATE TABLE departments (
    id           {{id}},
    name         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('government','company','collective','township','other')),
    canonical_id BIGINT REFERENCES departments(id),
    created_at   TEXT NOT NULL
);

CREATE TABLE plans (
    id            {{id}},
    title         TEXT NOT NULL,
    doc_number    TEXT,
    signed_on     TEXT,
    published_on  TEXT,
    recipients    TEXT NOT NULL,            -- JSON array of names
    encoding      TEXT NOT NULL,            -- of the imported file
    file_name     TEXT,
    source_sha256 TEXT NOT NULL UNIQUE,     -- of source_text
    source_text   TEXT NOT NULL,            -- normalised UTF-8; spans index it in characters
    imported_at   TEXT NOT NULL
);

CREATE TABLE items (
    id          {{id}},
    plan_id     BIGINT NOT NULL REFERENCES plans(id),
    parent_id   BIGINT REFERENCES items(id),
    seq         INTEGER NOT NULL,           -- document order within the plan
    path        TEXT NOT NULL,
    marker      TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    is_leaf     INTEGER NOT NULL,
    span_start  INTEGER NOT NULL,
    span_end    INTEGER NOT NULL,
    UNIQUE (plan_id, path)
);

CREATE TABLE tasks (
    id             {{id}},
    plan_id        BIGINT NOT NULL REFERENCES plans(id),
    item_id        BIGINT NOT NULL REFERENCES items(id),
    seq            INTEGER NOT NULL,        -- 1-based order within the plan
    marker         TEXT,                    -- measure marker (一是), NULL for a whole item
    text           TEXT NOT NULL,
    span_start     INTEGER NOT NULL,
    span_end       INTEGER NOT NULL,
    deadline       TEXT,                    -- ISO date or NULL
    deadline_text  TEXT,
    UNIQUE (plan_id, seq)
);

CREATE TABLE task_depts (
    task_id   BIGINT NOT NULL REFERENCES tasks(id),
    dept_id   BIGINT NOT NULL REFERENCES departments(id),
    role      TEXT NOT NULL CHECK (role IN ('lead','co')),
    position  INTEGER NOT NULL,             -- order as written in the plan
    PRIMARY KEY (task_id, dept_id, role)
);
CREATE INDEX task_depts_dept ON task_depts(dept_id);

CREATE TABLE figures (
    id          {{id}},
    plan_id     BIGINT NOT NULL REFERENCES plans(id),
    item_id     BIGINT NOT NULL REFERENCES items(id),
    task_id     BIGINT REFERENCES tasks(id),  -- NULL when the figure is in an item's own text
    kind        TEXT NOT NULL CHECK (kind IN ('money','percent','count')),
    text        TEXT NOT NULL,
    value       TEXT NOT NULL,
    unit        TEXT NOT NULL,
    fen         BIGINT,
    bp          BIGINT,
    approx      INTEGER NOT NULL,
    bound       TEXT,
    span_start  INTEGER NOT NULL,
    span_end    INTEGER NOT NULL
);
CREATE INDEX figures_task ON figures(task_id);

CREATE TABLE audit_log (
    id         BIGINT PRIMARY KEY,            -- assigned by audit_append: 1, 2, 3 …
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT,
    before     TEXT,
    after      TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
