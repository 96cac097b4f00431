-- Tenants: business lines and merchants sharing one installation, each seeing only its own definitions and cases.
-- Every existing row becomes the default tenant's ('<default>', Camunda's id for it), so a single-tenant install
-- sees no change. Adding a NOT NULL column with a constant default is a catalogue change in PostgreSQL (no table
-- rewrite), so a running install applies this without copying its runtime tables.
CREATE TABLE tenant (
    -- Camunda's tenant ids: letters, digits, '_', '-', '.'; '<default>' is the one id with angle brackets.
    id          text        PRIMARY KEY CHECK (id = '<default>' OR id ~ '^[A-Za-z0-9_.-]{1,31}$'),
    name        text        NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenant (id, name) VALUES ('<default>', 'Default');

-- Members: users directly, and every user of a member group. A user with no membership at all works in
-- '<default>' (as every user did before tenants), so existing users need no rows here.
CREATE TABLE tenant_user (
    tenant_id  text   NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX tenant_user_user ON tenant_user (user_id);

CREATE TABLE tenant_group (
    tenant_id  text   NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    group_id   bigint NOT NULL REFERENCES app_group (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, group_id)
);
CREATE INDEX tenant_group_group ON tenant_group (group_id);

-- Definitions: versions count per tenant (tenant A's 'order' v1 and tenant B's 'order' v1 are two definitions).
ALTER TABLE deployment ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE process_definition ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE process_definition DROP CONSTRAINT process_definition_bpmn_process_id_version_key;
ALTER TABLE process_definition ADD CONSTRAINT process_definition_tenant_process_version UNIQUE (tenant_id, bpmn_process_id, version);
ALTER TABLE decision_requirements ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE decision_requirements DROP CONSTRAINT decision_requirements_decision_requirements_id_version_key;
ALTER TABLE decision_requirements ADD CONSTRAINT decision_requirements_tenant_id_version UNIQUE (tenant_id, decision_requirements_id, version);
ALTER TABLE decision_definition ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE decision_definition DROP CONSTRAINT decision_definition_decision_id_version_key;
ALTER TABLE decision_definition ADD CONSTRAINT decision_definition_tenant_id_version UNIQUE (tenant_id, decision_id, version);
ALTER TABLE form_definition ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE form_definition DROP CONSTRAINT form_definition_form_id_version_key;
ALTER TABLE form_definition ADD CONSTRAINT form_definition_tenant_id_version UNIQUE (tenant_id, form_id, version);

ALTER TABLE start_event_subscription ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE start_event_subscription DROP CONSTRAINT start_event_subscription_pkey;
ALTER TABLE start_event_subscription ADD PRIMARY KEY (tenant_id, bpmn_process_id, element_id);

-- Runtime rows: each carries its instance's tenant (written with the row, never looked up at read time).
ALTER TABLE process_instance ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
DROP INDEX process_instance_business_key;
CREATE UNIQUE INDEX process_instance_business_key ON process_instance (tenant_id, bpmn_process_id, business_key) WHERE business_key IS NOT NULL;
ALTER TABLE element_instance ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE job ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE timer ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE incident ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE user_task ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE message_subscription ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE signal_subscription ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';

-- Messages correlate only within their tenant: colliding correlation keys of two tenants never meet.
ALTER TABLE message ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
DROP INDEX message_dedup;
CREATE UNIQUE INDEX message_dedup ON message (tenant_id, name, correlation_key, message_id) WHERE message_id IS NOT NULL;
ALTER TABLE message_start_key ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
DROP INDEX message_start_key_unique;
CREATE UNIQUE INDEX message_start_key_unique ON message_start_key (tenant_id, bpmn_process_id, correlation_key);
