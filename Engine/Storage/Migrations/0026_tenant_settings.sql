-- Business calendars, SMS templates and agent profiles belong to a tenant like the definitions that use them: a
-- business line's holidays, texts and agents are its own, and one tenant's 'support-hours' never decides another's
-- SLA. Existing rows are the default tenant's, so a single-tenant install sees no change; names are unique per tenant.
ALTER TABLE business_calendar ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE business_calendar DROP CONSTRAINT business_calendar_pkey;
ALTER TABLE business_calendar ADD PRIMARY KEY (tenant_id, name);

ALTER TABLE sms_template ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE sms_template DROP CONSTRAINT sms_template_pkey;
ALTER TABLE sms_template ADD PRIMARY KEY (tenant_id, id);

-- An agent working for two business lines has a profile in each (skills, capacity and phone may differ).
ALTER TABLE agent_profile ADD COLUMN tenant_id text NOT NULL DEFAULT '<default>';
ALTER TABLE agent_profile DROP CONSTRAINT agent_profile_pkey;
ALTER TABLE agent_profile ADD PRIMARY KEY (tenant_id, user_name);
