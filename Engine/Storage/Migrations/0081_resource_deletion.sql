-- Resource deletion (Camunda's POST /v2/resources/{key}/deletion). A deleted process definition, decision requirements
-- graph (with its decisions) or form keeps its row: instances, decision instances and their history still name it and
-- still show its model. Every "latest version" lookup, search and get-by-key of the API leaves deleted rows out, so
-- the previous version becomes the latest again; version numbers keep counting (a redeploy gets a new number).
ALTER TABLE process_definition ADD COLUMN deleted_at timestamptz;
ALTER TABLE decision_requirements ADD COLUMN deleted_at timestamptz;
ALTER TABLE decision_definition ADD COLUMN deleted_at timestamptz;
ALTER TABLE form_definition ADD COLUMN deleted_at timestamptz;

-- Every host caches parsed models by key; a deletion, whoever makes it (the API on any host, a script, psql), tells
-- them to forget it. Sent at commit; the payload names the kind and key ("process:<key>", "drg:<key>", "form:<key>").
CREATE FUNCTION processes_definition_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
        -- TG_ARGV: the payload's kind, the table's key column.
        PERFORM pg_notify('processes_definitions', TG_ARGV[0] || ':' || (to_jsonb(NEW) ->> TG_ARGV[1]));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER process_definition_deleted AFTER UPDATE OF deleted_at ON process_definition
    FOR EACH ROW EXECUTE FUNCTION processes_definition_deleted('process', 'process_definition_key');
CREATE TRIGGER decision_requirements_deleted AFTER UPDATE OF deleted_at ON decision_requirements
    FOR EACH ROW EXECUTE FUNCTION processes_definition_deleted('drg', 'decision_requirements_key');
CREATE TRIGGER form_definition_deleted AFTER UPDATE OF deleted_at ON form_definition
    FOR EACH ROW EXECUTE FUNCTION processes_definition_deleted('form', 'form_key');
