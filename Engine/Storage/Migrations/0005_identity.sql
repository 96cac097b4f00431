-- Identity and audit: users, groups, roles, API keys, and the audit log of human and operator actions.
-- User and group names are unique regardless of case ("Alice" and "alice" are one person to an agent).
CREATE TABLE app_user (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name       text        NOT NULL CHECK (user_name <> ''),
    display_name    text        NOT NULL,
    email           text,
    -- Null for API-only users (service accounts): they sign in with API keys, never with a password.
    password_hash   text,
    enabled         boolean     NOT NULL DEFAULT true,
    -- Changes on password reset and disable; sessions carry it, so a change ends every open session.
    security_stamp  uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- Set when someone else chose the password (generated first admin, admin reset): the session may only change it.
    password_change_required boolean NOT NULL DEFAULT false,
    failed_logins   integer     NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    version         integer     NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX app_user_user_name_key ON app_user (lower(user_name));

CREATE TABLE app_group (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL CHECK (name <> ''),
    display_name  text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    version       integer     NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX app_group_name_key ON app_group (lower(name));

CREATE TABLE user_group (
    user_id   bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    group_id  bigint NOT NULL REFERENCES app_group (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_group_group_id_idx ON user_group (group_id);

CREATE TABLE user_role (
    user_id  bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    role     text   NOT NULL CHECK (role IN ('designer', 'agent', 'supervisor', 'finance', 'admin', 'operator')),
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_role_role_idx ON user_role (role);

-- Keys look like pk_<prefix>_<secret>: the prefix finds the row, the SHA-256 of the secret proves it.
CREATE TABLE api_key (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    name          text        NOT NULL,
    prefix        text        NOT NULL UNIQUE,
    secret_hash   bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_key_user_id_idx ON api_key (user_id);

CREATE TABLE audit_log (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text        NOT NULL,
    -- The API key the actor used, null for a session or the system.
    api_key_id      bigint,
    action          text        NOT NULL,
    target_type     text,
    target_id       text,
    details         jsonb,
    remote_address  text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_at_idx ON audit_log (actor, at);
