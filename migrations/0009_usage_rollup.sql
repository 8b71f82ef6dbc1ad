-- Usage roll-up: every finished generation summed per tenant, UTC day of creation, user, model,
-- outcome and latency bucket. Usage figures and quota checks read these rows (plus the few
-- generations still queued or running) instead of scanning every generation of a range, so they
-- stay fast on a tenant with millions of generations.
--
-- A trigger keeps it in the same transaction as the change to the generation, so it is never
-- behind and concurrent finishes each add their own share (ON CONFLICT ... DO UPDATE serialises
-- them on the row). The trigger is deferred to commit, so a roll-up row is locked only for the
-- moment of the commit, not while a finish writes its images. Deleting generations does not change it: the roll-up is the usage ledger, and
-- image retention deletes images, not usage.

-- Input tokens that were images (the IMAGE entries of usageMetadata.promptTokensDetails), so
-- prompt tokens are kept split by modality as output tokens are (image_tokens, migration 0006).
ALTER TABLE generations ADD COLUMN prompt_image_tokens integer CHECK (prompt_image_tokens >= 0);
UPDATE generations SET prompt_image_tokens = (
    SELECT COALESCE(sum((d ->> 'tokenCount')::integer), 0) FROM jsonb_array_elements(usage -> 'promptTokensDetails') d
    WHERE upper(d ->> 'modality') = 'IMAGE')
WHERE jsonb_typeof(usage -> 'promptTokensDetails') = 'array';

-- Latencies are kept as counts per bucket [1.2^b, 1.2^(b+1)) ms; a percentile read back from the
-- buckets is within one bucket (20%) of the exact one. -1: no latency (not succeeded).
CREATE FUNCTION usage_latency_bucket(status text, latency_ms integer) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status = 'succeeded' AND latency_ms IS NOT NULL
                THEN floor(ln(greatest(latency_ms, 1)) / ln(1.2))::smallint ELSE -1 END
$$;

CREATE TABLE usage_daily (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day date NOT NULL,
    user_id uuid NOT NULL,
    model_id uuid NOT NULL REFERENCES models (id) ON DELETE RESTRICT,
    status text NOT NULL,
    -- error_code, block_reason or the status: the failure-reason breakdown.
    reason text NOT NULL,
    latency_bucket smallint NOT NULL,
    requests integer NOT NULL,
    images bigint NOT NULL,
    prompt_tokens bigint NOT NULL,
    prompt_image_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    image_tokens bigint NOT NULL,
    thought_tokens bigint NOT NULL,
    total_tokens bigint NOT NULL,
    cost_micros bigint NOT NULL,
    -- Generations that used tokens but have no cost (no price for their model and day).
    unpriced integer NOT NULL,
    PRIMARY KEY (tenant_id, day, user_id, model_id, status, reason, latency_bucket)
    -- user_id references no user on purpose: a deleted user's generations go with them, but the
    -- tenant's usage does not shrink. A model with usage cannot be deleted, only disabled.
) WITH (
    -- Every finish updates a row in place: room on its page keeps those updates HOT (no index
    -- change), and frequent vacuums return the old versions.
    fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02
);
-- The platform admin's all-tenant ranges.
CREATE INDEX usage_daily_day_idx ON usage_daily (day);

