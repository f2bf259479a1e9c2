-- hqd schema 5: 督办 notices with their escalation ladder, accountability events, 销号 closures.
CREATE TABLE notices (
    id             {{id}},
    task_id        BIGINT NOT NULL REFERENCES tasks(id),
    dept_id        BIGINT NOT NULL REFERENCES departments(id),
    level          TEXT NOT NULL CHECK (level IN ('remind','urge','supervise')),  -- 提醒/催办/督办
    reason         TEXT NOT NULL,
    limit_wd       INTEGER NOT NULL,          -- response limit in working days
    issued_on      TEXT NOT NULL,             -- ISO date (China)
    due_on         TEXT NOT NULL,             -- issued_on + limit_wd working days
    status         TEXT NOT NULL CHECK (status IN ('open','signed','answered','accepted','returned','escalated')),
    origin         TEXT NOT NULL CHECK (origin IN ('office','auto')),
    parent_id      BIGINT REFERENCES notices(id),  -- the notice this one escalates
    issued_by      TEXT NOT NULL,
    issued_at      TEXT NOT NULL,
    signed_at      TEXT,
    answered_at    TEXT,
    answer         TEXT,
    decided_at     TEXT,
    decision_note  TEXT
);
CREATE INDEX notices_task ON notices(task_id);
CREATE INDEX notices_dept_status ON notices(dept_id, status);

CREATE TABLE accountability_events (
    id          {{id}},
    notice_id   BIGINT NOT NULL UNIQUE REFERENCES notices(id),
    task_id     BIGINT NOT NULL REFERENCES tasks(id),
    dept_id     BIGINT NOT NULL REFERENCES departments(id),
    kind        TEXT NOT NULL,                 -- 约谈候选
    reason      TEXT NOT NULL,
    created_on  TEXT NOT NULL
);

CREATE TABLE closures (
    id            {{id}},
    task_id       BIGINT NOT NULL REFERENCES tasks(id),
    dept_id       BIGINT NOT NULL REFERENCES departments(id),
    evidence      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('requested','approved','rejected','reopened')),
    requested_by  TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    TEXT,
    note          TEXT
);
CREATE INDEX closures_task ON closures(task_id);

CREATE TABLE supervise_settings (
    plan_id        BIGINT PRIMARY KEY REFERENCES plans(id),
    auto_urge      INTEGER NOT NULL,   -- a task turning red raises a 催办
    remind_wd      INTEGER NOT NULL,   -- response limits per level, working days
    urge_wd        INTEGER NOT NULL,
    supervise_wd   INTEGER NOT NULL
);
