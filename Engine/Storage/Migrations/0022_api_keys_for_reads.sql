-- Camunda's v2 API names a variable by an int64 key (GET /v2/variables/{key}); the row keeps its key across
-- updates (the upsert leaves it alone), a new row draws one from the default. Element instances are read from the
-- history (finished ones included), by key: the index makes GET /v2/element-instances/{key} a lookup, not a scan.
CREATE SEQUENCE variable_key START WITH 2251799813685300;
ALTER TABLE variable ADD COLUMN key bigint NOT NULL DEFAULT nextval('variable_key');
CREATE UNIQUE INDEX variable_by_key ON variable (key);
CREATE INDEX execution_history_element ON execution_history (element_instance_key) WHERE event = 'ELEMENT_ACTIVATING';
