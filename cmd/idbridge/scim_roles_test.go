package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

func TestTeamRoleGroupCLI(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"an unknown role is a usage error", []string{"--team", "acme", "--group", "Admins", "--role", "owner"}, exitUsage},
		{"the group is required", []string{"--team", "acme", "--role", "admin"}, exitUsage},
		{"an unknown team fails", []string{"--team", "nope", "--group", "Admins", "--role", "admin"}, exitFailure},
		{"a mapping is set", []string{"--team", "acme", "--group", "Admins", "--role", "ADMIN"}, exitOK},
		{"and removed", []string{"--team", "acme", "--group", "admins", "--role", "none"}, exitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := idbridge(t, nil, "", append([]string{"team", "role-group", "--db", db}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
		})
	}
}

func TestRoleGroupWriteThatFailsChangesNoRole(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		mustRun(t, "team", "role-group", "--db", db, "--team", "acme", "--group", "Admins", "--role", "admin")
		id := wantSCIM(t, s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"ann@acme.test"}`), http.StatusCreated)["id"].(string)
		g := wantSCIM(t, s.do(http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins"}`), http.StatusCreated)
		// One unknown member makes the whole write fail: Ann must not become an admin.
		wantSCIMError(t, s.do(http.MethodPatch, "/Groups/"+g["id"].(string), `{`+scimPatchOp+`,"Operations":[
			{"op":"add","path":"members","value":[{"value":"`+id+`"},{"value":"nope"}]}]}`), http.StatusBadRequest, "invalidValue")
		if u := wantSCIM(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusOK); u["groups"] != nil {
			t.Fatalf("a failed member add left groups %v", u["groups"])
		}
		r := idbridge(t, nil, "", "team", "role-group", "--db", db, "--team", "acme", "--group", "Admins", "--role", "admin")
		if r.code != 0 || !strings.Contains(r.stdout, "admin") {
			t.Fatalf("re-mapping: %d %q %q", r.code, r.stdout, r.stderr)
		}
		if got := teamRole(t, db, "ann@acme.test"); got != "member" {
			t.Fatalf("Ann's role is %q, want member", got)
		}
	})
}

// teamRole is a user's role in the team acme, "" when not a member.
func teamRole(t *testing.T, db, username string) string {
	t.Helper()
	got := ""
	err := withTeam(t.Context(), db, "acme", func(svc *accounts.Service, team accounts.Team) error {
		u, err := svc.Store().GetUserByUsername(t.Context(), username)
		if err != nil {
			return err
		}
		m, err := svc.Store().GetMembership(t.Context(), team.ID, u.ID)
		if accounts.ErrorCode(err) == accounts.CodeNotFound {
			return nil
		}
		got = string(m.Role)
		return err
	})
	if err != nil {
		t.Fatalf("role of %s: %v", username, err)
	}
	return got
}
