-- Forms (form-js JSON, .form files). Each form id gets versions 1, 2, 3... like process ids: a new version only
-- when the file changed. The content stays in deployment_resource; user tasks name a form by id (form_key
-- 'form:<id>') and are shown its latest version. Keys come from definition_key, like process definition keys.
CREATE TABLE form_definition (
    form_key       bigint      PRIMARY KEY,
    form_id        text        NOT NULL,
    version        integer     NOT NULL CHECK (version > 0),
    resource_name  text        NOT NULL,
    checksum       text        NOT NULL,
    deployment_key bigint      NOT NULL,
    deployed_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (form_id, version),
    FOREIGN KEY (deployment_key, resource_name) REFERENCES deployment_resource (deployment_key, resource_name)
);
