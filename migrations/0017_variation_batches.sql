-- Variations: a request for several images of one prompt. Gemini's image models refuse
-- candidateCount > 1, so Easel runs that many generations side by side; they share a batch id
-- and are numbered within it. Each is its own call, priced and counted against quotas as one
-- image, and a turn of the conversation of its own (continuing from any one of them branches).
ALTER TABLE generations ADD COLUMN batch_id uuid,
    ADD COLUMN batch_index smallint CHECK (batch_index BETWEEN 0 AND 3),
    ADD CONSTRAINT generations_batch_complete CHECK ((batch_id IS NULL) = (batch_index IS NULL));
CREATE INDEX generations_batch ON generations (batch_id, batch_index) WHERE batch_id IS NOT NULL;
