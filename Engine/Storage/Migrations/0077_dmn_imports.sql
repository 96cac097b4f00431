-- DMN imports (issue 23): a DMN file imports another by the namespace of its definitions. A deployment resolves each
-- import to a file of the same deployment or to the latest decision requirements of the tenant with that namespace,
-- and keeps what it resolved to, so the importing model evaluates against the same imported version every time.
-- Rows deployed before have no namespace until their file is deployed again (unchanged or not).
ALTER TABLE decision_requirements ADD COLUMN namespace text;
ALTER TABLE decision_requirements ADD COLUMN imported_keys bigint[] NOT NULL DEFAULT '{}';
CREATE INDEX decision_requirements_namespace ON decision_requirements (tenant_id, namespace, decision_requirements_key DESC)
    WHERE namespace IS NOT NULL;
