-- hqd schema 10: 惠企政策 applications and the append-only, hash-chained payout ledger.
CREATE TABLE policy_packs (
    id          {{id}},
    sha256      TEXT NOT NULL UNIQUE,       -- of text: what every computation names
    title       TEXT NOT NULL,
    version     TEXT NOT NULL,
    text        TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    loaded_by   TEXT NOT NULL
);

CREATE TABLE applications (
    id             {{id}},
    entity_id      BIGINT NOT NULL REFERENCES entities(id),
    pack_id        BIGINT NOT NULL REFERENCES policy_packs(id),
    clause         TEXT NOT NULL,
    inputs         TEXT NOT NULL,           -- canonical JSON object of name → value
    inputs_sha256  TEXT NOT NULL,
    applied_on     TEXT NOT NULL,           -- YYYY-MM-DD: the law as in force that day
    amount_fen     BIGINT NOT NULL,         -- as computed on submission
    explanation    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('submitted','approved','rejected')),
    submitted_at   TEXT NOT NULL,
    submitted_by   TEXT NOT NULL,
    decided_at     TEXT,
    decided_by     TEXT,
    note           TEXT
);
CREATE INDEX applications_entity ON applications(entity_id, clause);

CREATE TABLE payouts (
    id              {{id}},
    application_id  BIGINT NOT NULL REFERENCES applications(id),
    entity_id       BIGINT NOT NULL REFERENCES entities(id),
    clause          TEXT NOT NULL,
    pack_sha256     TEXT NOT NULL,
    inputs_sha256   TEXT NOT NULL,
    year            INTEGER NOT NULL,
    amount_fen      BIGINT NOT NULL,        -- negative for a reversal (追回)
    cap_used_fen    BIGINT NOT NULL,        -- the entity's yearly total under the clause before it
    reverses_id     BIGINT REFERENCES payouts(id),
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX payouts_entity_year ON payouts(entity_id, clause, year);
