-- hqd schema 13: the newest value of every fact as columns, for bulk matching (免申即享).
-- Row i of a column is the entity with id i (ids are dense: entities are never deleted).
-- vals holds the value ×100 (fen for money, 100 per unit for counts, so "1" is 100; -1 for the
-- words 是/true/yes, -2 for 否/false/no, -3 for other text) as little-endian signed integers of `width` bytes (1, 4 or 8), the smallest that
-- holds every value; the type's minimum marks "no numeric value". days holds, per row, the
-- as-of date (days since 1970-01-01, plus one; 0 for none) that decides which value is newest.
-- Column "@kind" holds each entity's kind (1 enterprise, 2 institution, 4 fund) instead.
-- Kept in the same transaction as every import, so it never disagrees with entity_facts.
CREATE TABLE fact_columns (
    name   TEXT PRIMARY KEY,
    width  INTEGER NOT NULL CHECK (width IN (1, 4, 8)),
    n      BIGINT NOT NULL,
    vals   BLOB NOT NULL,
    days   BLOB NOT NULL
);