-- Adds (sign 1) or takes back (sign -1) one finished generation's share.
CREATE FUNCTION usage_daily_add(g generations, sign integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO usage_daily AS u (tenant_id, day, user_id, model_id, status, reason, latency_bucket, requests, images,
                                  prompt_tokens, prompt_image_tokens, output_tokens, image_tokens, thought_tokens, total_tokens,
                                  cost_micros, unpriced)
    VALUES (g.tenant_id, (g.created_at AT TIME ZONE 'UTC')::date, g.user_id, g.model_id, g.status,
            COALESCE(g.error_code, g.block_reason, g.status), usage_latency_bucket(g.status, g.latency_ms),
            sign, sign * g.image_count, sign * COALESCE(g.prompt_tokens, 0), sign * COALESCE(g.prompt_image_tokens, 0),
            sign * COALESCE(g.output_tokens, 0),
            sign * COALESCE(g.image_tokens, 0), sign * COALESCE(g.thought_tokens, 0), sign * COALESCE(g.total_tokens, 0),
            sign * COALESCE(g.cost_micros, 0),
            sign * (g.cost_micros IS NULL AND g.total_tokens IS NOT NULL)::integer)
    ON CONFLICT (tenant_id, day, user_id, model_id, status, reason, latency_bucket) DO UPDATE SET
        requests = u.requests + EXCLUDED.requests, images = u.images + EXCLUDED.images,
        prompt_tokens = u.prompt_tokens + EXCLUDED.prompt_tokens,
        prompt_image_tokens = u.prompt_image_tokens + EXCLUDED.prompt_image_tokens, output_tokens = u.output_tokens + EXCLUDED.output_tokens,
        image_tokens = u.image_tokens + EXCLUDED.image_tokens, thought_tokens = u.thought_tokens + EXCLUDED.thought_tokens,
        total_tokens = u.total_tokens + EXCLUDED.total_tokens, cost_micros = u.cost_micros + EXCLUDED.cost_micros,
        unpriced = u.unpriced + EXCLUDED.unpriced
$$;

CREATE FUNCTION usage_daily_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.finished_at IS NOT NULL THEN
        PERFORM usage_daily_add(OLD, -1);
    END IF;
    IF NEW.finished_at IS NOT NULL THEN
        PERFORM usage_daily_add(NEW, 1);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.finished_at IS NOT NULL THEN
        -- A share taken back may leave its row holding nothing: no such rows are kept.
        DELETE FROM usage_daily
        WHERE tenant_id = OLD.tenant_id AND day = (OLD.created_at AT TIME ZONE 'UTC')::date AND user_id = OLD.user_id
          AND model_id = OLD.model_id AND status = OLD.status AND reason = COALESCE(OLD.error_code, OLD.block_reason, OLD.status)
          AND latency_bucket = usage_latency_bucket(OLD.status, OLD.latency_ms) AND requests = 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER generations_usage_insert AFTER INSERT ON generations DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.finished_at IS NOT NULL) EXECUTE FUNCTION usage_daily_track();
-- Lease renewals, partial text and the like leave the roll-up alone.
CREATE CONSTRAINT TRIGGER generations_usage_update AFTER UPDATE ON generations DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (
        (OLD.finished_at IS NOT NULL OR NEW.finished_at IS NOT NULL)
        AND (OLD.finished_at IS NULL OR NEW.finished_at IS NULL
             OR (OLD.tenant_id, OLD.created_at, OLD.user_id, OLD.model_id, OLD.status, OLD.error_code, OLD.block_reason,
                 OLD.latency_ms, OLD.image_count, OLD.prompt_tokens, OLD.prompt_image_tokens, OLD.output_tokens, OLD.image_tokens, OLD.thought_tokens,
                 OLD.total_tokens, OLD.cost_micros)
                IS DISTINCT FROM
                (NEW.tenant_id, NEW.created_at, NEW.user_id, NEW.model_id, NEW.status, NEW.error_code, NEW.block_reason,
                 NEW.latency_ms, NEW.image_count, NEW.prompt_tokens, NEW.prompt_image_tokens, NEW.output_tokens, NEW.image_tokens, NEW.thought_tokens,
                 NEW.total_tokens, NEW.cost_micros)))
    EXECUTE FUNCTION usage_daily_track();

-- What was finished before this migration.
INSERT INTO usage_daily (tenant_id, day, user_id, model_id, status, reason, latency_bucket, requests, images, prompt_tokens,
                         prompt_image_tokens, output_tokens, image_tokens, thought_tokens, total_tokens, cost_micros, unpriced)
SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, user_id, model_id, status, COALESCE(error_code, block_reason, status),
       usage_latency_bucket(status, latency_ms), count(*), sum(image_count), COALESCE(sum(prompt_tokens), 0),
       COALESCE(sum(prompt_image_tokens), 0),
       COALESCE(sum(output_tokens), 0), COALESCE(sum(image_tokens), 0), COALESCE(sum(thought_tokens), 0),
       COALESCE(sum(total_tokens), 0), COALESCE(sum(cost_micros), 0),
       count(*) FILTER (WHERE cost_micros IS NULL AND total_tokens IS NOT NULL)
FROM generations WHERE finished_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;
