-- hqd schema 20: 兑现时限. The working days the clause's pack version gives the office from 受理 to its
-- decision (pack line "deadline N 说明"), and the date they end, fixed when the application is
-- filed (a calendar changed later does not move a promise already made). NULL: no limit.
ALTER TABLE applications ADD COLUMN limit_wd INTEGER CHECK (limit_wd IS NULL OR limit_wd > 0);
ALTER TABLE applications ADD COLUMN due_on TEXT CHECK (due_on IS NULL OR length(due_on) = 10);
CREATE INDEX applications_due ON applications(status, due_on) WHERE due_on IS NOT NULL;
