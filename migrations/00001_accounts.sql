-- Accounts: users with one role each, server-side sessions and the failed
-- logins that throttling counts.

-- +goose Up
CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored in lower case; the check keeps the column honest even when
    -- rows come from somewhere other than the application.
    username            text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{2,31}$'),
    name                text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 50),
    -- Mainland mobile numbers only; optional for staff created from the CLI.
    phone               text CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    role                text NOT NULL CHECK (role IN ('trainee', 'lecturer', 'coordinator', 'admin')),
    password_hash       text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled_at         timestamptz,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_role_idx ON users (role);

-- A session row is keyed by the SHA-256 of the cookie's token, so a leaked
-- copy of the table cannot be replayed as cookies.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_last_seen_at_idx ON sessions (last_seen_at);

-- Sign-in attempts not (yet) known to have succeeded, counted per account
-- and per client address over a window.
CREATE TABLE login_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username  text NOT NULL CHECK (char_length(username) <= 64),
    client_ip inet NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON login_failures (username, failed_at);
CREATE INDEX login_failures_client_ip_idx ON login_failures (client_ip, failed_at);
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
