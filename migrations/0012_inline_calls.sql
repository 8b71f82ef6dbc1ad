-- Calls answered inline (the Gemini-compatible routes: the client waits on its connection) are
-- queued rows like any other, so they obey the tenant's concurrency limit and the instance's
-- worker bound. Only the instance holding the caller's connection starts one; when that
-- instance dies the caller has gone, so the row is ended (`client_gone`), never run again.
ALTER TABLE generations ADD COLUMN inline boolean NOT NULL DEFAULT false;

-- Orphaned inline calls are found by their expired lease.
CREATE INDEX generations_inline_lease_idx ON generations (lease_expires_at)
    WHERE inline AND status IN ('queued', 'running');
