-- hqd schema 14: enterprise accounts (企业账号), each tied to one entity of the registry; they see
-- only their own entity's applications and awards.
-- hqd: rebuilds tables (SQLite cannot change a CHECK in place; foreign keys are off meanwhile)
CREATE TABLE users_new (
    id             {{id}},
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('admin','office','leader','dept','enterprise')),
    dept_id        BIGINT REFERENCES departments(id),
    entity_id      BIGINT REFERENCES entities(id),
    password_hash  TEXT NOT NULL,             -- Argon2id, libsodium crypto_pwhash_str format
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    CHECK ((role = 'dept') = (dept_id IS NOT NULL)),
    CHECK ((role = 'enterprise') = (entity_id IS NOT NULL))
);
INSERT INTO users_new (id, name, role, dept_id, password_hash, disabled, created_at)
SELECT id, name, role, dept_id, password_hash, disabled, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
