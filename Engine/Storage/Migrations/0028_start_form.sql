-- Whether a process starts with a form (hasStartForm in Camunda's process definition): the formId of the linked
-- form on its plain start event, kept with the definition at deployment, so a search reads no models.
ALTER TABLE process_definition ADD COLUMN start_form_id text;

-- Definitions deployed before: read from the stored file, as the engine reads it (a top-level start event without an
-- event definition, its zeebe:formDefinition formId). A file that does not parse keeps null: no start form shown.
DO $$
DECLARE
    d record;
    found text[];
BEGIN
    FOR d IN SELECT p.process_definition_key, p.bpmn_process_id, r.content FROM process_definition p
             JOIN deployment_resource r ON r.deployment_key = p.deployment_key AND r.resource_name = p.resource_name LOOP
        BEGIN
            found := xpath(
                '/bpmn:definitions/bpmn:process[@id="' || replace(d.bpmn_process_id, '"', '') || '"]/bpmn:startEvent[not(bpmn:messageEventDefinition'
                || ' or bpmn:timerEventDefinition or bpmn:signalEventDefinition or bpmn:conditionalEventDefinition)]'
                || '/bpmn:extensionElements/zeebe:formDefinition/@formId',
                xmlparse(DOCUMENT regexp_replace(convert_from(d.content, 'UTF8'), '^\s*<\?xml[^>]*\?>', '')),
                ARRAY[ARRAY['bpmn', 'http://www.omg.org/spec/BPMN/20100524/MODEL'], ARRAY['zeebe', 'http://camunda.org/schema/zeebe/1.0']])::text[];
            IF cardinality(found) > 0 AND btrim(found[1]) <> '' THEN
                UPDATE process_definition SET start_form_id = btrim(found[1]) WHERE process_definition_key = d.process_definition_key;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
END
$$;
