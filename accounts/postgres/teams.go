package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

// createAttempts bounds how often a create retries when ON CONFLICT found a
// clash that had vanished by the time we looked for it (the clashing row was
// deleted or its transaction rolled back in between).
const createAttempts = 3

const teamCols = `id, slug, name, plan, settings, created_at, updated_at`

func scanTeam(row scanner) (accounts.Team, error) {
	var t accounts.Team
	var plan string
	var settings []byte
	if err := row.Scan(&t.ID, &t.Slug, &t.Name, &plan, &settings, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return accounts.Team{}, err
	}
	t.Plan = accounts.Plan(plan)
	if err := json.Unmarshal(settings, &t.Settings); err != nil {
		return accounts.Team{}, fmt.Errorf("team %s settings: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

// settingsJSON is passed as a string, not []byte, so it is jsonb whether the
// connection uses the extended or the simple protocol.
func settingsJSON(s accounts.TeamSettings) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func (q queries) CreateTeam(ctx context.Context, t *accounts.Team) error {
	t.CreatedAt, t.UpdatedAt = micro(t.CreatedAt), micro(t.UpdatedAt)
	settings, err := settingsJSON(t.Settings)
	if err != nil {
		return fmt.Errorf("postgres: create team: %w", err)
	}
	for range createAttempts {
		tag, err := q.db.Exec(ctx, `
			INSERT INTO teams (id, slug, slug_key, name, plan, settings, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT DO NOTHING`,
			t.ID, t.Slug, accounts.Fold(t.Slug), t.Name, string(t.Plan), settings, t.CreatedAt, t.UpdatedAt)
		if err != nil {
			return fail("create team", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var slug, id bool
		if err := q.db.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM teams WHERE slug_key = $1),
			       EXISTS (SELECT 1 FROM teams WHERE id = $2)`,
			accounts.Fold(t.Slug), t.ID).Scan(&slug, &id); err != nil {
			return fail("create team", err)
		}
		switch {
		case slug:
			return accounts.ErrSlugTaken
		case id:
			return fmt.Errorf("postgres: create team: ID %s is in use", t.ID)
		}
	}
	return accounts.ErrConflict
}

func (q queries) GetTeam(ctx context.Context, id string) (accounts.Team, error) {
	if badText(id) {
		return accounts.Team{}, accounts.ErrNotFound
	}
	t, err := scanTeam(q.db.QueryRow(ctx, `SELECT `+teamCols+` FROM teams WHERE id = $1`, id))
	if err != nil {
		return accounts.Team{}, lookupFail("get team", err)
	}
	return t, nil
}

func (q queries) GetTeamBySlug(ctx context.Context, slug string) (accounts.Team, error) {
	if badText(slug) {
		return accounts.Team{}, accounts.ErrNotFound
	}
	t, err := scanTeam(q.db.QueryRow(ctx, `SELECT `+teamCols+` FROM teams WHERE slug_key = $1`, accounts.Fold(slug)))
	if err != nil {
		return accounts.Team{}, lookupFail("get team by slug", err)
	}
	return t, nil
}

func (q queries) ListTeams(ctx context.Context) ([]accounts.Team, error) {
	rows, err := q.db.Query(ctx, `SELECT `+teamCols+` FROM teams ORDER BY slug_key`)
	if err != nil {
		return nil, fail("list teams", err)
	}
	ts, err := collect(rows, scanTeam)
	if err != nil {
		return nil, fail("list teams", err)
	}
	return ts, nil
}

func (q queries) UpdateTeam(ctx context.Context, id string, fn func(t *accounts.Team) error) (accounts.Team, error) {
	if badText(id) {
		return accounts.Team{}, accounts.ErrNotFound
	}
	old, err := scanTeam(q.db.QueryRow(ctx, `SELECT `+teamCols+` FROM teams WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return accounts.Team{}, lookupFail("update team", err)
	}
	t := old
	if err := fn(&t); err != nil {
		return accounts.Team{}, err
	}
	t.ID, t.Slug, t.CreatedAt = old.ID, old.Slug, old.CreatedAt
	t.UpdatedAt = micro(t.UpdatedAt)
	settings, err := settingsJSON(t.Settings)
	if err != nil {
		return accounts.Team{}, fmt.Errorf("postgres: update team: %w", err)
	}
	if _, err := q.db.Exec(ctx, `
		UPDATE teams SET name = $2, plan = $3, settings = $4, updated_at = $5 WHERE id = $1`,
		t.ID, t.Name, string(t.Plan), settings, t.UpdatedAt); err != nil {
		return accounts.Team{}, fail("update team", err)
	}
	return t, nil
}

const domainCols = `id, team_id, name, verification_token, verified_at, created_at`

func scanDomain(row scanner) (accounts.Domain, error) {
	var d accounts.Domain
	if err := row.Scan(&d.ID, &d.TeamID, &d.Name, &d.VerificationToken, &d.VerifiedAt, &d.CreatedAt); err != nil {
		return accounts.Domain{}, err
	}
	d.VerifiedAt, d.CreatedAt = utcPtr(d.VerifiedAt), d.CreatedAt.UTC()
	return d, nil
}

func (q queries) CreateDomain(ctx context.Context, d *accounts.Domain) error {
	d.VerifiedAt, d.CreatedAt = microPtr(d.VerifiedAt), micro(d.CreatedAt)
	key := accounts.Fold(d.Name)
	for range createAttempts {
		// WHERE EXISTS turns an unknown team into "no row" rather than a
		// foreign-key error, which would abort the caller's transaction.
		tag, err := q.db.Exec(ctx, `
			INSERT INTO domains (id, team_id, name, name_key, verification_token, verified_at, created_at)
			SELECT $1, $2, $3, $4, $5, $6, $7
			WHERE EXISTS (SELECT 1 FROM teams WHERE id = $2)
			ON CONFLICT DO NOTHING`,
			d.ID, d.TeamID, d.Name, key, d.VerificationToken, d.VerifiedAt, d.CreatedAt)
		if err != nil {
			return fail("create domain", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var team, claimed, verified, id bool
		if err := q.db.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1),
			       EXISTS (SELECT 1 FROM domains WHERE team_id = $1 AND name_key = $2),
			       $3 AND EXISTS (SELECT 1 FROM domains WHERE name_key = $2 AND verified_at IS NOT NULL),
			       EXISTS (SELECT 1 FROM domains WHERE id = $4)`,
			d.TeamID, key, d.VerifiedAt != nil, d.ID).Scan(&team, &claimed, &verified, &id); err != nil {
			return fail("create domain", err)
		}
		switch {
		case !team:
			return accounts.ErrNotFound
		case claimed, verified:
			return accounts.ErrDomainTaken
		case id:
			return fmt.Errorf("postgres: create domain: ID %s is in use", d.ID)
		}
	}
	return accounts.ErrConflict
}

func (q queries) ListDomains(ctx context.Context, teamID string) ([]accounts.Domain, error) {
	if badText(teamID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `SELECT `+domainCols+` FROM domains WHERE team_id = $1 ORDER BY name_key`, teamID)
	if err != nil {
		return nil, fail("list domains", err)
	}
	ds, err := collect(rows, scanDomain)
	if err != nil {
		return nil, fail("list domains", err)
	}
	return ds, nil
}

func (q queries) VerifyDomain(ctx context.Context, teamID, name string, at time.Time) (accounts.Domain, error) {
	if badText(teamID, name) {
		return accounts.Domain{}, accounts.ErrNotFound
	}
	// One statement: find the claim, check no other team verified the name,
	// and mark it. A claim verified already keeps its original time. The
	// clash check only sees committed rows; a concurrent verification by
	// another team surfaces as domains_verified_name_uq instead.
	var found, taken bool
	var id, team, dname, token *string
	var verifiedAt, createdAt *time.Time
	err := q.db.QueryRow(ctx, `
		WITH claim AS (
			SELECT id FROM domains WHERE team_id = $1 AND name_key = $2
		), taken AS (
			SELECT EXISTS (SELECT 1 FROM domains WHERE name_key = $2 AND team_id <> $1 AND verified_at IS NOT NULL) AS taken
		), verified AS (
			UPDATE domains SET verified_at = coalesce(domains.verified_at, $3)
			FROM taken
			WHERE domains.id = (SELECT id FROM claim) AND NOT taken.taken
			RETURNING domains.id, domains.team_id, domains.name, domains.verification_token, domains.verified_at, domains.created_at
		)
		SELECT EXISTS (SELECT 1 FROM claim), taken.taken, v.*
		FROM taken LEFT JOIN verified v ON true`,
		teamID, accounts.Fold(name), micro(at)).Scan(&found, &taken, &id, &team, &dname, &token, &verifiedAt, &createdAt)
	switch {
	case err != nil:
		return accounts.Domain{}, fail("verify domain", err)
	case !found:
		return accounts.Domain{}, accounts.ErrNotFound
	case taken:
		return accounts.Domain{}, accounts.ErrDomainTaken
	case id == nil:
		return accounts.Domain{}, errors.New("postgres: verify domain: claim vanished during update")
	}
	return accounts.Domain{ID: *id, TeamID: *team, Name: *dname, VerificationToken: *token,
		VerifiedAt: utcPtr(verifiedAt), CreatedAt: createdAt.UTC()}, nil
}

func (q queries) FindVerifiedDomain(ctx context.Context, name string) (accounts.Domain, error) {
	if badText(name) {
		return accounts.Domain{}, accounts.ErrNotFound
	}
	d, err := scanDomain(q.db.QueryRow(ctx, `
		SELECT `+domainCols+` FROM domains WHERE name_key = $1 AND verified_at IS NOT NULL`,
		accounts.Fold(name)))
	if err != nil {
		return accounts.Domain{}, lookupFail("find verified domain", err)
	}
	return d, nil
}
