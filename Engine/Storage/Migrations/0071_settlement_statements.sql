-- Monthly statements of the settlement pools (issue 25; owned by Activities/Settlement/SettlementStatements): one per
-- tenant, network and month (UTC), made once by the recurring duty or finance and never rewritten. The month's
-- movements are kept with it as they stood (jsonb), so a statement reads the same however the ledger grows.
CREATE TABLE settlement_statement (
    id              bigserial      PRIMARY KEY,
    tenant_id       text           NOT NULL,
    network         text           NOT NULL,
    period          text           NOT NULL CHECK (period ~ '^\d{4}-\d{2}$'),
    period_start    timestamptz    NOT NULL,
    period_end      timestamptz    NOT NULL,
    opening         numeric(14, 2) NOT NULL,
    credited        numeric(14, 2) NOT NULL,
    withdrawn       numeric(14, 2) NOT NULL,
    returned        numeric(14, 2) NOT NULL,
    closing         numeric(14, 2) NOT NULL,
    movement_count  integer        NOT NULL,
    movements       jsonb          NOT NULL,
    generated_by    text           NOT NULL,
    generated_at    timestamptz    NOT NULL,
    UNIQUE (tenant_id, network, period)
);
