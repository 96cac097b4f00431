-- Connector secrets belong to a tenant (issue 24 with 17): two business lines may both call their CRM with
-- {{secrets.CRM_TOKEN}} and each job resolves its own tenant's value. Existing secrets are the default tenant's,
-- so a single-tenant install sees no change; names are unique per tenant. Configuration values stay shared by all.
ALTER TABLE connector_secret ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE connector_secret DROP CONSTRAINT connector_secret_pkey;
ALTER TABLE connector_secret ADD PRIMARY KEY (tenant_id, name);
