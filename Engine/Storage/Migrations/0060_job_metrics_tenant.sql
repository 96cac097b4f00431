-- Job counts per tenant (issue 17): an operator who belongs to some tenants sees only their throughput on the
-- operations page, like every other row. Existing counts belong to the default tenant, as every row did before tenants.
ALTER TABLE job_metrics ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE job_metrics DROP CONSTRAINT job_metrics_pkey;
ALTER TABLE job_metrics ADD PRIMARY KEY (minute, type, tenant_id);
