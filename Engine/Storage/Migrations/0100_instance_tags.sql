-- Camunda 8.8's process-instance tags (issue 20): at most ten short labels given when the instance is created, kept for
-- its whole life. Searches ask for instances holding all of some tags (tags @> ARRAY[...]): the GIN index answers that
-- without reading every instance.
ALTER TABLE process_instance ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX process_instance_tags ON process_instance USING gin (tags);
