-- SLA clocks that pause (Engine/Storage/SlaClockStore.cs): while a case waits on the customer or a third party its
-- pausable SLA timers (timer elements with the property slaClock) stop consuming time. The timer rows stay the source
-- of truth while the clock runs; a pause takes them out (the delete trigger of 0014 hands their Hangfire jobs to the
-- cancellation queue) and keeps what was left of each as working time in sla_paused_timer, so a resume re-plans them
-- in their business calendar. sla_pause is the ledger of pauses per case (its root instance): at most one open pause.
CREATE TABLE sla_pause (
    id                    bigserial    PRIMARY KEY,
    process_instance_key  bigint       NOT NULL,
    tenant_id             text         NOT NULL,
    reason                text         NOT NULL,
    paused_at             timestamptz  NOT NULL,
    paused_by             text         NOT NULL,
    resumed_at            timestamptz,
    resumed_by            text,
    working_seconds       bigint,
    CHECK (resumed_at IS NULL OR resumed_at >= paused_at)
);
CREATE UNIQUE INDEX sla_pause_open ON sla_pause (process_instance_key) WHERE resumed_at IS NULL;
CREATE INDEX sla_pause_instance ON sla_pause (process_instance_key, paused_at);

CREATE TABLE sla_paused_timer (
    timer_key               bigint       PRIMARY KEY,
    pause_id                bigint       NOT NULL REFERENCES sla_pause (id) ON DELETE CASCADE,
    process_instance_key    bigint       NOT NULL,
    element_instance_key    bigint       NOT NULL,
    element_id              text         NOT NULL,
    process_definition_key  bigint       NOT NULL,
    repetitions             integer      NOT NULL,
    definition              text         NOT NULL,
    due_at                  timestamptz  NOT NULL,
    remaining_ms            bigint       NOT NULL CHECK (remaining_ms >= 0)
);
CREATE INDEX sla_paused_timer_pause ON sla_paused_timer (pause_id);

-- The open user tasks whose SLA timers were paused: their due date is re-planned with them, and the inbox shows
-- "paused" instead of a countdown while a row is here.
CREATE TABLE sla_paused_task (
    user_task_key  bigint       PRIMARY KEY,
    pause_id       bigint       NOT NULL REFERENCES sla_pause (id) ON DELETE CASCADE,
    due_at         timestamptz  NOT NULL,
    remaining_ms   bigint       NOT NULL CHECK (remaining_ms >= 0)
);
CREATE INDEX sla_paused_task_pause ON sla_paused_task (pause_id);

-- The reports add up paused time per task from the SLA_RESUMED rows on the watched element (details.userTaskKey).
CREATE INDEX execution_history_sla_resumed ON execution_history (((details->>'userTaskKey')::bigint), at)
    WHERE event = 'SLA_RESUMED';
