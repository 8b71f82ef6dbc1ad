-- A generation's parent was checked twice on every write: by the single-column key of 0001 and
-- by the same-tenant key of 0004, which covers it (both clear the link when the parent goes).
ALTER TABLE generations DROP CONSTRAINT generations_parent_generation_id_fkey;
