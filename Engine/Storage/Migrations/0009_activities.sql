-- The built-in custom activities (job handlers): SMS, refunds, assignment.

-- SMS texts with {placeholders}; parameters lists the names the text may use (checked when a template is saved).
CREATE TABLE sms_template (
    id          text        PRIMARY KEY,
    text        text        NOT NULL,
    parameters  text[]      NOT NULL DEFAULT '{}',
    description text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The default SMS provider: messages wait here for whatever delivers them (a gateway poller, an export).
-- idempotency_key (the job key) makes a repeated send of one job one row.
CREATE TABLE sms_outbox (
    id              bigserial   PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE,
    recipient       text        NOT NULL,
    text            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);

-- One SMS per job: a re-run of a job (expired lease) finds its send here and does not send again.
CREATE TABLE sms_sent (
    job_key             bigint      PRIMARY KEY,
    provider_message_id text        NOT NULL,
    status              text        NOT NULL,
    recipient           text        NOT NULL,
    template_id         text        NOT NULL,
    process_instance_key bigint     NOT NULL,
    sent_at             timestamptz NOT NULL DEFAULT now()
);

-- One refund per job, for the same reason.
CREATE TABLE refund_sent (
    job_key              bigint      PRIMARY KEY,
    refund_id            text        NOT NULL,
    status               text        NOT NULL,
    order_id             text        NOT NULL,
    amount               numeric     NOT NULL,
    currency             text        NOT NULL,
    process_instance_key bigint      NOT NULL,
    refunded_at          timestamptz NOT NULL DEFAULT now()
);

-- Who may be dispatched what: central dispatch matches required skills, region, language and customer tier.
CREATE TABLE agent_profile (
    user_name  text        PRIMARY KEY,
    skills     text[]      NOT NULL DEFAULT '{}',
    regions    text[]      NOT NULL DEFAULT '{}',
    languages  text[]      NOT NULL DEFAULT '{}',
    tiers      text[]      NOT NULL DEFAULT '{}',
    capacity   integer     NOT NULL DEFAULT 10 CHECK (capacity >= 0),
    on_duty    boolean     NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Round-robin position among equally loaded agents, shared by all nodes so ties are broken fairly cluster-wide.
CREATE TABLE assignment_rotation (
    pool    text   PRIMARY KEY,
    counter bigint NOT NULL DEFAULT 0
);

-- The decision of each assignment job: a re-run returns the same decision, and decisions whose job has not
-- completed yet (their user task does not exist yet) count as load.
CREATE TABLE assignment_decision (
    job_key              bigint      PRIMARY KEY,
    assignee             text,
    candidate_groups     text[]      NOT NULL DEFAULT '{}',
    reason               text        NOT NULL,
    process_instance_key bigint      NOT NULL,
    decided_at           timestamptz NOT NULL DEFAULT now()
);
