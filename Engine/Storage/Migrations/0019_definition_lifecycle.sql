-- The life of a definition (issue 24): the versions page counts instances per definition, and migration lists the
-- active instances of one version; both look instances up by their definition key.
CREATE INDEX process_instance_definition ON process_instance (process_definition_key, state);

-- A suspended version starts no new instance (its running instances continue); null: not suspended.
ALTER TABLE process_definition ADD COLUMN suspended_at timestamptz;
