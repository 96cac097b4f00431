-- Connector secrets managed by admins (issue 24): {{secrets.NAME}} in a model resolves to a configured value
-- (Processes:Secrets:NAME, which wins) or to the value stored here. The value is encrypted with ASP.NET Core Data
-- Protection before it reaches the database and is never read back through the API: only names and who set them when.
CREATE TABLE connector_secret (
    name            text        PRIMARY KEY,
    protected_value text        NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text
);
