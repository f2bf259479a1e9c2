-- hqd schema 15: which stored rule pack is in force. Loading a pack (or setting a parameter,
-- which stores a new version) makes it current, also when the same text was stored before.
ALTER TABLE policy_packs ADD COLUMN activated BIGINT NOT NULL DEFAULT 0;
UPDATE policy_packs SET activated = id;
