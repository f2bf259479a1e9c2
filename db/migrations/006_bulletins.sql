-- hqd schema 6: 通报 bulletins, generated as drafts and frozen when published.
CREATE TABLE bulletins (
    id            {{id}},
    plan_id       BIGINT NOT NULL REFERENCES plans(id),
    period        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft','published')),
    number        INTEGER,                  -- 期号 within the plan, set when published
    content       TEXT NOT NULL,            -- the snapshot, JSON
    generated_at  TEXT NOT NULL,
    generated_by  TEXT NOT NULL,
    published_at  TEXT,
    published_by  TEXT,
    html          BLOB,                     -- the frozen renderings, set when published
    xlsx          BLOB,
    docx          BLOB,
    html_sha256   TEXT,
    xlsx_sha256   TEXT,
    docx_sha256   TEXT,
    UNIQUE (plan_id, period)
);
