-- Managed catalogues (reference data the forms offer and the API accepts; Activities/Catalogues/CatalogueStore owns it):
-- every change is a new version row, never an update, so who changed what and when stays readable and a version a case
-- was started with can be read again. A catalogue may name a parent catalogue: its entries then each name the parent
-- value they belong to (the exception order's problem type → detail).
CREATE TABLE catalogue_version (
    tenant_id   text        NOT NULL,
    name        text        NOT NULL,
    version     integer     NOT NULL CHECK (version > 0),
    title       text        NOT NULL,
    parent      text,
    entries     jsonb       NOT NULL,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name, version)
);
