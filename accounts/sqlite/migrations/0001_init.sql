-- 0001: the first schema.
--
-- IDs are TEXT because callers choose them (UUID strings). Names that are
-- unique in any letter case keep the original beside a *_key column holding
-- accounts.Fold of it, computed in Go so every backend agrees on "the same
-- name"; uniqueness and lookups use the key. Times are INTEGER microseconds
-- since the Unix epoch, UTC, so comparisons and ORDER BY are exact; NULL
-- means "not yet". TEXT compares bytewise (BINARY collation), as in every
-- other backend.

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL,
    slug_key    TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    plan        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}', -- JSON of accounts.TeamSettings
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE domains (
    id                  TEXT PRIMARY KEY,
    team_id             TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    verification_token  TEXT NOT NULL,
    verified_at         INTEGER,
    created_at          INTEGER NOT NULL,
    UNIQUE (team_id, name_key)
);
-- Many teams may claim a name; at most one may have verified it.
CREATE UNIQUE INDEX domains_verified_name_uq ON domains (name_key) WHERE verified_at IS NOT NULL;

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL,
    username_key        TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL,
    email_key           TEXT NOT NULL UNIQUE,
    email_verified_at   INTEGER,
    status              TEXT NOT NULL,
    -- NULL, not '', when no team manages the account, so the foreign key holds.
    managed_by_team_id  TEXT REFERENCES teams (id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
-- SQLite does not index foreign keys by itself; deleting a team scans this.
CREATE INDEX users_managed_by_idx ON users (managed_by_team_id) WHERE managed_by_team_id IS NOT NULL;

CREATE TABLE memberships (
    team_id     TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_user_idx ON memberships (user_id);
CREATE INDEX memberships_team_created_idx ON memberships (team_id, created_at);

CREATE TABLE passwords (
    user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash        TEXT NOT NULL, -- PHC string
    updated_at  INTEGER NOT NULL
);

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash       BLOB NOT NULL UNIQUE, -- SHA-256 of the cookie token
    created_at       INTEGER NOT NULL,
    last_seen_at     INTEGER NOT NULL,
    idle_expires_at  INTEGER NOT NULL,
    abs_expires_at   INTEGER NOT NULL,
    persistent       INTEGER NOT NULL, -- 0 or 1
    user_agent       TEXT NOT NULL,
    ip               TEXT NOT NULL,
    auth_method      TEXT NOT NULL,
    revoked_at       INTEGER,
    revoked_reason   TEXT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);

CREATE TABLE one_time_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    token_hash  BLOB NOT NULL,
    data        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    UNIQUE (token_hash, purpose)
);
-- CreateToken supersedes the user's unused tokens of one purpose.
CREATE INDEX one_time_tokens_user_purpose_idx ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL;

CREATE TABLE scim_tokens (
    id            TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    BLOB NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    expires_at    INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX scim_tokens_team_idx ON scim_tokens (team_id, created_at);

-- No foreign keys: the audit log outlives what it talks about. team_id is ''
-- for events outside any team, so one index serves both kinds of listing.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    ip          TEXT NOT NULL,
    details     TEXT, -- JSON object of strings; NULL when there are none
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_events_team_created_idx ON audit_events (team_id, created_at DESC, id DESC);

CREATE TABLE rate_limits (
    key           TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
-- PurgeExpired deletes by window start across all keys.
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);
