-- Server-side sessions, shared Data Protection keys and sign-in throttling by address (issue 22).

-- One row per signed-in browser session. The cookie carries only the session id (inside the Data Protection
-- envelope); the row decides on every request whether it still counts, so logout, disable and a password change
-- end a session on every host at once, and a copied cookie is worthless after logout.
-- The id is stored as its SHA-256: a reader of this table cannot turn a row back into a cookie.
CREATE TABLE user_session (
    id_hash         bytea       PRIMARY KEY,
    user_id         bigint      NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    remote_address  text
);
CREATE INDEX user_session_user_id_idx ON user_session (user_id) WHERE revoked_at IS NULL;
CREATE INDEX user_session_expires_at_idx ON user_session (expires_at);

-- The ASP.NET Core Data Protection key ring, shared by all hosts so a cookie issued by one is read by another.
-- The XML is stored as the configured encryptor left it: the key material itself is encrypted, never plain.
CREATE TABLE data_protection_key (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name   text        NOT NULL,
    xml             text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Failed sign-ins per remote address, across all accounts: password spraying is stopped here, not per account.
-- failures decays to zero once the last failure is older than the configured window.
CREATE TABLE sign_in_address (
    remote_address   text        PRIMARY KEY,
    failures         integer     NOT NULL DEFAULT 0,
    last_failure_at  timestamptz NOT NULL DEFAULT now(),
    blocked_until    timestamptz
);

-- Addresses an account recently signed in from with its password. The account lock (app_user.locked_until) does
-- not apply to them, so failures from elsewhere cannot lock a user (the admin above all) out of their usual place.
CREATE TABLE sign_in_known_address (
    user_id          bigint      NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    remote_address   text        NOT NULL,
    last_success_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, remote_address)
);
