-- hqd schema 3: accounts and sessions, reporting periods, progress reports with attachments,
-- traffic lights per task per period.

CREATE TABLE users (
    id             {{id}},
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('admin','office','leader','dept')),
    dept_id        BIGINT REFERENCES departments(id),
    password_hash  TEXT NOT NULL,             -- Argon2id, libsodium crypto_pwhash_str format
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    CHECK ((role = 'dept') = (dept_id IS NOT NULL))
);

CREATE TABLE sessions (
    id          {{id}},
    token_hash  TEXT NOT NULL UNIQUE,          -- SHA-256 of the token; the token is never stored
    user_id     BIGINT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL CHECK (kind IN ('session','api')),
    label       TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE plan_settings (
    plan_id           BIGINT PRIMARY KEY REFERENCES plans(id),
    cadence           TEXT NOT NULL CHECK (cadence IN ('weekly','monthly','quarterly')),
    report_due_wd     INTEGER NOT NULL,       -- working days after a period ends
    start_on          TEXT NOT NULL,          -- ISO date
    end_on            TEXT NOT NULL,
    yellow_behind     INTEGER NOT NULL,       -- points behind 序时进度 that turn a task yellow
    red_behind        INTEGER NOT NULL,       -- … and red (strictly more than)
    missing_red       INTEGER NOT NULL        -- periods in a row without a report that turn it red
);

CREATE TABLE task_schedule (
    task_id     BIGINT PRIMARY KEY REFERENCES tasks(id),
    start_on    TEXT,                          -- NULL: the plan's start
    due_on      TEXT,                          -- NULL: the parsed deadline, else the plan's end
    closed_on   TEXT                           -- 销号 date (a later issue), NULL while open
);

CREATE TABLE reports (
    id            {{id}},
    task_id       BIGINT NOT NULL REFERENCES tasks(id),
    dept_id       BIGINT NOT NULL REFERENCES departments(id),
    role          TEXT NOT NULL CHECK (role IN ('lead','co')),
    period        TEXT NOT NULL,               -- 2020-04, 2020-W15, 2020-Q2
    version       INTEGER NOT NULL,            -- 1, 2, … : amendments are new rows
    progress      INTEGER CHECK (progress BETWEEN 0 AND 100),  -- lead reports only
    done          TEXT NOT NULL,               -- 完成情况 (lead) / 配合情况 (co)
    problems      TEXT NOT NULL,               -- 存在问题
    next_steps    TEXT NOT NULL,               -- 下步打算
    late          INTEGER NOT NULL,
    submitted_by  BIGINT NOT NULL REFERENCES users(id),
    submitted_at  TEXT NOT NULL,
    UNIQUE (task_id, dept_id, role, period, version)
);
CREATE INDEX reports_task_period ON reports(task_id, period);

CREATE TABLE attachments (
    id            {{id}},
    report_id     BIGINT NOT NULL REFERENCES reports(id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    uploaded_by   BIGINT NOT NULL REFERENCES users(id),
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX attachments_report ON attachments(report_id);

CREATE TABLE lights (
    task_id     BIGINT NOT NULL REFERENCES tasks(id),
    period      TEXT NOT NULL,
    light       TEXT NOT NULL CHECK (light IN ('green','yellow','red')),
    expected    INTEGER NOT NULL,              -- 序时进度, 0–100
    progress    INTEGER,                       -- latest reported, NULL if none
    reason      TEXT NOT NULL,                 -- why, in Chinese
    frozen      INTEGER NOT NULL,              -- 1 once the period is closed
    computed_at TEXT NOT NULL,
    PRIMARY KEY (task_id, period)
);

CREATE TABLE period_closures (
    plan_id    BIGINT NOT NULL REFERENCES plans(id),
    period     TEXT NOT NULL,
    closed_at  TEXT NOT NULL,
    closed_by  TEXT NOT NULL,
    PRIMARY KEY (plan_id, period)
);
