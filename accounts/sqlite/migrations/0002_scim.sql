-- 0002: SCIM provisioning: a team's SCIM view of the accounts it provisions,
-- its groups and their members.
--
-- Documents are the SCIM resource JSON as the Service wrote it (without id,
-- meta, password or members); filters on attributes without a column read
-- them with json_extract.

CREATE TABLE scim_users (
    -- A user has at most one SCIM identity, in any team (ErrManagedElsewhere).
    user_id        TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    team_id        TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    external_id    TEXT, -- NULL when the IdP sent none
    user_name      TEXT NOT NULL,
    user_name_key  TEXT NOT NULL, -- accounts.Fold(user_name)
    active         INTEGER NOT NULL, -- 0 or 1
    document       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(document)),
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (team_id, user_name_key)
);
CREATE INDEX scim_users_team_external_idx ON scim_users (team_id, external_id);
CREATE INDEX scim_users_team_created_idx ON scim_users (team_id, created_at, user_id);

CREATE TABLE scim_groups (
    id                TEXT PRIMARY KEY,
    team_id           TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    external_id       TEXT, -- NULL when the IdP sent none
    display_name      TEXT NOT NULL,
    display_name_key  TEXT NOT NULL, -- accounts.Fold(display_name)
    document          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(document)),
    version           INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (team_id, display_name_key)
);
CREATE INDEX scim_groups_team_external_idx ON scim_groups (team_id, external_id);
CREATE INDEX scim_groups_team_created_idx ON scim_groups (team_id, created_at, id);

-- Members are SCIM users of the group's team. Deleting the group or the SCIM
-- identity (and so the account) deletes the rows.
CREATE TABLE scim_group_members (
    group_id  TEXT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES scim_users (user_id) ON DELETE CASCADE,
    team_id   TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX scim_group_members_user_idx ON scim_group_members (user_id);
