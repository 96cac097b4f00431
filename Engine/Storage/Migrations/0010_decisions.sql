-- DMN decisions. A deployed .dmn file is a decision requirements graph (DRG, the file's definitions element); each
-- DRG id and each decision id gets versions 1, 2, 3... like process ids: a new version only when the file changed.
-- Keys come from definition_key, like process definition keys.
CREATE TABLE decision_requirements (
    decision_requirements_key bigint      PRIMARY KEY,
    decision_requirements_id  text        NOT NULL,
    version                   integer     NOT NULL CHECK (version > 0),
    name                      text,
    resource_name             text        NOT NULL,
    checksum                  text        NOT NULL,
    deployment_key            bigint      NOT NULL,
    deployed_at               timestamptz NOT NULL DEFAULT now(),
    UNIQUE (decision_requirements_id, version),
    FOREIGN KEY (deployment_key, resource_name) REFERENCES deployment_resource (deployment_key, resource_name)
);

CREATE TABLE decision_definition (
    decision_definition_key   bigint      PRIMARY KEY,
    decision_id               text        NOT NULL,
    version                   integer     NOT NULL CHECK (version > 0),
    name                      text,
    decision_requirements_key bigint      NOT NULL REFERENCES decision_requirements (decision_requirements_key),
    decision_requirements_id  text        NOT NULL,
    resource_name             text        NOT NULL,
    checksum                  text        NOT NULL,
    deployment_key            bigint      NOT NULL,
    deployed_at               timestamptz NOT NULL DEFAULT now(),
    UNIQUE (decision_id, version),
    FOREIGN KEY (deployment_key, resource_name) REFERENCES deployment_resource (deployment_key, resource_name)
);
CREATE INDEX decision_definition_requirements ON decision_definition (decision_requirements_key);
