-- Cluster: the node registry gains load and version, timers gain a claim lease, jobs count their failures
-- (for exponential back-off) and finished jobs are counted per minute and type for the operator's charts.

ALTER TABLE engine_node
    ADD COLUMN version       text    NOT NULL DEFAULT '',
    ADD COLUMN running_jobs  integer NOT NULL DEFAULT 0,
    ADD COLUMN max_jobs      integer NOT NULL DEFAULT 0;

-- A scheduler claims due timers before firing them, so two nodes do not both run the same firing. A claim
-- that outlives its node (crash) expires and the timer is claimed again.
ALTER TABLE timer
    ADD COLUMN claimed_by     text,
    ADD COLUMN claim_expires  timestamptz;

-- Failed attempts so far (the executor's back-off exponent); reset by an operator's retry.
ALTER TABLE job ADD COLUMN failures integer NOT NULL DEFAULT 0;

CREATE TABLE job_metrics (
    minute     timestamptz NOT NULL,   -- start of the UTC minute
    type       text        NOT NULL,
    succeeded  integer     NOT NULL DEFAULT 0,
    failed     integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, type)
);

-- Operator overrides of the retry back-off per job type; they win over the host's configuration and reach every
-- node's executor within its refresh interval.
CREATE TABLE job_type_backoff (
    type     text    PRIMARY KEY,
    base_ms  bigint  NOT NULL CHECK (base_ms >= 0),
    max_ms   bigint  NOT NULL CHECK (max_ms >= base_ms),
    jitter   double precision NOT NULL DEFAULT 0.2 CHECK (jitter >= 0 AND jitter <= 1)
);
