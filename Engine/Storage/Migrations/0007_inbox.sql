-- Comments agents leave on a task (the demand's working notes), and stored answers of idempotent requests.
CREATE TABLE task_comment (
    id             bigserial   PRIMARY KEY,
    user_task_key  bigint      NOT NULL,
    author         text        NOT NULL,
    text           text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_comment_task ON task_comment (user_task_key, id);

-- A retried request with the same Idempotency-Key (per caller and route) gets the first answer back.
CREATE TABLE idempotent_request (
    caller        text        NOT NULL,
    route         text        NOT NULL,
    key           text        NOT NULL,
    status        integer     NOT NULL,
    body          text        NOT NULL,
    content_type  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, route, key)
);
CREATE INDEX idempotent_request_age ON idempotent_request (created_at);
