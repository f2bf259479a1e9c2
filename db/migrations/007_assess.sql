-- hqd schema 7: 考核 — versioned assessment rules and frozen results.
CREATE TABLE assessment_rules (
    id          {{id}},
    plan_id     BIGINT NOT NULL REFERENCES plans(id),
    version     INTEGER NOT NULL,
    content     TEXT NOT NULL,              -- the rules, JSON
    sha256      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (plan_id, version)
);

CREATE TABLE assessments (
    id            {{id}},
    plan_id       BIGINT NOT NULL REFERENCES plans(id),
    rules_id      BIGINT NOT NULL REFERENCES assessment_rules(id),
    period        TEXT NOT NULL,            -- 2020-Q2 or 2020
    status        TEXT NOT NULL CHECK (status IN ('draft','published')),
    results       TEXT NOT NULL,            -- scores with their drill-down, JSON
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    published_at  TEXT,
    published_by  TEXT
);
CREATE INDEX assessments_plan_period ON assessments(plan_id, period);
