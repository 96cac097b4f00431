-- What Camunda 8.8's searches filter and sort on that no column held yet (issue 20).

-- Element names by id, kept with the definition at deployment, so element instances sort and filter by elementName in
-- SQL (names otherwise live only in the model file).
ALTER TABLE process_definition ADD COLUMN element_names jsonb NOT NULL DEFAULT '{}';

-- Definitions deployed before: every element of the process with an id and a name, read from the stored file (as 0028
-- read start forms). A file that does not parse keeps {}: its elements go by their ids.
DO $$
DECLARE
    d record;
    names jsonb;
BEGIN
    FOR d IN SELECT p.process_definition_key, p.bpmn_process_id, r.content FROM process_definition p
             JOIN deployment_resource r ON r.deployment_key = p.deployment_key AND r.resource_name = p.resource_name LOOP
        BEGIN
            SELECT coalesce(jsonb_object_agg(id, name), '{}') INTO names FROM (
                SELECT DISTINCT ON (id) id, name FROM (
                    SELECT (xpath('/*/@id', node))[1]::text AS id, (xpath('/*/@name', node))[1]::text AS name
                    FROM unnest(xpath(
                        '/bpmn:definitions/bpmn:process[@id="' || replace(d.bpmn_process_id, '"', '') || '"]//*[@id and @name]',
                        xmlparse(DOCUMENT regexp_replace(convert_from(d.content, 'UTF8'), '^\s*<\?xml[^>]*\?>', '')),
                        ARRAY[ARRAY['bpmn', 'http://www.omg.org/spec/BPMN/20100524/MODEL']])) AS node) named
                WHERE btrim(name) <> '' ORDER BY id) distinct_names;
            UPDATE process_definition SET element_names = names WHERE process_definition_key = d.process_definition_key;
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
END
$$;

-- Camunda's incidentErrorHashCode is Java's String.hashCode() of the error message (s[0]·31^(n-1) + … + s[n-1] over
-- UTF-16 code units, in 32-bit two's complement), so a client's hash finds the same incidents here.
CREATE FUNCTION java_string_hash(message text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    hash bigint := 0;
    code integer;
    unit integer;
BEGIN
    FOREACH code IN ARRAY (SELECT coalesce(array_agg(ascii(c) ORDER BY i), '{}') FROM unnest(string_to_array(message, NULL)) WITH ORDINALITY AS t(c, i)) LOOP
        IF code > 65535 THEN
            -- A code point beyond the BMP is two UTF-16 units in Java: its high and its low surrogate.
            unit := 55296 + ((code - 65536) >> 10);
            hash := (hash * 31 + unit) & 4294967295;
            unit := 56320 + ((code - 65536) & 1023);
        ELSE
            unit := code;
        END IF;
        hash := (hash * 31 + unit) & 4294967295;
    END LOOP;
    RETURN CASE WHEN hash >= 2147483648 THEN hash - 4294967296 ELSE hash END;
END
$$;
