package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/idbridge/idbridge/accounts"
)

// Demo team facts; make run and the README refer to them.
const (
	demoSlug     = "acme"
	demoDomain   = "acme.test"
	demoAdmin    = "acme-admin"
	demoTokenTag = "demo"
)

// runDemo seeds (idempotently) an Enterprise team with a verified domain
// and an admin, and prints credentials that work right now: a fresh admin
// password and a fresh SCIM token each run, older demo tokens revoked.
func runDemo(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "demo")
	db := dbFlag(fs)
	baseURL := fs.String("base-url", "http://127.0.0.1:8080", "where the server will be reachable")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	return withService(ctx, *db, func(svc *accounts.Service) error {
		op := accounts.OperatorActor()
		team, err := svc.Team(ctx, demoSlug)
		if accounts.ErrorCode(err) == accounts.CodeNotFound {
			team, err = svc.CreateTeam(ctx, accounts.CreateTeamInput{
				Slug: demoSlug, Name: "Acme (demo)", Plan: accounts.PlanEnterprise, Actor: op,
				Settings: accounts.TeamSettings{JITEnabled: true, DefaultRole: accounts.RoleMember},
			})
			if err == nil {
				_, err = svc.AddDomain(ctx, accounts.AddDomainInput{TeamID: team.ID, Name: demoDomain, Verified: true, Actor: op})
			}
		}
		if err != nil {
			return err
		}
		password, err := demoPassword()
		if err != nil {
			return err
		}
		admin, err := svc.Store().GetUserByUsername(ctx, demoAdmin)
		switch {
		case accounts.ErrorCode(err) == accounts.CodeNotFound:
			_, err = svc.CreateMember(ctx, accounts.CreateMemberInput{
				TeamID: team.ID, Username: demoAdmin, Email: "admin@" + demoDomain, Name: "Acme Admin",
				Password: password, Role: accounts.RoleAdmin, EmailVerified: true, Actor: op,
			})
		case err == nil:
			err = svc.SetPassword(ctx, op, admin.ID, password)
		}
		if err != nil {
			return err
		}
		tokens, err := svc.SCIMTokens(ctx, team.ID)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.Name == demoTokenTag && t.RevokedAt == nil {
				if err := svc.RevokeSCIMToken(ctx, op, team.ID, t.ID); err != nil {
					return err
				}
			}
		}
		token, _, err := svc.CreateSCIMToken(ctx, accounts.CreateSCIMTokenInput{TeamID: team.ID, Name: demoTokenTag, Actor: op})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, `Demo team %q (Enterprise, verified domain %s) is ready.

  Server:          %[3]s
  Health:          %[3]s/healthz
  Sign in:         %[3]s/signin   (account pages in a browser)
  Sign in (API):   curl -i -c jar -H 'Content-Type: application/json' \
                     -d '{"login":"%[4]s","password":"%[5]s"}' %[3]s/api/v1/signin
  Who am I:        curl -b jar %[3]s/api/v1/me
  Admin login:     %[4]s / %[5]s   (a new password each run)
  SCIM base URL:   %[3]s/scim/v2
  SCIM token:      %[6]s
  Mail sent:       %[3]s/dev/mail   (while no --smtp-url is set)
  Sign in with SSO (serve --dev-idp, as make run does):
                   %[3]s/sso/start?email=alice@%[2]s
                   (pick alice, an admin, or bob: JIT creates the account and
                   you land on its account settings; add &return_to=/api/v1/me
                   to land on the JSON instead)
`, team.Slug, demoDomain, *baseURL, demoAdmin, password, token)
		return nil
	})
}

// demoPassword is 24 random characters: long enough for any policy.
func demoPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
