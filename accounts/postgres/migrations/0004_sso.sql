-- SSO: connections to identity providers, the external identities they
-- vouch for, sign-ins in flight and the SAML assertion replay cache.

-- config holds the protocol's settings (accounts.SAMLConfig or OIDCConfig)
-- and the attribute mapping as JSON; secrets in it are sealed with the key
-- ring before they get here.
CREATE TABLE sso_connections (
    id          text COLLATE "C" PRIMARY KEY,
    team_id     text COLLATE "C" REFERENCES teams (id) ON DELETE CASCADE, -- NULL: no team (Sign in with Google)
    protocol    text NOT NULL CHECK (protocol IN ('saml', 'oidc')),
    name        text NOT NULL,
    enabled     boolean NOT NULL,
    config      jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX sso_connections_team_idx ON sso_connections (team_id, created_at, id);

CREATE TABLE external_identities (
    connection_id  text COLLATE "C" NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    subject        text COLLATE "C" NOT NULL,
    user_id        text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    CONSTRAINT external_identities_pkey PRIMARY KEY (connection_id, subject)
);
CREATE INDEX external_identities_user_idx ON external_identities (user_id);

-- A sign-in in flight: SAML AuthnRequest ID or OIDC state, single use.
CREATE TABLE sso_flows (
    id             text COLLATE "C" PRIMARY KEY,
    connection_id  text COLLATE "C" NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    binding_hash   bytea NOT NULL,
    return_to      text NOT NULL,
    nonce          text NOT NULL,
    pkce_verifier  text NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX sso_flows_expires_idx ON sso_flows (expires_at);

-- Assertion IDs seen, kept until the assertion's NotOnOrAfter so a replay
-- is refused by every replica.
CREATE TABLE saml_assertions (
    connection_id  text COLLATE "C" NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    assertion_id   text COLLATE "C" NOT NULL,
    expires_at     timestamptz NOT NULL,
    CONSTRAINT saml_assertions_pkey PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX saml_assertions_expires_idx ON saml_assertions (expires_at);
