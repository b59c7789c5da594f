-- 0002: SCIM users, groups and group members.
--
-- Documents are the SCIM resources as the identity provider last wrote them
-- (without id, meta, password and members); filters on attributes without
-- a column of their own read them.

-- A team's SCIM identity of an account. user_id is the primary key: an
-- account is provisioned by at most one team.
CREATE TABLE scim_users (
    user_id        text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id        text COLLATE "C" NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    external_id    text,  -- NULL when the IdP sent none
    user_name      text NOT NULL,
    user_name_key  text COLLATE "C" NOT NULL,
    active         boolean NOT NULL,
    document       jsonb NOT NULL DEFAULT '{}',
    version        bigint NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT scim_users_pkey PRIMARY KEY (user_id),
    CONSTRAINT scim_users_team_user_name_uq UNIQUE (team_id, user_name_key)
);
CREATE INDEX scim_users_team_external_id_idx ON scim_users (team_id, external_id);
CREATE INDEX scim_users_team_created_idx ON scim_users (team_id, created_at, user_id);

CREATE TABLE scim_groups (
    id                text COLLATE "C" NOT NULL,
    team_id           text COLLATE "C" NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    external_id       text,
    display_name      text NOT NULL,
    display_name_key  text COLLATE "C" NOT NULL,
    document          jsonb NOT NULL DEFAULT '{}',
    version           bigint NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT scim_groups_pkey PRIMARY KEY (id),
    CONSTRAINT scim_groups_team_display_name_uq UNIQUE (team_id, display_name_key)
);
CREATE INDEX scim_groups_team_external_id_idx ON scim_groups (team_id, external_id);
CREATE INDEX scim_groups_team_created_idx ON scim_groups (team_id, created_at, id);

-- Members are SCIM users of the group's team (the stores check the team);
-- deleting the group or the SCIM identity deletes the rows.
CREATE TABLE scim_group_members (
    group_id  text COLLATE "C" NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id   text COLLATE "C" NOT NULL REFERENCES scim_users (user_id) ON DELETE CASCADE,
    team_id   text COLLATE "C" NOT NULL,
    CONSTRAINT scim_group_members_pkey PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_user_idx ON scim_group_members (user_id);
