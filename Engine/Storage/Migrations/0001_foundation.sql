-- Foundation: the registry of engine nodes sharing this database.
-- Later scripts add definitions, runtime state, jobs and timers; each script is applied once, in order.
CREATE TABLE engine_node (
    node_id        text        PRIMARY KEY,
    host_name      text        NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    heartbeat_at   timestamptz NOT NULL DEFAULT now()
);
