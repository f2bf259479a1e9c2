-- hqd schema 18: payout ledger lines stored whole (format 3).
-- hqd: rebuilds tables (SQLite cannot turn a column into a generated one; foreign keys are off meanwhile)
--
-- Each line is one BLOB, exactly the bytes its hash covers: a fixed-width ASCII head then five
-- variable strings (docs/internals/policy.md, "Ledger lines"). Every other column is generated
-- from the line, so no column can say something its line does not, and `hqd ledger verify`
-- reads three columns per line instead of twenty-three. Lines also carry the application's
-- inputs and date, so replaying them needs no join.
--
-- Head, 1-based: format 1 | id 2,10 | application 12,10 | entity 22,10 | year 32,4 |
-- amount 36,16 | cap used 52,16 | reverses 68,10 | claimed 78,16 | budget used 94,16 |
-- budget held 110,16 | matter prior 126,16 | batch 142,10 | pack SHA-256 152,64 |
-- created at 216,20 | applied on 236,10 | byte lengths of clause 246,3, matter 249,3,
-- created by 252,3, inputs SHA-256 255,2, inputs 257,5 | the five strings from 262.
-- Integers are zero-padded decimals; money has a sign. Lines written before this schema keep
-- their format (1 or 2) and hash; their inputs are the application's JSON, copied here.
CREATE TABLE payouts_new (
    id    {{id}},
    line  BLOB NOT NULL CHECK (length(CAST(line AS BLOB)) = 261
        + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER)
        + CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 255, 2) AS INTEGER)
        + CAST(substr(CAST(line AS BLOB), 257, 5) AS INTEGER)),
    hash  TEXT NOT NULL,
    format INTEGER GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 1, 1) AS INTEGER)) VIRTUAL,
    application_id BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 12, 10) AS INTEGER)) VIRTUAL,
    entity_id BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 22, 10) AS INTEGER)) VIRTUAL,
    year INTEGER GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 32, 4) AS INTEGER)) VIRTUAL,
    amount_fen BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 36, 16) AS INTEGER)) VIRTUAL,
    cap_used_fen BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 52, 16) AS INTEGER)) VIRTUAL,
    reverses_id BIGINT GENERATED ALWAYS AS (nullif(CAST(substr(CAST(line AS BLOB), 68, 10) AS INTEGER), 0)) VIRTUAL,
    claimed_fen BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 78, 16) AS INTEGER)) VIRTUAL,
    budget_used_fen BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 94, 16) AS INTEGER)) VIRTUAL,
    budget_held_fen BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 110, 16) AS INTEGER)) VIRTUAL,
    matter_prior_fen BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 126, 16) AS INTEGER)) VIRTUAL,
    batch BIGINT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 142, 10) AS INTEGER)) VIRTUAL,
    pack_sha256 TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 152, 64) AS TEXT)) VIRTUAL,
    created_at TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 216, 20) AS TEXT)) VIRTUAL,
    applied_on TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 236, 10) AS TEXT)) VIRTUAL,
    clause TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 262, CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER)) AS TEXT)) VIRTUAL,
    matter TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER), CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER)) AS TEXT)) VIRTUAL,
    created_by TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER), CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER)) AS TEXT)) VIRTUAL,
    inputs_sha256 TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER), CAST(substr(CAST(line AS BLOB), 255, 2) AS INTEGER)) AS TEXT)) VIRTUAL,
    inputs TEXT GENERATED ALWAYS AS (CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 255, 2) AS INTEGER), CAST(substr(CAST(line AS BLOB), 257, 5) AS INTEGER)) AS TEXT)) VIRTUAL
);
INSERT INTO payouts_new (id, line, hash)
SELECT p.id, CAST(printf('%d%010d%010d%010d%04d%+016d%+016d%010d%+016d%+016d%+016d%+016d%010d',
         p.format, p.id, p.application_id, p.entity_id, p.year, p.amount_fen, p.cap_used_fen,
         coalesce(p.reverses_id, 0), p.claimed_fen, p.budget_used_fen, p.budget_held_fen,
         p.matter_prior_fen, p.batch)
       || p.pack_sha256 || p.created_at || coalesce(a.applied_on, '0000-00-00')
       || printf('%03d%03d%03d%02d%05d', length(CAST(p.clause AS BLOB)), length(CAST(p.matter AS BLOB)),
                 length(CAST(p.created_by AS BLOB)), length(CAST(p.inputs_sha256 AS BLOB)), length(CAST(coalesce(a.inputs, '') AS BLOB)))
       || p.clause || p.matter || p.created_by || p.inputs_sha256 || coalesce(a.inputs, '') AS BLOB), p.hash
FROM payouts p LEFT JOIN applications a ON a.id = p.application_id; -- no line is left behind
DROP TABLE payouts;
ALTER TABLE payouts_new RENAME TO payouts;
CREATE INDEX payouts_entity_year ON payouts(entity_id, clause, year);
CREATE INDEX payouts_clause_year ON payouts(clause, year);
CREATE INDEX payouts_matter ON payouts(entity_id, matter);
CREATE INDEX payouts_reverses ON payouts(reverses_id);
-- What an application was paid (every application read sums it; without this index each read
-- scanned the ledger).
CREATE INDEX payouts_application ON payouts(application_id);
