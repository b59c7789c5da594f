-- SSO: connections to identity providers, the external identities they
-- vouch for, sign-ins in flight and the SAML assertion replay cache.

-- config holds the protocol's settings (accounts.SAMLConfig or OIDCConfig)
-- and the attribute mapping as JSON; secrets in it are sealed with the key
-- ring before they get here.
CREATE TABLE sso_connections (
    id          TEXT PRIMARY KEY,
    team_id     TEXT REFERENCES teams (id) ON DELETE CASCADE, -- NULL: no team (Sign in with Google)
    protocol    TEXT NOT NULL CHECK (protocol IN ('saml', 'oidc')),
    name        TEXT NOT NULL,
    enabled     INTEGER NOT NULL, -- 0 or 1
    config      TEXT NOT NULL CHECK (json_valid(config)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX sso_connections_team_idx ON sso_connections (team_id, created_at, id);

CREATE TABLE external_identities (
    connection_id  TEXT NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    subject        TEXT NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (connection_id, subject)
);
CREATE INDEX external_identities_user_idx ON external_identities (user_id);

-- A sign-in in flight: SAML AuthnRequest ID or OIDC state, single use.
CREATE TABLE sso_flows (
    id             TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    binding_hash   BLOB NOT NULL,
    return_to      TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);
CREATE INDEX sso_flows_expires_idx ON sso_flows (expires_at);

-- Assertion IDs seen, kept until the assertion's NotOnOrAfter so a replay
-- is refused by every replica.
CREATE TABLE saml_assertions (
    connection_id  TEXT NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    assertion_id   TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX saml_assertions_expires_idx ON saml_assertions (expires_at);
