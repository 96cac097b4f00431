-- Camunda's searches show finished rows too: a job that completed, was cancelled with its element or ended in a
-- thrown error, and a message subscription that was correlated or deleted. The runtime tables keep live rows only
-- (their indexes serve the engine's hot paths), so a row leaving them is copied here in the same statement.

CREATE TABLE job_closed (
    key                     bigint      PRIMARY KEY,
    type                    text        NOT NULL,
    state                   text        NOT NULL,   -- COMPLETED, CANCELED, ERROR_THROWN
    process_instance_key    bigint      NOT NULL,
    element_instance_key    bigint      NOT NULL,
    element_id              text        NOT NULL,
    bpmn_process_id         text        NOT NULL,
    process_definition_key  bigint      NOT NULL,
    retries                 integer     NOT NULL,
    failures                integer     NOT NULL DEFAULT 0,
    custom_headers          jsonb       NOT NULL DEFAULT '{}',
    worker                  text,
    error_code              text,
    error_message           text,
    created_at              timestamptz NOT NULL,
    ended_at                timestamptz NOT NULL,
    tenant_id               text        NOT NULL DEFAULT '<default>'
);
CREATE INDEX job_closed_process ON job_closed (process_instance_key);
CREATE INDEX job_closed_type ON job_closed (type, ended_at);

CREATE TABLE message_subscription_closed (
    key                     bigint      PRIMARY KEY,
    state                   text        NOT NULL,   -- CORRELATED, DELETED
    message_name            text        NOT NULL,
    correlation_key         text        NOT NULL,
    process_instance_key    bigint      NOT NULL,
    element_instance_key    bigint      NOT NULL,
    element_id              text        NOT NULL,
    bpmn_process_id         text        NOT NULL,
    closed_at               timestamptz NOT NULL,
    tenant_id               text        NOT NULL DEFAULT '<default>'
);
CREATE INDEX message_subscription_closed_process ON message_subscription_closed (process_instance_key);
CREATE INDEX message_subscription_closed_name ON message_subscription_closed (message_name, correlation_key);

-- Every message a subscription received (Camunda's correlated message subscriptions); a non-interrupting one can
-- receive several.
CREATE TABLE message_correlated (
    subscription_key        bigint      NOT NULL,
    message_key             bigint      NOT NULL,
    message_name            text        NOT NULL,
    correlation_key         text        NOT NULL,
    process_instance_key    bigint      NOT NULL,
    process_definition_key  bigint      NOT NULL,
    element_instance_key    bigint      NOT NULL,
    element_id              text        NOT NULL,
    bpmn_process_id         text        NOT NULL,
    correlated_at           timestamptz NOT NULL,
    tenant_id               text        NOT NULL DEFAULT '<default>',
    PRIMARY KEY (subscription_key, message_key)
);
CREATE INDEX message_correlated_process ON message_correlated (process_instance_key);
CREATE INDEX message_correlated_message ON message_correlated (message_key);

-- One row per decision evaluated: the called one and each required one, whether evaluated on its own (the API) or
-- by a business-rule task (then with its instance and element).
CREATE TABLE decision_instance (
    key                         bigint      PRIMARY KEY,  -- Camunda's decisionEvaluationInstanceKey
    evaluation_key              bigint      NOT NULL,     -- one per evaluation: decisionEvaluationKey
    decision_definition_key     bigint      NOT NULL,
    decision_id                 text        NOT NULL,
    decision_name               text,
    decision_version            integer     NOT NULL,
    decision_type               text        NOT NULL,     -- DECISION_TABLE, LITERAL_EXPRESSION, UNSPECIFIED
    decision_requirements_key   bigint      NOT NULL,
    state                       text        NOT NULL,     -- EVALUATED, FAILED
    evaluation_failure          text,
    result                      jsonb,
    inputs                      jsonb       NOT NULL DEFAULT '[]',
    matched_rules               jsonb       NOT NULL DEFAULT '[]',
    evaluated_at                timestamptz NOT NULL,
    process_instance_key        bigint,
    process_definition_key      bigint,
    element_instance_key        bigint,
    tenant_id                   text        NOT NULL DEFAULT '<default>'
);
CREATE INDEX decision_instance_evaluation ON decision_instance (evaluation_key);
CREATE INDEX decision_instance_definition ON decision_instance (decision_definition_key, evaluated_at);
CREATE INDEX decision_instance_process ON decision_instance (process_instance_key) WHERE process_instance_key IS NOT NULL;
CREATE INDEX decision_instance_evaluated_at ON decision_instance (evaluated_at);
