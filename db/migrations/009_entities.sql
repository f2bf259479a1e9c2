-- hqd schema 9: the registry of enterprises, institutions and funds (keyed by 统一社会信用代码)
-- and the facts that incentive rules read, each with its source and date.
CREATE TABLE entities (
    id          {{id}},
    uscc        TEXT NOT NULL UNIQUE,       -- 18 characters, check digit verified (GB 32100-2015)
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('enterprise','institution','fund')),
    in_zone     INTEGER NOT NULL CHECK (in_zone IN (0,1)),
    industry    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE entity_facts (
    id           {{id}},
    entity_id    BIGINT NOT NULL REFERENCES entities(id),
    name         TEXT NOT NULL,             -- the input name rules read, e.g. amount, patents
    value        TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('market','tax','contract-registry','self')),
    as_of        TEXT NOT NULL,             -- YYYY-MM-DD
    recorded_at  TEXT NOT NULL
);
CREATE INDEX entity_facts_entity ON entity_facts(entity_id, name, as_of);
