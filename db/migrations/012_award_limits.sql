-- hqd schema 12: budgets, exclusivity and evidence for 惠企政策 awards.
-- Ledger lines of format 2 also record what the budget and the exclusivity group had consumed
-- before them, so that `hqd ledger verify` can replay the allocation.
ALTER TABLE payouts ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE payouts ADD COLUMN claimed_fen BIGINT NOT NULL DEFAULT 0;     -- the award before budget and exclusivity
ALTER TABLE payouts ADD COLUMN budget_used_fen BIGINT NOT NULL DEFAULT 0; -- paid under the clause that year before it
ALTER TABLE payouts ADD COLUMN budget_held_fen BIGINT NOT NULL DEFAULT 0; -- held for earlier pending applications (fcfs)
ALTER TABLE payouts ADD COLUMN matter TEXT NOT NULL DEFAULT '';          -- exclusivity group and matter key
ALTER TABLE payouts ADD COLUMN matter_prior_fen BIGINT NOT NULL DEFAULT 0; -- paid for the matter before it
ALTER TABLE payouts ADD COLUMN batch BIGINT NOT NULL DEFAULT 0;          -- pro-rata batch (first line's id), or 0
CREATE INDEX payouts_clause_year ON payouts(clause, year);
CREATE INDEX payouts_matter ON payouts(entity_id, matter);

ALTER TABLE applications ADD COLUMN year INTEGER NOT NULL DEFAULT 0;     -- of applied_on: the budget year
UPDATE applications SET year = CAST(substr(applied_on, 1, 4) AS INTEGER);
CREATE INDEX applications_pending ON applications(clause, year, status);

-- Evidence (证明材料) filed with an application.
CREATE TABLE application_files (
    id              {{id}},
    application_id  BIGINT NOT NULL REFERENCES applications(id),
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    data            BLOB NOT NULL,
    uploaded_by     BIGINT NOT NULL REFERENCES users(id),
    uploaded_at     TEXT NOT NULL
);
CREATE INDEX application_files_application ON application_files(application_id);
