-- hqd schema 19: facts of one matter (事项) of an entity — one technology contract, one transfer
-- project — so that an entity with several contracts is matched once per contract. A fact with
-- matter_key '' describes the entity as a whole (every fact before this schema). Otherwise
-- matter_key is the input a clause names its matters by (`exclusive GROUP KEY` in the pack, e.g.
-- contract_no) and matter that input's value (the contract number). The newest value counts per
-- (entity, matter_key, matter, name).
ALTER TABLE entity_facts ADD COLUMN matter_key TEXT NOT NULL DEFAULT '';
ALTER TABLE entity_facts ADD COLUMN matter TEXT NOT NULL DEFAULT '';
-- The entities that have matters (few, next to every entity's own facts): bulk matching corrects
-- their rows. Lookups by (entity_id, name) keep using entity_facts_entity.
CREATE INDEX entity_facts_matters ON entity_facts(entity_id) WHERE matter_key <> '';
