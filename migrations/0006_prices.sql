-- Prices per model and token kind, in US dollars per million tokens, each from a date on.
-- A generation is priced when it ends, at the prices in effect on the day it was made, and
-- keeps that cost (cost_micros) when prices change later. Tokens × dollars per million tokens
-- is micro-dollars, so costs are exact integers.

CREATE TABLE model_prices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Matches models.api_model, so every config of one upstream model shares its price.
    api_model text NOT NULL CHECK (api_model ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$'),
    -- input: prompt text and images; output_text; output_image; thoughts (billed as output).
    kind text NOT NULL CHECK (kind IN ('input', 'output_text', 'output_image', 'thoughts')),
    usd_per_million_tokens numeric(12, 4) NOT NULL CHECK (usd_per_million_tokens >= 0),
    effective_from date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (api_model, kind, effective_from)
);

-- Output tokens that were images (from usageMetadata's per-modality details).
ALTER TABLE generations ADD COLUMN image_tokens integer CHECK (image_tokens >= 0);

-- Google's published prices (verify against ai.google.dev/pricing before relying on them;
-- platform admins add newer rows through the API as prices change).
-- Gemini 2.5 Flash Image: $30 per million output tokens, 1290 tokens per image ($0.039).
-- Gemini 3 Pro Image: $120 per million image output tokens (1120 per 1K/2K image, 2000 per 4K).
-- Gemini 3.1 Flash Image: $60 per million image output tokens (747 to 2520 per image by size).
INSERT INTO model_prices (api_model, kind, usd_per_million_tokens, effective_from) VALUES
    ('gemini-2.5-flash-image', 'input', 0.30, '2025-08-26'),
    ('gemini-2.5-flash-image', 'output_text', 2.50, '2025-08-26'),
    ('gemini-2.5-flash-image', 'output_image', 30.00, '2025-08-26'),
    ('gemini-2.5-flash-image', 'thoughts', 2.50, '2025-08-26'),
    ('gemini-3-pro-image-preview', 'input', 2.00, '2025-11-20'),
    ('gemini-3-pro-image-preview', 'output_text', 12.00, '2025-11-20'),
    ('gemini-3-pro-image-preview', 'output_image', 120.00, '2025-11-20'),
    ('gemini-3-pro-image-preview', 'thoughts', 12.00, '2025-11-20'),
    ('gemini-3.1-flash-image-preview', 'input', 0.50, '2026-02-01'),
    ('gemini-3.1-flash-image-preview', 'output_text', 3.00, '2026-02-01'),
    ('gemini-3.1-flash-image-preview', 'output_image', 60.00, '2026-02-01'),
    ('gemini-3.1-flash-image-preview', 'thoughts', 3.00, '2026-02-01');

-- The cost of a generation in micro-dollars at the prices in effect on `day`; NULL when the
-- model has no price for a kind of token it used.
CREATE FUNCTION generation_cost_micros(
    model text, day date, input_tokens integer, output_tokens integer, image_tokens integer, thought_tokens integer
) RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH price AS (
        SELECT DISTINCT ON (kind) kind, usd_per_million_tokens AS usd
        FROM model_prices WHERE api_model = model AND effective_from <= day
        ORDER BY kind, effective_from DESC
    ), used (kind, tokens) AS (
        VALUES ('input', COALESCE(input_tokens, 0)),
               ('output_image', COALESCE(image_tokens, 0)),
               ('output_text', GREATEST(COALESCE(output_tokens, 0) - COALESCE(image_tokens, 0), 0)),
               ('thoughts', COALESCE(thought_tokens, 0))
    )
    SELECT CASE WHEN bool_and(used.tokens = 0 OR price.usd IS NOT NULL)
                THEN round(sum(used.tokens * COALESCE(price.usd, 0)))::bigint END
    FROM used LEFT JOIN price ON price.kind = used.kind
$$;
