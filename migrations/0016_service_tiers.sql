-- Gemini's service tiers: a request may ask for `serviceTier` standard (the default), flex
-- (cheaper, slower, may be refused under load) or priority. Each tier is priced apart.
--
-- Price rows gain their tier; every existing row is a standard price. Flex rows are seeded at
-- half the standard price (Google's pricing page: Flex costs 50% of Standard). Priority has no
-- seeded price: until a platform admin adds one, priority generations are counted as unpriced,
-- never at the cheaper standard price.
ALTER TABLE model_prices ADD COLUMN service_tier text NOT NULL DEFAULT 'standard'
    CHECK (service_tier IN ('standard', 'flex', 'priority'));
ALTER TABLE model_prices DROP CONSTRAINT model_prices_api_model_kind_effective_from_key;
ALTER TABLE model_prices ADD CONSTRAINT model_prices_api_model_kind_tier_effective_from_key
    UNIQUE (api_model, kind, service_tier, effective_from);
INSERT INTO model_prices (api_model, kind, service_tier, usd_per_million_tokens, effective_from)
SELECT api_model, kind, 'flex', round(usd_per_million_tokens / 2, 4), effective_from
FROM model_prices WHERE service_tier = 'standard'
ON CONFLICT DO NOTHING;

-- The tier a generation asked for; NULL is the default (standard).
ALTER TABLE generations ADD COLUMN service_tier text CHECK (service_tier IN ('standard', 'flex', 'priority'));

-- The cost of a generation in micro-dollars at the prices of its tier in effect on `day`; NULL
-- when that tier has no price for a kind of token it used.
CREATE FUNCTION generation_cost_micros(
    model text, tier text, day date, input_tokens integer, output_tokens integer, image_tokens integer, thought_tokens integer
) RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH price AS (
        SELECT DISTINCT ON (kind) kind, usd_per_million_tokens AS usd
        FROM model_prices WHERE api_model = model AND service_tier = COALESCE(tier, 'standard') AND effective_from <= day
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

-- The tierless function of 0006, as instances of earlier versions still call it: the standard
-- price (the only rows there were).
CREATE OR REPLACE FUNCTION generation_cost_micros(
    model text, day date, input_tokens integer, output_tokens integer, image_tokens integer, thought_tokens integer
) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT generation_cost_micros(model, 'standard', day, input_tokens, output_tokens, image_tokens, thought_tokens)
$$;

-- Image search as a grounding source is offered by Gemini 3.1 Flash Image: configs of it made
-- before this field existed get it, as new ones do from the model family.
UPDATE models SET capabilities = capabilities || '{"imageSearchAllowed": true}'::jsonb, updated_at = now()
WHERE (api_model = 'gemini-3.1-flash-image' OR api_model LIKE 'gemini-3.1-flash-image-%')
  AND (capabilities->>'groundingAllowed')::boolean IS TRUE AND NOT capabilities ? 'imageSearchAllowed';
