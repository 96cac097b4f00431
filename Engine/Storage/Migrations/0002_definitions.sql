-- Definitions: deployments store their resources verbatim; every BPMN process id gets versions 1, 2, 3...
-- Keys are int64 like Camunda's, drawn from one sequence so a key never names two things.
CREATE SEQUENCE definition_key START WITH 2251799813685249;

CREATE TABLE deployment (
    deployment_key bigint      PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE deployment_resource (
    deployment_key bigint NOT NULL REFERENCES deployment (deployment_key),
    resource_name  text   NOT NULL,
    content        bytea  NOT NULL,
    -- SHA-256 of content, lowercase hex: decides whether a redeployed process is a duplicate.
    checksum       text   NOT NULL,
    PRIMARY KEY (deployment_key, resource_name)
);

CREATE TABLE process_definition (
    process_definition_key bigint      PRIMARY KEY,
    bpmn_process_id        text        NOT NULL,
    version                integer     NOT NULL CHECK (version > 0),
    name                   text,
    version_tag            text,
    resource_name          text        NOT NULL,
    checksum               text        NOT NULL,
    deployment_key         bigint      NOT NULL,
    deployed_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bpmn_process_id, version),
    FOREIGN KEY (deployment_key, resource_name) REFERENCES deployment_resource (deployment_key, resource_name)
);
