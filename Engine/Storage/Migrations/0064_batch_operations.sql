-- Camunda 8.8's batch operations (issue 20): a filter turned into items when the batch is created, each item one engine
-- command in its own transaction. The batch keeps who created it and the tenants they could see (null: every tenant), so
-- its items run as that caller and only callers who see as much see the batch.
CREATE TABLE batch_operation (
    key             bigint      PRIMARY KEY,
    operation_type  text        NOT NULL,  -- CANCEL_PROCESS_INSTANCE, RESOLVE_INCIDENT, MIGRATE_PROCESS_INSTANCE, MODIFY_PROCESS_INSTANCE
    state           text        NOT NULL,  -- ACTIVE, SUSPENDED, COMPLETED, PARTIALLY_COMPLETED, CANCELED
    created_by      text        NOT NULL,
    caller          jsonb       NOT NULL,  -- user, roles, groups, tenants of the creator: the items run as them
    tenants         text[],
    plan            jsonb,                 -- the migration plan or the move instructions
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz
);
CREATE INDEX batch_operation_open ON batch_operation (key) WHERE state = 'ACTIVE';

CREATE TABLE batch_operation_item (
    batch_operation_key   bigint      NOT NULL REFERENCES batch_operation (key) ON DELETE CASCADE,
    item_key              bigint      NOT NULL,  -- the process instance, or the incident to resolve
    process_instance_key  bigint      NOT NULL,
    state                 text        NOT NULL,  -- ACTIVE, COMPLETED, FAILED, CANCELED
    processed_at          timestamptz,
    error_message         text,
    PRIMARY KEY (batch_operation_key, item_key)
);
CREATE INDEX batch_operation_item_open ON batch_operation_item (batch_operation_key, item_key) WHERE state = 'ACTIVE';
