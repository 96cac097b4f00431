-- Exactly-once creating commands (issue 21): the command's own transaction records its outcome here, so a retry
-- after a crash between the command's commit and the stored answer replays the outcome instead of acting again.
-- A row with an outcome and no status is such a command whose answer was never stored; request_hash tells a
-- retry from a different request under the same key.
ALTER TABLE idempotent_request ALTER COLUMN status DROP NOT NULL;
ALTER TABLE idempotent_request ALTER COLUMN body DROP NOT NULL;
ALTER TABLE idempotent_request ADD COLUMN outcome jsonb;
ALTER TABLE idempotent_request ADD COLUMN request_hash text;
