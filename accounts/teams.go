package accounts

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// CreateTeamInput describes a new team.
type CreateTeamInput struct {
	Slug     string
	Name     string
	Plan     Plan
	Settings TeamSettings
	Actor    Actor
}

// CreateTeam creates a team. Returns ErrSlugTaken or a CodeInvalid error.
func (s *Service) CreateTeam(ctx context.Context, in CreateTeamInput) (Team, error) {
	slug, err := NormalizeSlug(in.Slug)
	if err != nil {
		return Team{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		return Team{}, InvalidField("name", "a team name has 1 to 200 characters")
	}
	if in.Plan == "" {
		in.Plan = PlanFree
	}
	if !in.Plan.Valid() {
		return Team{}, InvalidField("plan", "plan is one of free, basic, professional, enterprise")
	}
	if in.Settings.DefaultRole == "" {
		in.Settings.DefaultRole = RoleMember
	}
	id, err := newID()
	if err != nil {
		return Team{}, err
	}
	now := s.Now()
	t := Team{ID: id, Slug: slug, Name: name, Plan: in.Plan, Settings: in.Settings, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateTeam(ctx, &t); err != nil {
			return err
		}
		return s.audit(ctx, tx, in.Actor, t.ID, "team.create", t.ID, map[string]string{"slug": slug, "plan": string(t.Plan)})
	})
	return t, err
}

// Team returns the team with that ID or slug.
func (s *Service) Team(ctx context.Context, idOrSlug string) (Team, error) {
	t, err := s.store.GetTeamBySlug(ctx, idOrSlug)
	if err == nil || ErrorCode(err) != CodeNotFound {
		return t, err
	}
	t, err = s.store.GetTeam(ctx, idOrSlug)
	if ErrorCode(err) == CodeNotFound {
		return Team{}, Errorf(CodeNotFound, "no team %q", idOrSlug)
	}
	return t, err
}

// DomainVerificationHost is the DNS name under which a team publishes the
// TXT record that proves it controls domain.
func DomainVerificationHost(domain string) string { return "_idbridge-challenge." + domain }

// DomainTXTValue is the TXT record value for a domain's verification token.
func DomainTXTValue(token string) string { return "idbridge-verification=" + token }

// AddDomainInput claims an email domain for a team.
type AddDomainInput struct {
	TeamID string
	Name   string
	// Verified records the claim as verified at once: an operator override
	// for domains whose ownership was checked out of band.
	Verified bool
	Actor    Actor
}

// AddDomain claims a domain for a team. Returns ErrDomainTaken when the team
// already claims it, or Verified is set and another team verified it first.
func (s *Service) AddDomain(ctx context.Context, in AddDomainInput) (Domain, error) {
	name, err := NormalizeDomain(in.Name)
	if err != nil {
		return Domain{}, err
	}
	id, err := newID()
	if err != nil {
		return Domain{}, err
	}
	tok := make([]byte, 16)
	if _, err := io.ReadFull(s.random, tok); err != nil {
		return Domain{}, fmt.Errorf("read random: %w", err)
	}
	now := s.Now()
	d := Domain{ID: id, TeamID: in.TeamID, Name: name, VerificationToken: hex.EncodeToString(tok), CreatedAt: now}
	if in.Verified {
		d.VerifiedAt = &now
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.GetTeam(ctx, in.TeamID); err != nil {
			return err
		}
		if err := tx.CreateDomain(ctx, &d); err != nil {
			return err
		}
		return s.audit(ctx, tx, in.Actor, in.TeamID, "domain.add", d.ID,
			map[string]string{"domain": name, "verified": fmt.Sprint(in.Verified)})
	})
	return d, err
}

// MemberTeam is a team seen through one member's membership.
type MemberTeam struct {
	Team       Team
	Membership Membership
}

// UserTeams returns the teams a user belongs to, with the membership.
func (s *Service) UserTeams(ctx context.Context, userID string) ([]MemberTeam, error) {
	return userTeams(ctx, s.store, userID)
}

func userTeams(ctx context.Context, tx Tx, userID string) ([]MemberTeam, error) {
	ms, err := tx.ListUserMemberships(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]MemberTeam, 0, len(ms))
	for _, m := range ms {
		t, err := tx.GetTeam(ctx, m.TeamID)
		if err != nil {
			return nil, err
		}
		out = append(out, MemberTeam{Team: t, Membership: m})
	}
	return out, nil
}
