-- Google's catalog as of December 2026 (Gemini's ModelCatalog holds the same facts for code):
-- gemini-3.1-flash-image and gemini-3-pro-image are generally available since 2026-05-28;
-- their -preview ids were shut down on 2026-06-25; gemini-2.5-flash-image on 2026-10-02.
--
-- Configs on shut-down ids get their deprecation date, so admins see the notice, and, where the
-- same scope has an enabled config of the successor id, that config as successor, so the
-- redirect applies. A -preview config without one keeps working: Easel calls the successor of
-- the same family in its place. A 2.5 config without one is retired: Google no longer serves
-- it, and its successor (3.1 Flash Image) draws at other sizes, so an admin moves it.
WITH retired (api_model, shutdown, successor) AS (
    VALUES ('gemini-3.1-flash-image-preview', date '2026-06-25', 'gemini-3.1-flash-image'),
           ('gemini-3-pro-image-preview', date '2026-06-25', 'gemini-3-pro-image'),
           ('gemini-2.5-flash-image', date '2026-10-02', 'gemini-3.1-flash-image')
)
UPDATE models m SET
    deprecation_date = COALESCE(m.deprecation_date, r.shutdown),
    successor_id = COALESCE(m.successor_id, (
        SELECT s.id FROM models s
        WHERE s.api_model = r.successor AND s.tenant_id IS NOT DISTINCT FROM m.tenant_id AND s.enabled AND s.id <> m.id
        ORDER BY s.sort_order, s.created_at LIMIT 1)),
    updated_at = now()
FROM retired r
WHERE m.api_model = r.api_model AND (m.deprecation_date IS NULL OR m.successor_id IS NULL);

-- The generally available ids cost what their -preview ids cost (Google's price page; verify
-- before relying on it). Gemini 3.1 Flash Lite Image has no published price here yet: its
-- generations are counted as unpriced until a platform admin adds one.
INSERT INTO model_prices (api_model, kind, usd_per_million_tokens, effective_from)
SELECT DISTINCT ON (api_model, kind) replace(api_model, '-preview', ''), kind, usd_per_million_tokens, date '2026-05-28'
FROM model_prices
WHERE api_model IN ('gemini-3.1-flash-image-preview', 'gemini-3-pro-image-preview') AND effective_from <= date '2026-05-28'
ORDER BY api_model, kind, effective_from DESC
ON CONFLICT (api_model, kind, effective_from) DO NOTHING;
