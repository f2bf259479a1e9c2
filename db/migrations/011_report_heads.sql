-- hqd schema 11: the newest lead/co report of each task and period, kept on every submission,
-- so that lights read one row per task and period however often a report was amended.
CREATE TABLE report_heads (
    task_id   BIGINT NOT NULL REFERENCES tasks(id),
    role      TEXT NOT NULL CHECK (role IN ('lead','co')),
    period    TEXT NOT NULL,
    progress  INTEGER,                      -- of the newest submission
    late      INTEGER NOT NULL,             -- any submission for the period was late
    report_id BIGINT NOT NULL REFERENCES reports(id),
    PRIMARY KEY (task_id, role, period)
);
INSERT INTO report_heads (task_id, role, period, progress, late, report_id)
SELECT r.task_id, r.role, r.period, r.progress,
       (SELECT max(x.late) FROM reports x
         WHERE x.task_id = r.task_id AND x.role = r.role AND x.period = r.period),
       r.id
  FROM reports r
 WHERE r.id = (SELECT max(y.id) FROM reports y
                WHERE y.task_id = r.task_id AND y.role = r.role AND y.period = r.period);
