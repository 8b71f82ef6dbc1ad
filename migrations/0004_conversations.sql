-- Multi-turn editing, grounding and streamed progress.
--
-- A turn's history is the chain of its parents (parent_generation_id), so a conversation is a
-- tree: continuing from any earlier turn starts a branch. What the model answered is kept as
-- parts that reference stored images by their output position, so a later turn replays it
-- exactly (text, signatures, images) without storing any image twice.

-- [{"text": "...", "thoughtSignature": "..."}, {"image": 0, "thoughtSignature": "..."}, ...]
ALTER TABLE generations ADD COLUMN response_parts jsonb
    CHECK (response_parts IS NULL OR jsonb_typeof(response_parts) = 'array');
-- groundingMetadata as Google sent it (sources, queries, search entry point).
ALTER TABLE generations ADD COLUMN grounding jsonb
    CHECK (grounding IS NULL OR jsonb_typeof(grounding) = 'object');
-- Text the model has streamed so far while the generation runs; cleared when it ends.
ALTER TABLE generations ADD COLUMN partial_text text;
ALTER TABLE generations ADD CONSTRAINT generations_parent_same_tenant
    FOREIGN KEY (tenant_id, parent_generation_id) REFERENCES generations (tenant_id, id) ON DELETE SET NULL (parent_generation_id);
CREATE INDEX generations_parent_idx ON generations (parent_generation_id) WHERE parent_generation_id IS NOT NULL;
-- History filters.
CREATE INDEX generations_tenant_model_idx ON generations (tenant_id, model_id, created_at DESC);
CREATE INDEX generations_tenant_status_idx ON generations (tenant_id, status, created_at DESC);
-- Image bytes are already compressed (PNG, JPEG, WebP): store them out of line without
-- PostgreSQL's own compression, which costs tens of milliseconds per megabyte and saves nothing.
ALTER TABLE images ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE images ALTER COLUMN preview SET STORAGE EXTERNAL;
