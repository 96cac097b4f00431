-- Who deployed (issue 24): the versions page and the audit log name the person (or API key owner) behind each
-- deployment. Null for deployments made before this column, and for the host's own deployment of shipped models.
ALTER TABLE deployment ADD COLUMN deployed_by text;
