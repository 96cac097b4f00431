-- Documents (Camunda 8.8's documents API, issue 20's optional part; issue 25's visit photo), stored in the product's
-- own database rather than a bucket: one owner (Host/Documents/DocumentStore), one backup, one transaction. Content is
-- bytea (TOASTed, read whole: documents are capped by Processes:Documents:MaxBytes, a few MB, so large objects and
-- their separate lifecycle buy nothing). A document belongs to a tenant and, once attached, to a process instance:
-- whoever may not see that instance gets a 404 for it.
CREATE TABLE document (
    document_id           text        PRIMARY KEY,
    tenant_id             text        NOT NULL,
    process_instance_key  bigint,
    content_type          text        NOT NULL,
    file_name             text        NOT NULL,
    size                  bigint      NOT NULL,
    content_hash          text        NOT NULL,
    metadata              jsonb       NOT NULL,
    content               bytea       NOT NULL,
    created_by            text        NOT NULL,
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz
);
CREATE INDEX document_instance ON document (process_instance_key) WHERE process_instance_key IS NOT NULL;
