package accounts

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// SCIMTokenPrefix starts every SCIM bearer token, so secret scanners and
// people can tell what a leaked string is.
const SCIMTokenPrefix = "idbscim_"

// CreateSCIMTokenInput issues a bearer token for a team's identity provider.
type CreateSCIMTokenInput struct {
	TeamID    string
	Name      string
	ExpiresIn time.Duration // 0: never expires
	Actor     Actor
}

// CreateSCIMToken issues a token and returns it with its stored record. The
// token is shown once; only its hash is kept.
func (s *Service) CreateSCIMToken(ctx context.Context, in CreateSCIMTokenInput) (string, SCIMToken, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "default"
	}
	if len(name) > 100 {
		return "", SCIMToken{}, InvalidField("name", "a token name has at most 100 characters")
	}
	if in.ExpiresIn < 0 {
		return "", SCIMToken{}, InvalidField("expires_in", "the lifetime must be positive")
	}
	token, hash, err := newSecret(s.random, SCIMTokenPrefix)
	if err != nil {
		return "", SCIMToken{}, err
	}
	id, err := newID()
	if err != nil {
		return "", SCIMToken{}, err
	}
	now := s.Now()
	t := SCIMToken{ID: id, TeamID: in.TeamID, Name: name, Prefix: token[:len(SCIMTokenPrefix)+6], TokenHash: hash, CreatedAt: now}
	if in.ExpiresIn > 0 {
		exp := now.Add(in.ExpiresIn)
		t.ExpiresAt = &exp
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.GetTeam(ctx, in.TeamID); err != nil {
			return err
		}
		if err := tx.CreateSCIMToken(ctx, &t); err != nil {
			return err
		}
		return s.audit(ctx, tx, in.Actor, in.TeamID, "scim_token.create", t.ID, map[string]string{"name": name})
	})
	if err != nil {
		return "", SCIMToken{}, err
	}
	return token, t, nil
}

// ErrBadSCIMToken answers every unusable bearer token the same way.
var ErrBadSCIMToken = &Error{Code: CodeUnauthenticated, Message: "the bearer token is missing, unknown, revoked or expired"}

// AuthenticateSCIMToken returns the usable token a bearer string names, and
// records its use at most once a minute.
func (s *Service) AuthenticateSCIMToken(ctx context.Context, bearer string) (SCIMToken, error) {
	if !strings.HasPrefix(bearer, SCIMTokenPrefix) {
		return SCIMToken{}, ErrBadSCIMToken
	}
	// Looked up by SHA-256 of a 256-bit secret: timing reveals nothing usable.
	t, err := s.store.GetSCIMTokenByHash(ctx, HashToken(bearer))
	if ErrorCode(err) == CodeNotFound {
		return SCIMToken{}, ErrBadSCIMToken
	}
	if err != nil {
		return SCIMToken{}, err
	}
	now := s.Now()
	if !t.Usable(now) {
		return SCIMToken{}, ErrBadSCIMToken
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
		if err := s.store.TouchSCIMToken(ctx, t.ID, now); err != nil {
			return SCIMToken{}, err
		}
	}
	return t, nil
}

// SCIMTokens lists a team's tokens, newest first.
func (s *Service) SCIMTokens(ctx context.Context, teamID string) ([]SCIMToken, error) {
	return s.store.ListSCIMTokens(ctx, teamID)
}

// RevokeSCIMToken revokes a team's token; ErrNotFound when the team has no
// such unrevoked token.
func (s *Service) RevokeSCIMToken(ctx context.Context, actor Actor, teamID, tokenID string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.RevokeSCIMToken(ctx, teamID, tokenID, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, teamID, "scim_token.revoke", tokenID, nil)
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
