-- Calls answered inline (the Gemini-compatible routes: the client waits on its connection) are
-- queued rows like any other, so they obey the tenant's concurrency limit and the instance's
-- worker bound. Only the instance holding the caller's connection starts one; when that
-- instance dies the caller has gone, so the row is ended (`client_gone`), never run again.
ALTER TABLE generations ADD COLUMN inline boolean NOT NULL DEFAULT false;

-- What a dead instance leaves that must not run again (inline calls; jobs a user asked to
-- cancel while they ran) is found by its expired lease, every second, by every instance.
CREATE INDEX generations_orphan_idx ON generations (lease_expires_at)
    WHERE status IN ('queued', 'running') AND (inline OR cancel_requested);
