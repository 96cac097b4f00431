-- Runtime state of process instances. Live rows only: a finished element instance leaves its table and lives on
-- in execution_history; finished process instances can be purged by retention without touching live rows.
-- Every per-command query is by process_instance_key or by primary key, so each hits an index.

-- Keys come in blocks of 100 per nextval: a node hands them out from memory and rarely asks again.
CREATE SEQUENCE engine_key INCREMENT BY 100 START WITH 2251799813685300;

CREATE TABLE process_instance (
    key                          bigint      PRIMARY KEY,
    process_definition_key       bigint      NOT NULL,
    bpmn_process_id              text        NOT NULL,
    process_version              integer     NOT NULL,
    business_key                 text,
    state                        text        NOT NULL,          -- ACTIVE, COMPLETED, TERMINATED
    parent_process_instance_key  bigint,
    parent_element_instance_key  bigint,
    root_process_instance_key    bigint      NOT NULL,
    row_version                  integer     NOT NULL DEFAULT 0, -- optimistic check: every command bumps it
    has_incident                 boolean     NOT NULL DEFAULT false,
    started_at                   timestamptz NOT NULL,
    ended_at                     timestamptz
);
CREATE UNIQUE INDEX process_instance_business_key ON process_instance (bpmn_process_id, business_key) WHERE business_key IS NOT NULL;
CREATE INDEX process_instance_active ON process_instance (bpmn_process_id, started_at) WHERE state = 'ACTIVE';
CREATE INDEX process_instance_ended ON process_instance (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX process_instance_parent ON process_instance (parent_process_instance_key) WHERE parent_process_instance_key IS NOT NULL;

CREATE TABLE element_instance (
    key                     bigint      PRIMARY KEY,
    process_instance_key    bigint      NOT NULL,
    element_id              text        NOT NULL,
    flow_scope_key          bigint,
    state                   text        NOT NULL,   -- ACTIVATING, ACTIVATED, COMPLETING
    is_multi_instance_body  boolean     NOT NULL DEFAULT false,
    incident_key            bigint,
    data                    jsonb       NOT NULL DEFAULT '{}',
    activated_at            timestamptz NOT NULL
);
CREATE INDEX element_instance_process ON element_instance (process_instance_key);

CREATE TABLE variable (
    scope_key             bigint NOT NULL,
    name                  text   NOT NULL,
    process_instance_key  bigint NOT NULL,
    value                 jsonb,
    PRIMARY KEY (scope_key, name)
);
CREATE INDEX variable_process ON variable (process_instance_key);

CREATE TABLE job (
    key                     bigint      PRIMARY KEY,
    type                    text        NOT NULL,
    state                   text        NOT NULL,   -- ACTIVATABLE, ACTIVATED, FAILED (no retries: an incident)
    process_instance_key    bigint      NOT NULL,
    element_instance_key    bigint      NOT NULL,
    element_id              text        NOT NULL,
    bpmn_process_id         text        NOT NULL,
    process_definition_key  bigint      NOT NULL,
    process_version         integer     NOT NULL,
    retries                 integer     NOT NULL,
    custom_headers          jsonb       NOT NULL DEFAULT '{}',
    worker                  text,
    deadline                timestamptz,            -- lease expiry of an activated job
    due_at                  timestamptz NOT NULL,   -- not activatable before (retry back-off)
    error_message           text,
    created_at              timestamptz NOT NULL
);
CREATE INDEX job_activatable ON job (type, due_at) WHERE state = 'ACTIVATABLE';
CREATE INDEX job_lease ON job (deadline) WHERE state = 'ACTIVATED';
CREATE INDEX job_element ON job (element_instance_key);
CREATE INDEX job_process ON job (process_instance_key);

CREATE TABLE timer (
    key                     bigint      PRIMARY KEY,
    process_instance_key    bigint,                 -- null for timer start events
    element_instance_key    bigint,
    element_id              text        NOT NULL,
    process_definition_key  bigint      NOT NULL,
    due_at                  timestamptz NOT NULL,
    repetitions             integer     NOT NULL DEFAULT 1,  -- -1: unbounded cycle
    definition              text        NOT NULL,            -- the evaluated timer text, for the next cycle
    created_at              timestamptz NOT NULL
);
CREATE INDEX timer_due ON timer (due_at);
CREATE INDEX timer_element ON timer (element_instance_key) WHERE element_instance_key IS NOT NULL;
CREATE INDEX timer_definition ON timer (process_definition_key) WHERE process_instance_key IS NULL;

CREATE TABLE message_subscription (
    key                     bigint  PRIMARY KEY,
    message_name            text    NOT NULL,
    correlation_key         text    NOT NULL,
    process_instance_key    bigint  NOT NULL,
    element_instance_key    bigint  NOT NULL,
    element_id              text    NOT NULL,     -- the catching element (boundary, catch event, receive task)
    bpmn_process_id         text    NOT NULL,
    is_interrupting         boolean NOT NULL DEFAULT true,
    created_at              timestamptz NOT NULL
);
CREATE INDEX message_subscription_correlation ON message_subscription (message_name, correlation_key);
CREATE INDEX message_subscription_element ON message_subscription (element_instance_key);

-- Start-event subscriptions of the latest version of each process: replaced when a new version is deployed.
CREATE TABLE start_event_subscription (
    bpmn_process_id         text   NOT NULL,
    process_definition_key  bigint NOT NULL,
    element_id              text   NOT NULL,
    event_kind              text   NOT NULL,    -- MESSAGE, SIGNAL
    event_name              text   NOT NULL,
    PRIMARY KEY (bpmn_process_id, element_id)
);
CREATE INDEX start_event_subscription_name ON start_event_subscription (event_kind, event_name);

CREATE TABLE signal_subscription (
    key                     bigint  PRIMARY KEY,
    signal_name             text    NOT NULL,
    process_instance_key    bigint  NOT NULL,
    element_instance_key    bigint  NOT NULL,
    element_id              text    NOT NULL,
    created_at              timestamptz NOT NULL
);
CREATE INDEX signal_subscription_name ON signal_subscription (signal_name);
CREATE INDEX signal_subscription_element ON signal_subscription (element_instance_key);

-- Published messages kept for their time to live, so a subscription opened later still receives them.
CREATE TABLE message (
    key              bigint      PRIMARY KEY,
    name             text        NOT NULL,
    correlation_key  text        NOT NULL,
    message_id       text,
    variables        jsonb       NOT NULL DEFAULT '{}',
    expires_at       timestamptz NOT NULL,
    published_at     timestamptz NOT NULL
);
CREATE INDEX message_lookup ON message (name, correlation_key, expires_at);
CREATE UNIQUE INDEX message_dedup ON message (name, correlation_key, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX message_expiry ON message (expires_at);

-- A buffered message correlates at most once per process id (as in Zeebe).
CREATE TABLE message_correlation (
    message_key      bigint NOT NULL,
    bpmn_process_id  text   NOT NULL,
    PRIMARY KEY (message_key, bpmn_process_id)
);

CREATE TABLE incident (
    key                     bigint      PRIMARY KEY,
    process_instance_key    bigint      NOT NULL,
    element_instance_key    bigint      NOT NULL,
    element_id              text        NOT NULL,
    bpmn_process_id         text        NOT NULL,
    process_definition_key  bigint      NOT NULL,
    error_type              text        NOT NULL,
    error_message           text        NOT NULL,
    job_key                 bigint,
    state                   text        NOT NULL,  -- ACTIVE, RESOLVED
    created_at              timestamptz NOT NULL,
    resolved_at             timestamptz
);
CREATE INDEX incident_active ON incident (created_at) WHERE state = 'ACTIVE';
CREATE INDEX incident_process ON incident (process_instance_key);

CREATE TABLE user_task (
    key                     bigint      PRIMARY KEY,
    process_instance_key    bigint      NOT NULL,
    element_instance_key    bigint      NOT NULL,
    element_id              text        NOT NULL,
    name                    text,
    bpmn_process_id         text        NOT NULL,
    process_definition_key  bigint      NOT NULL,
    state                   text        NOT NULL,  -- CREATED, COMPLETED, CANCELED
    assignee                text,
    candidate_groups        text[]      NOT NULL DEFAULT '{}',
    candidate_users         text[]      NOT NULL DEFAULT '{}',
    due_date                timestamptz,
    follow_up_date          timestamptz,
    priority                integer     NOT NULL DEFAULT 50,
    form_key                text,
    custom_headers          jsonb       NOT NULL DEFAULT '{}',
    version                 integer     NOT NULL DEFAULT 0,
    created_at              timestamptz NOT NULL,
    completed_at            timestamptz
);
CREATE INDEX user_task_open_assignee ON user_task (assignee, created_at) WHERE state = 'CREATED';
CREATE INDEX user_task_open_groups ON user_task USING gin (candidate_groups) WHERE state = 'CREATED';
CREATE INDEX user_task_element ON user_task (element_instance_key);
CREATE INDEX user_task_process ON user_task (process_instance_key);

-- The append-only audit trail of every instance: the source of the instance view.
CREATE TABLE execution_history (
    id                    bigserial   PRIMARY KEY,
    process_instance_key  bigint      NOT NULL,
    element_instance_key  bigint,
    element_id            text,
    element_type          text,
    event                 text        NOT NULL,
    details               jsonb,
    at                    timestamptz NOT NULL
);
CREATE INDEX execution_history_process ON execution_history (process_instance_key, id);
