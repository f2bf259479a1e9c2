-- hqd schema 2: working-day calendar additions beyond the shipped data (hqd calendar add).
CREATE TABLE calendar_days (
    day       TEXT PRIMARY KEY,                 -- ISO date
    kind      TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
    name      TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    added_by  TEXT NOT NULL
);
