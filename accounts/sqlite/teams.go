package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

const teamCols = `id, slug, name, plan, settings, created_at, updated_at`

func scanTeam(row scanner) (accounts.Team, error) {
	var t accounts.Team
	var plan, settings string
	if err := row.Scan(&t.ID, &t.Slug, &t.Name, &plan, &settings, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}); err != nil {
		return accounts.Team{}, err
	}
	t.Plan = accounts.Plan(plan)
	if err := json.Unmarshal([]byte(settings), &t.Settings); err != nil {
		return accounts.Team{}, fmt.Errorf("team %s settings: %w", t.ID, err)
	}
	return t, nil
}

func settingsJSON(s accounts.TeamSettings) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func (q queries) CreateTeam(ctx context.Context, t *accounts.Team) error {
	t.CreatedAt, t.UpdatedAt = micro(t.CreatedAt), micro(t.UpdatedAt)
	settings, err := settingsJSON(t.Settings)
	if err != nil {
		return fmt.Errorf("sqlite: create team: %w", err)
	}
	_, err = q.db.ExecContext(ctx, `
		INSERT INTO teams (id, slug, slug_key, name, plan, settings, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Slug, accounts.Fold(t.Slug), t.Name, string(t.Plan), settings,
		unixMicro(t.CreatedAt), unixMicro(t.UpdatedAt))
	if err != nil {
		return fail("create team", err)
	}
	return nil
}

func (q queries) GetTeam(ctx context.Context, id string) (accounts.Team, error) {
	t, err := scanTeam(q.db.QueryRowContext(ctx, `SELECT `+teamCols+` FROM teams WHERE id = ?`, id))
	if err != nil {
		return accounts.Team{}, lookupFail("get team", err)
	}
	return t, nil
}

func (q queries) GetTeamBySlug(ctx context.Context, slug string) (accounts.Team, error) {
	t, err := scanTeam(q.db.QueryRowContext(ctx, `SELECT `+teamCols+` FROM teams WHERE slug_key = ?`, accounts.Fold(slug)))
	if err != nil {
		return accounts.Team{}, lookupFail("get team by slug", err)
	}
	return t, nil
}

func (q queries) ListTeams(ctx context.Context) ([]accounts.Team, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+teamCols+` FROM teams ORDER BY slug_key, id`)
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
	var t accounts.Team
	// The transaction holds SQLite's write lock from BEGIN, so nobody can
	// change the team between our read and our write.
	err := q.atomic(ctx, func(q queries) error {
		old, err := q.GetTeam(ctx, id)
		if err != nil {
			return err
		}
		t = old
		if err := fn(&t); err != nil {
			return err
		}
		t.ID, t.Slug, t.CreatedAt = old.ID, old.Slug, old.CreatedAt
		t.UpdatedAt = micro(t.UpdatedAt)
		settings, err := settingsJSON(t.Settings)
		if err != nil {
			return fmt.Errorf("sqlite: update team: %w", err)
		}
		if _, err := q.db.ExecContext(ctx, `
			UPDATE teams SET name = ?, plan = ?, settings = ?, updated_at = ? WHERE id = ?`,
			t.Name, string(t.Plan), settings, unixMicro(t.UpdatedAt), t.ID); err != nil {
			return fail("update team", err)
		}
		return nil
	})
	if err != nil {
		return accounts.Team{}, err
	}
	return t, nil
}

const domainCols = `id, team_id, name, verification_token, verified_at, created_at`

func scanDomain(row scanner) (accounts.Domain, error) {
	var d accounts.Domain
	if err := row.Scan(&d.ID, &d.TeamID, &d.Name, &d.VerificationToken,
		nullTimeCol{&d.VerifiedAt}, timeCol{&d.CreatedAt}); err != nil {
		return accounts.Domain{}, err
	}
	return d, nil
}

func (q queries) CreateDomain(ctx context.Context, d *accounts.Domain) error {
	d.VerifiedAt, d.CreatedAt = microPtr(d.VerifiedAt), micro(d.CreatedAt)
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO domains (id, team_id, name, name_key, verification_token, verified_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.TeamID, d.Name, accounts.Fold(d.Name), d.VerificationToken,
		nullUnixMicro(d.VerifiedAt), unixMicro(d.CreatedAt))
	if err != nil {
		return fail("create domain", err)
	}
	return nil
}

func (q queries) ListDomains(ctx context.Context, teamID string) ([]accounts.Domain, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+domainCols+` FROM domains WHERE team_id = ? ORDER BY name_key, id`, teamID)
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
	// A claim verified already keeps its original time. Another team's
	// verified claim makes the update break domains_verified_name_uq, which
	// fail reports as ErrDomainTaken.
	d, err := scanDomain(q.db.QueryRowContext(ctx, `
		UPDATE domains SET verified_at = coalesce(verified_at, ?)
		WHERE team_id = ? AND name_key = ?
		RETURNING `+domainCols,
		unixMicro(at), teamID, accounts.Fold(name)))
	if err != nil {
		return accounts.Domain{}, lookupFail("verify domain", err)
	}
	return d, nil
}

func (q queries) FindVerifiedDomain(ctx context.Context, name string) (accounts.Domain, error) {
	d, err := scanDomain(q.db.QueryRowContext(ctx, `
		SELECT `+domainCols+` FROM domains WHERE name_key = ? AND verified_at IS NOT NULL`,
		accounts.Fold(name)))
	if err != nil {
		return accounts.Domain{}, lookupFail("find verified domain", err)
	}
	return d, nil
}
