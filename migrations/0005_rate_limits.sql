-- Request counters for rate limits, shared by every instance: one row per limited scope
-- ("key:<id>", "user:<id>") and minute. Unlogged: counters need no crash safety, and skipping
-- the WAL keeps the per-request upsert cheap. A scope's older windows are removed when its next
-- window opens.
CREATE UNLOGGED TABLE rate_limit_counters (
    scope text NOT NULL,
    window_start timestamptz NOT NULL,
    count integer NOT NULL CHECK (count > 0),
    PRIMARY KEY (scope, window_start)
);
