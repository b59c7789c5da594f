-- 0001: the first schema.
--
-- IDs are text because callers choose them (UUID strings) and a malformed ID
-- must find nothing rather than fail to parse. Names that are unique in any
-- letter case keep the original beside a *_key column holding accounts.Fold
-- of it; uniqueness and lookups use the key. Key and ID columns use the "C"
-- collation so ORDER BY is bytewise, as in every other backend, whatever the
-- database's default collation is.

CREATE TABLE teams (
    id          text COLLATE "C" PRIMARY KEY,
    slug        text NOT NULL,
    slug_key    text COLLATE "C" NOT NULL,
    name        text NOT NULL,
    plan        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT teams_slug_uq UNIQUE (slug_key)
);

CREATE TABLE domains (
    id                  text COLLATE "C" PRIMARY KEY,
    team_id             text COLLATE "C" NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name                text NOT NULL,
    name_key            text COLLATE "C" NOT NULL,
    verification_token  text NOT NULL,
    verified_at         timestamptz,
    created_at          timestamptz NOT NULL,
    CONSTRAINT domains_team_name_uq UNIQUE (team_id, name_key)
);
-- Many teams may claim a name; at most one may have verified it.
CREATE UNIQUE INDEX domains_verified_name_uq ON domains (name_key) WHERE verified_at IS NOT NULL;

CREATE TABLE users (
    id                  text COLLATE "C" PRIMARY KEY,
    username            text NOT NULL,
    username_key        text COLLATE "C" NOT NULL,
    name                text NOT NULL,
    email               text NOT NULL,
    email_key           text COLLATE "C" NOT NULL,
    email_verified_at   timestamptz,
    status              text NOT NULL,
    -- NULL, not '', when no team manages the account, so the foreign key holds.
    managed_by_team_id  text COLLATE "C" REFERENCES teams (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT users_username_uq UNIQUE (username_key),
    CONSTRAINT users_email_uq UNIQUE (email_key)
);

CREATE TABLE memberships (
    team_id     text COLLATE "C" NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id     text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text NOT NULL,
    source      text NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE passwords (
    user_id     text COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash        text NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE sessions (
    id               text COLLATE "C" PRIMARY KEY,
    user_id          text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash       bytea NOT NULL,
    created_at       timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    idle_expires_at  timestamptz NOT NULL,
    abs_expires_at   timestamptz NOT NULL,
    persistent       boolean NOT NULL,
    user_agent       text NOT NULL,
    ip               text NOT NULL, -- text, not inet: whatever the edge saw is kept verbatim
    auth_method      text NOT NULL,
    revoked_at       timestamptz,
    revoked_reason   text NOT NULL,
    CONSTRAINT sessions_token_hash_uq UNIQUE (token_hash)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE one_time_tokens (
    id          text COLLATE "C" PRIMARY KEY,
    user_id     text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL,
    token_hash  bytea NOT NULL,
    data        text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CONSTRAINT one_time_tokens_token_hash_uq UNIQUE (token_hash)
);
-- CreateToken supersedes the user's unused tokens of one purpose.
CREATE INDEX one_time_tokens_user_purpose_idx ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL;

CREATE TABLE scim_tokens (
    id            text COLLATE "C" PRIMARY KEY,
    team_id       text COLLATE "C" NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name          text NOT NULL,
    prefix        text NOT NULL,
    token_hash    bytea NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    CONSTRAINT scim_tokens_token_hash_uq UNIQUE (token_hash)
);
CREATE INDEX scim_tokens_team_idx ON scim_tokens (team_id);

-- No foreign keys: the audit log outlives what it talks about. team_id is ''
-- for events outside any team, so one index serves both kinds of listing.
CREATE TABLE audit_events (
    id          text COLLATE "C" PRIMARY KEY,
    team_id     text COLLATE "C" NOT NULL,
    actor_kind  text NOT NULL,
    actor_id    text NOT NULL,
    action      text NOT NULL,
    target_id   text NOT NULL,
    ip          text NOT NULL,
    details     jsonb,
    created_at  timestamptz NOT NULL
);
CREATE INDEX audit_events_team_created_idx ON audit_events (team_id, created_at DESC, id DESC);

CREATE TABLE rate_limits (
    key           text COLLATE "C" NOT NULL,
    window_start  timestamptz NOT NULL,
    count         integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
