-- Timers handed over to an outside scheduler (Hangfire). The timer row stays the outbox and the truth: a dispatcher
-- marks the row (handed_over_at, a lease like the scheduler's claim), creates the outside job in the scheduler's own
-- transaction, then records its id (external_job). The engine's scheduler leaves a handed-over timer alone until it
-- is overdue by a grace, so a lost or deleted outside job still fires (the backstop).
ALTER TABLE timer
    ADD COLUMN handed_over_at  timestamptz,
    ADD COLUMN external_job    text;

-- Outside jobs of timers that are gone (fired, cancelled, their element left): the dispatcher deletes the ones still
-- scheduled after the deleting transaction committed. Written by a trigger, so every path that deletes timer rows
-- (ChangeWriter's batches, the retention purge) feeds it without knowing about outside schedulers.
CREATE TABLE timer_job_cancellation (
    external_job  text        PRIMARY KEY,
    deleted_at    timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION timer_external_job_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO timer_job_cancellation (external_job) VALUES (OLD.external_job) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER timer_external_job_gone AFTER DELETE ON timer
    FOR EACH ROW WHEN (OLD.external_job IS NOT NULL) EXECUTE FUNCTION timer_external_job_gone();
