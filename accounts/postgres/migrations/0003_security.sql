-- 0003: self-service security: two-factor credentials, recovery codes,
-- re-authentication, notifications and their outbox, Slack webhooks and
-- spent proof-of-work solutions.

-- When the session's holder last proved their password (or second factor)
-- again; sensitive actions need a recent one.
ALTER TABLE sessions ADD COLUMN reauthenticated_at timestamptz;

-- A TOTP secret, sealed with the key ring. enabled_at is NULL between setup
-- and the first valid code. last_step is the newest RFC 6238 time step a
-- code was accepted for: a code is good once per step.
CREATE TABLE totp_credentials (
    user_id     text COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret      text NOT NULL,
    enabled_at  timestamptz,
    last_step   bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL
);

-- SHA-256 of each recovery code; a used code keeps its row until the set
-- is replaced.
CREATE TABLE recovery_codes (
    user_id     text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Only choices that differ from nothing: a missing row means the default.
CREATE TABLE notification_prefs (
    user_id     text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category    text COLLATE "C" NOT NULL,
    channel     text COLLATE "C" NOT NULL,
    enabled     boolean NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, category, channel)
);

-- The in-app inbox.
CREATE TABLE notifications (
    id          text COLLATE "C" PRIMARY KEY,
    user_id     text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category    text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL,
    link        text NOT NULL,
    created_at  timestamptz NOT NULL,
    read_at     timestamptz
);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- Messages to deliver outside the database (email, Slack), written in the
-- transaction of the event that causes them. A worker claims rows for a
-- lease (claim_id, claimed_until), then marks them sent or schedules a retry.
CREATE TABLE outbox (
    id               text COLLATE "C" PRIMARY KEY,
    channel          text NOT NULL,
    recipient        text NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    claim_id         text NOT NULL DEFAULT '',
    claimed_until    timestamptz,
    sent_at          timestamptz,
    failed_at        timestamptz,
    last_error       text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_channel_created_idx ON outbox (channel, created_at DESC);

-- A team's Slack incoming-webhook URL, sealed with the key ring.
CREATE TABLE slack_webhooks (
    team_id     text COLLATE "C" PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    url         text NOT NULL,
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Proof-of-work solutions already spent, kept until the challenge expires.
CREATE TABLE captcha_solutions (
    key         bytea PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX captcha_solutions_expires_idx ON captcha_solutions (expires_at);
