-- Positions and permission limits (the activities' tables, owned by Activities/Assignment/PositionStore and AgentStore):
-- a position names duties, the customer tiers it serves and the refund an agent in it may grant alone (decimal, never
-- float; null: none without finance). An agent profile names its position and grade and whether the person is
-- outsourced staff, which central dispatch can require or exclude.
CREATE TABLE agent_position (
    tenant_id     text           NOT NULL,
    name          text           NOT NULL,
    title         text           NOT NULL,
    duties        text[]         NOT NULL DEFAULT '{}',
    tiers         text[]         NOT NULL DEFAULT '{}',
    refund_limit  numeric(14, 2) CHECK (refund_limit >= 0),
    updated_at    timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

ALTER TABLE agent_profile
    ADD COLUMN position    text,
    ADD COLUMN grade       text,
    ADD COLUMN outsourced  boolean NOT NULL DEFAULT false;
