-- hqd schema 21: payout ledger lines of format 4, a JSON array.
-- hqd: rebuilds tables (SQLite cannot change a generated column or a CHECK; foreign keys are off meanwhile)
--
-- New lines are written as one compact JSON array (docs/internals/policy.md, "Ledger lines"):
--   [4, id, application, entity, year, amount, cap used, reverses, claimed, budget used,
--    budget held, matter prior, batch, pack (policy_packs.id), "created at", "applied on",
--    "clause", "matter", "created by", ["input name", "value", ...]]
-- about 200 bytes where format 3 took 350 (money at its own width, the pack by its number), so
-- the verifier reads and hashes less per line. Lines of formats 1-3 keep their bytes and hash;
-- every generated column reads either layout (a format-4 line starts with '[').
CREATE TABLE payouts_new (
    id    {{id}},
    line  BLOB NOT NULL CHECK (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B'
        THEN json_valid(CAST(line AS TEXT)) AND json_array_length(CAST(line AS TEXT)) = 20
        ELSE length(CAST(line AS BLOB)) = 261 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 255, 2) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 257, 5) AS INTEGER) END),
    hash  TEXT NOT NULL,
    format INTEGER GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[0]') ELSE CAST(substr(CAST(line AS BLOB), 1, 1) AS INTEGER) END) VIRTUAL,
    application_id BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[2]') ELSE CAST(substr(CAST(line AS BLOB), 12, 10) AS INTEGER) END) VIRTUAL,
    entity_id BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[3]') ELSE CAST(substr(CAST(line AS BLOB), 22, 10) AS INTEGER) END) VIRTUAL,
    year INTEGER GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[4]') ELSE CAST(substr(CAST(line AS BLOB), 32, 4) AS INTEGER) END) VIRTUAL,
    amount_fen BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[5]') ELSE CAST(substr(CAST(line AS BLOB), 36, 16) AS INTEGER) END) VIRTUAL,
    cap_used_fen BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[6]') ELSE CAST(substr(CAST(line AS BLOB), 52, 16) AS INTEGER) END) VIRTUAL,
    reverses_id BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN nullif(json_extract(CAST(line AS TEXT), '$[7]'), 0) ELSE nullif(CAST(substr(CAST(line AS BLOB), 68, 10) AS INTEGER), 0) END) VIRTUAL,
    claimed_fen BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[8]') ELSE CAST(substr(CAST(line AS BLOB), 78, 16) AS INTEGER) END) VIRTUAL,
    budget_used_fen BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[9]') ELSE CAST(substr(CAST(line AS BLOB), 94, 16) AS INTEGER) END) VIRTUAL,
    budget_held_fen BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[10]') ELSE CAST(substr(CAST(line AS BLOB), 110, 16) AS INTEGER) END) VIRTUAL,
    matter_prior_fen BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[11]') ELSE CAST(substr(CAST(line AS BLOB), 126, 16) AS INTEGER) END) VIRTUAL,
    batch BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[12]') ELSE CAST(substr(CAST(line AS BLOB), 142, 10) AS INTEGER) END) VIRTUAL,
    pack_sha256 TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN NULL ELSE CAST(substr(CAST(line AS BLOB), 152, 64) AS TEXT) END) VIRTUAL,
    pack_id BIGINT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[13]') ELSE NULL END) VIRTUAL,
    created_at TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[14]') ELSE CAST(substr(CAST(line AS BLOB), 216, 20) AS TEXT) END) VIRTUAL,
    applied_on TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[15]') ELSE CAST(substr(CAST(line AS BLOB), 236, 10) AS TEXT) END) VIRTUAL,
    clause TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[16]') ELSE CAST(substr(CAST(line AS BLOB), 262, CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER)) AS TEXT) END) VIRTUAL,
    matter TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[17]') ELSE CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER), CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER)) AS TEXT) END) VIRTUAL,
    created_by TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[18]') ELSE CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER), CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER)) AS TEXT) END) VIRTUAL,
    inputs_sha256 TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN NULL ELSE CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER), CAST(substr(CAST(line AS BLOB), 255, 2) AS INTEGER)) AS TEXT) END) VIRTUAL,
    inputs TEXT GENERATED ALWAYS AS (CASE WHEN substr(CAST(line AS BLOB), 1, 1) = X'5B' THEN json_extract(CAST(line AS TEXT), '$[19]') ELSE CAST(substr(CAST(line AS BLOB), 262 + CAST(substr(CAST(line AS BLOB), 246, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 249, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 252, 3) AS INTEGER) + CAST(substr(CAST(line AS BLOB), 255, 2) AS INTEGER), CAST(substr(CAST(line AS BLOB), 257, 5) AS INTEGER)) AS TEXT) END) VIRTUAL
);
INSERT INTO payouts_new (id, line, hash) SELECT id, line, hash FROM payouts;
DROP TABLE payouts;
ALTER TABLE payouts_new RENAME TO payouts;
CREATE INDEX payouts_entity_year ON payouts(entity_id, clause, year);
CREATE INDEX payouts_clause_year ON payouts(clause, year);
CREATE INDEX payouts_matter ON payouts(entity_id, matter);
CREATE INDEX payouts_reverses ON payouts(reverses_id);
CREATE INDEX payouts_application ON payouts(application_id);
-- A format-4 line names its pack by number; the number's SHA-256 is the one the audit log's
-- (hash-chained) policy.load entry recorded, which the verifier looks up here.
CREATE INDEX IF NOT EXISTS audit_log_pack_loads ON audit_log(entity_id) WHERE action = 'policy.load';
