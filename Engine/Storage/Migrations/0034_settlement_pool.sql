-- The settlement pool of each service network (the activities' tables, owned by Activities/Settlement/SettlementPool):
-- an append-only ledger of movements in decimal (never float): a fee credited once per service order, a withdrawal
-- reserved when finance is asked for it, returned when finance rejects it. The pool's balance is their sum. Each
-- movement names who moved it and when (the audit of the pool); the unique reference makes every movement idempotent.
CREATE TABLE settlement_movement (
    id                    bigserial      PRIMARY KEY,
    network               text           NOT NULL,
    kind                  text           NOT NULL CHECK (kind IN ('fee', 'withdrawal', 'withdrawal-returned')),
    amount                numeric(14, 2) NOT NULL CHECK (amount > 0),
    reference             text           NOT NULL,
    period                text,
    actor                 text           NOT NULL,
    process_instance_key  bigint,
    at                    timestamptz    NOT NULL,
    UNIQUE (network, kind, reference)
);
CREATE INDEX settlement_movement_period ON settlement_movement (network, period);

CREATE TABLE settlement_withdrawal (
    id            bigserial      PRIMARY KEY,
    network       text           NOT NULL,
    amount        numeric(14, 2) NOT NULL CHECK (amount > 0),
    request_id    text           NOT NULL,
    state         text           NOT NULL CHECK (state IN ('requested', 'approved', 'rejected')),
    requested_by  text           NOT NULL,
    requested_at  timestamptz    NOT NULL,
    reviewed_by   text,
    reviewed_at   timestamptz,
    review_note   text,
    UNIQUE (network, request_id)
);
