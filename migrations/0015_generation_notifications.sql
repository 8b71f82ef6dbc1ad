-- Wake-ups across instances. Each instance LISTENs on channel `easel`; a change to a generation
-- notifies it at commit, whoever made it:
--   payload `queue`: a job is queued (new, or handed back by a shutdown), or a running one
--     ended (its tenant may start another): workers look for work, waiting inline calls retry;
--   payload `<generation id>`: its status, streamed text or cancel request changed: `?wait=`
--     and event streams following it read it now.
-- Instances still poll, more slowly, in case a notification is lost (a dropped listener).
CREATE FUNCTION generations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'queued' AND NOT NEW.inline THEN
            PERFORM pg_notify('easel', 'queue');
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.partial_text IS DISTINCT FROM OLD.partial_text
       OR NEW.cancel_requested IS DISTINCT FROM OLD.cancel_requested THEN
        PERFORM pg_notify('easel', NEW.id::text);
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status
       AND ((NEW.status = 'queued' AND NOT NEW.inline)
            OR (OLD.status = 'running' AND NEW.status IN ('succeeded', 'blocked', 'failed', 'canceled'))) THEN
        PERFORM pg_notify('easel', 'queue');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER generations_notify_insert AFTER INSERT ON generations
    FOR EACH ROW EXECUTE FUNCTION generations_notify();
CREATE TRIGGER generations_notify_update AFTER UPDATE OF status, partial_text, cancel_requested ON generations
    FOR EACH ROW EXECUTE FUNCTION generations_notify();
