package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testSCIMUsers(t *testing.T, newStore newStoreFunc) {
	t.Run("a created SCIM user reads back with every field and its document as an equivalent JSON value", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		for _, tc := range []struct {
			name  string
			setup func(u *accounts.SCIMUser)
		}{
			{"active, with an external ID and a rich document", func(u *accounts.SCIMUser) {
				u.ExternalID, u.Version, u.UpdatedAt = "00u1ab2CD3ef", 7, at(time.Hour)
				u.Document = doc(map[string]any{
					"schemas":  []string{coreUserSchema, enterpriseURN},
					"userName": u.UserName, "active": true,
					"name":        map[string]any{"givenName": "Zoë", "familyName": "O'Brien \"Jr\""},
					"emails":      []any{map[string]any{"type": "work", "value": "zoe@example.com", "primary": true}},
					enterpriseURN: map[string]any{"department": "R&D <lab>", "manager": map[string]any{"value": "x"}},
					"x-score":     1.5, "x-none": nil, "x-empty": []any{},
				})
			}},
			{"inactive, without an external ID", func(u *accounts.SCIMUser) { u.Active = false }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				acct := createUser(t, s, "user-"+uuid.NewString()[:8])
				want := newSCIMUser(team.ID, acct.ID, "Zoe.OBrien"+uuid.NewString()[:4], at(time.Minute))
				tc.setup(&want)
				noErr(t, s.CreateSCIMUser(ctx, &want))
				got, err := s.GetSCIMUser(ctx, team.ID, acct.ID)
				noErr(t, err)
				sameSCIMUser(t, "GetSCIMUser", got, want)
			})
		}
	})

	t.Run("another team's SCIM user, an unknown user and an unknown team are ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		u := createSCIMUser(t, s, team.ID, "alice", base())
		plain := createUser(t, s, "bob") // an account without a SCIM identity
		for _, tc := range []struct{ name, teamID, userID string }{
			{"another team's", other.ID, u.UserID},
			{"unknown user", team.ID, uuid.NewString()},
			{"account without a SCIM identity", team.ID, plain.ID},
			{"unknown team", uuid.NewString(), u.UserID},
		} {
			_, err := s.GetSCIMUser(ctx, tc.teamID, tc.userID)
			if !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("GetSCIMUser of %s: %v, want ErrNotFound", tc.name, err)
			}
		}
	})

	t.Run("CreateSCIMUser for an unknown team or account is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		acct := createUser(t, s, "alice")
		u := newSCIMUser(uuid.NewString(), acct.ID, "alice", base())
		wantErr(t, s.CreateSCIMUser(ctx, &u), accounts.ErrNotFound)
		u = newSCIMUser(team.ID, uuid.NewString(), "alice", base())
		wantErr(t, s.CreateSCIMUser(ctx, &u), accounts.ErrNotFound)
		storeSCIMUser(t, s, newSCIMUser(team.ID, acct.ID, "alice", base())) // nothing was left behind
	})

	t.Run("userName is unique within a team in any letter case and a refused create stores nothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		createSCIMUser(t, s, team.ID, "Alice.Smith", base())
		for _, name := range []string{"Alice.Smith", "alice.smith", "ALICE.SMITH"} {
			t.Run(name, func(t *testing.T) {
				acct := createUser(t, s, "user-"+uuid.NewString()[:8])
				u := newSCIMUser(team.ID, acct.ID, name, base())
				wantErr(t, s.CreateSCIMUser(ctx, &u), accounts.ErrUsernameTaken)
				_, err := s.GetSCIMUser(ctx, team.ID, acct.ID)
				wantErr(t, err, accounts.ErrNotFound)
			})
		}
	})

	t.Run("the same userName in two teams belongs to two different users", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "acme"), createTeam(t, s, "other")
		ua := createSCIMUser(t, s, a.ID, "alice", base())
		ub := createSCIMUser(t, s, b.ID, "ALICE", base())
		got, err := s.GetSCIMUser(ctx, a.ID, ua.UserID)
		noErr(t, err)
		sameSCIMUser(t, "team A's user", got, ua)
		got, err = s.GetSCIMUser(ctx, b.ID, ub.UserID)
		noErr(t, err)
		sameSCIMUser(t, "team B's user", got, ub)
	})

	t.Run("an account with a SCIM identity cannot get a second one in any team", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "acme"), createTeam(t, s, "other")
		orig := createSCIMUser(t, s, a.ID, "alice", base())
		for _, tc := range []struct{ name, teamID string }{{"another team", b.ID}, {"the same team", a.ID}} {
			u := newSCIMUser(tc.teamID, orig.UserID, "alice2", at(time.Hour))
			if err := s.CreateSCIMUser(ctx, &u); !errors.Is(err, accounts.ErrManagedElsewhere) {
				t.Errorf("CreateSCIMUser in %s: %v, want ErrManagedElsewhere", tc.name, err)
			}
		}
		_, err := s.GetSCIMUser(ctx, b.ID, orig.UserID)
		wantErr(t, err, accounts.ErrNotFound)
		got, err := s.GetSCIMUser(ctx, a.ID, orig.UserID)
		noErr(t, err)
		sameSCIMUser(t, "GetSCIMUser", got, orig)
	})

	t.Run("UpdateSCIMUser applies fn to the stored user, writes every updatable field and adds exactly one to Version", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		orig := newSCIMUser(team.ID, createUser(t, s, "alice").ID, "alice", base())
		orig.Version = 5
		orig = storeSCIMUser(t, s, orig)
		var seen accounts.SCIMUser
		change := func(u *accounts.SCIMUser) {
			u.ExternalID, u.UserName, u.Active = "ext-1", "Alice.Jones", false
			u.Document = doc(map[string]any{"userName": "Alice.Jones", "title": "CTO", "emails": []any{}})
			u.UpdatedAt = at(2 * time.Hour)
		}
		got, err := s.UpdateSCIMUser(ctx, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
			seen = *u
			change(u)
			u.Version = 100 // ignored
			return nil
		})
		noErr(t, err)
		sameSCIMUser(t, "user passed to fn", seen, orig)
		want := orig
		change(&want)
		want.Version = 6
		sameSCIMUser(t, "UpdateSCIMUser result", got, want)
		read, err := s.GetSCIMUser(ctx, team.ID, orig.UserID)
		noErr(t, err)
		sameSCIMUser(t, "GetSCIMUser", read, want)

		got, err = s.UpdateSCIMUser(ctx, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
			u.ExternalID, u.Version = "", 0
			return nil
		})
		noErr(t, err)
		want.ExternalID, want.Version = "", 7
		sameSCIMUser(t, "second UpdateSCIMUser result", got, want)
		read, err = s.GetSCIMUser(ctx, team.ID, orig.UserID)
		noErr(t, err)
		sameSCIMUser(t, "GetSCIMUser after the second update", read, want)
		createSCIMUser(t, s, team.ID, "ALICE", base()) // the old userName is free again
	})

	t.Run("UpdateSCIMUser ignores changes to TeamID, UserID and CreatedAt", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		orig := createSCIMUser(t, s, team.ID, "alice", base())
		_, err := s.UpdateSCIMUser(ctx, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
			u.TeamID, u.UserID, u.CreatedAt = other.ID, uuid.NewString(), at(time.Hour)
			return nil
		})
		noErr(t, err)
		got, err := s.GetSCIMUser(ctx, team.ID, orig.UserID)
		noErr(t, err)
		orig.Version++
		sameSCIMUser(t, "GetSCIMUser", got, orig)
	})

	t.Run("a SCIM user may change the letter case of their own userName", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		orig := createSCIMUser(t, s, team.ID, "alice", base())
		got, err := s.UpdateSCIMUser(ctx, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
			u.UserName = "ALICE"
			return nil
		})
		noErr(t, err)
		if got.UserName != "ALICE" || got.Version != orig.Version+1 {
			t.Errorf("UpdateSCIMUser = userName %q version %d, want ALICE, %d", got.UserName, got.Version, orig.Version+1)
		}
	})

	t.Run("UpdateSCIMUser to another SCIM user's userName in other case is ErrUsernameTaken and writes nothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		createSCIMUser(t, s, team.ID, "bob", base())
		createSCIMUser(t, s, other.ID, "carol", base())
		orig := createSCIMUser(t, s, team.ID, "alice", base())
		_, err := s.UpdateSCIMUser(ctx, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
			u.UserName, u.ExternalID, u.Active, u.UpdatedAt = "Bob", "ext", false, at(time.Hour)
			u.Document = doc(map[string]any{"userName": "Bob"})
			return nil
		})
		wantErr(t, err, accounts.ErrUsernameTaken)
		got, err := s.GetSCIMUser(ctx, team.ID, orig.UserID)
		noErr(t, err)
		sameSCIMUser(t, "GetSCIMUser", got, orig)

		got, err = s.UpdateSCIMUser(ctx, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
			u.UserName = "Carol" // another team's userName is no clash
			return nil
		})
		noErr(t, err)
		if got.Version != orig.Version+1 {
			t.Errorf("Version after a refused and an accepted update = %d, want %d", got.Version, orig.Version+1)
		}
	})

	t.Run("UpdateSCIMUser writes nothing when fn fails and returns fn's error unchanged", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		orig := createSCIMUser(t, s, team.ID, "alice", base())
		errStop := errors.New("precondition failed")
		_, err := s.UpdateSCIMUser(ctx, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
			u.UserName, u.Active, u.Document = "changed", false, doc(map[string]any{"userName": "changed"})
			return errStop
		})
		if err != errStop {
			t.Errorf("UpdateSCIMUser returned %v, want fn's error unchanged", err)
		}
		got, err := s.GetSCIMUser(ctx, team.ID, orig.UserID)
		noErr(t, err)
		sameSCIMUser(t, "GetSCIMUser", got, orig)
	})

	t.Run("UpdateSCIMUser of an unknown or another team's user is ErrNotFound and does not call fn", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		u := createSCIMUser(t, s, team.ID, "alice", base())
		for _, tc := range []struct{ name, teamID, userID string }{
			{"unknown user", team.ID, uuid.NewString()},
			{"another team's user", other.ID, u.UserID},
		} {
			called := false
			_, err := s.UpdateSCIMUser(ctx, tc.teamID, tc.userID, func(*accounts.SCIMUser) error { called = true; return nil })
			if !errors.Is(err, accounts.ErrNotFound) || called {
				t.Errorf("UpdateSCIMUser of %s: %v, fn called %v; want ErrNotFound without calling fn", tc.name, err, called)
			}
		}
	})

	for _, tc := range []struct {
		name   string
		update func(ctx context.Context, s accounts.Store, teamID, userID string, fn func(*accounts.SCIMUser) error) error
	}{
		{"on the Store", func(ctx context.Context, s accounts.Store, teamID, userID string, fn func(*accounts.SCIMUser) error) error {
			_, err := s.UpdateSCIMUser(ctx, teamID, userID, fn)
			return err
		}},
		{"inside InTx", func(ctx context.Context, s accounts.Store, teamID, userID string, fn func(*accounts.SCIMUser) error) error {
			return s.InTx(ctx, func(tx accounts.Tx) error {
				_, err := tx.UpdateSCIMUser(ctx, teamID, userID, fn)
				return err
			})
		}},
	} {
		t.Run("concurrent UpdateSCIMUser calls "+tc.name+" lose no update and each add one to Version", func(t *testing.T) {
			t.Parallel()
			s, ctx := newStore(t), t.Context()
			team := createTeam(t, s, "acme")
			orig := newSCIMUser(team.ID, createUser(t, s, "alice").ID, "alice", base())
			orig.Version, orig.Document = 3, doc(map[string]any{"userName": "alice", "tags": []string{}})
			orig = storeSCIMUser(t, s, orig)
			const letters = "abcdefghij"
			errs := race(len(letters), func(i int) error {
				return tc.update(ctx, s, team.ID, orig.UserID, func(u *accounts.SCIMUser) error {
					var d struct {
						UserName string   `json:"userName"`
						Tags     []string `json:"tags"`
					}
					if err := json.Unmarshal(u.Document, &d); err != nil {
						return err
					}
					d.Tags = append(d.Tags, letters[i:i+1])
					b, err := json.Marshal(d)
					u.Document = b
					return err
				})
			})
			for _, err := range errs {
				noErr(t, err)
			}
			got, err := s.GetSCIMUser(ctx, team.ID, orig.UserID)
			noErr(t, err)
			var d struct{ Tags []string }
			noErr(t, json.Unmarshal(got.Document, &d))
			if tags := strings.Join(slices.Sorted(slices.Values(d.Tags)), ""); tags != letters {
				t.Errorf("tags = %q after %d appends, want each of %q once", d.Tags, len(letters), letters)
			}
			if want := orig.Version + int64(len(letters)); got.Version != want {
				t.Errorf("Version = %d after %d updates from %d, want %d", got.Version, len(letters), orig.Version, want)
			}
		})
	}

	t.Run("exactly one of concurrent creates of one userName in different letter cases succeeds", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		users := make([]accounts.SCIMUser, 8)
		for i := range users {
			users[i] = newSCIMUser(team.ID, createUser(t, s, fmt.Sprintf("racer%d", i)).ID, letterCase("racer", i), base())
		}
		errs := race(len(users), func(i int) error { return s.CreateSCIMUser(ctx, &users[i]) })
		exactlyOne(t, errs, accounts.ErrUsernameTaken)
	})

	t.Run("exactly one of concurrent creates of SCIM identities of one account in different teams succeeds", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		acct := createUser(t, s, "alice")
		users := make([]accounts.SCIMUser, 6)
		for i := range users {
			users[i] = newSCIMUser(createTeam(t, s, fmt.Sprintf("team-%d", i)).ID, acct.ID, "alice", base())
		}
		errs := race(len(users), func(i int) error { return s.CreateSCIMUser(ctx, &users[i]) })
		winner := exactlyOne(t, errs, accounts.ErrManagedElsewhere)
		for i, u := range users {
			if _, err := s.GetSCIMUser(ctx, u.TeamID, acct.ID); (err == nil) != (i == winner) {
				t.Errorf("GetSCIMUser in team %d (winner %d): %v", i, winner, err)
			}
		}
	})

	t.Run("DeleteSCIMUser removes the identity and its group memberships, keeps the account, and a second delete is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		u, keep := createSCIMUser(t, s, team.ID, "alice", base()), createSCIMUser(t, s, team.ID, "bob", base())
		g1, g2 := createSCIMGroup(t, s, team.ID, "Admins", base()), createSCIMGroup(t, s, team.ID, "Engineering", base())
		addSCIMMembers(t, s, team.ID, g1.ID, u.UserID, keep.UserID)
		addSCIMMembers(t, s, team.ID, g2.ID, u.UserID)

		wantErr(t, s.DeleteSCIMUser(ctx, other.ID, u.UserID), accounts.ErrNotFound)
		noErr(t, s.DeleteSCIMUser(ctx, team.ID, u.UserID))
		_, err := s.GetSCIMUser(ctx, team.ID, u.UserID)
		wantErr(t, err, accounts.ErrNotFound)
		sameIDs(t, "members of Admins", members(t, s, team.ID, g1.ID), []string{keep.UserID})
		sameIDs(t, "members of Engineering", members(t, s, team.ID, g2.ID), nil)
		gs, err := s.ListUserSCIMGroups(ctx, team.ID, u.UserID)
		noErr(t, err)
		if len(gs) != 0 {
			t.Errorf("ListUserSCIMGroups of the deleted user = %v, want none", scimGroupNames(gs))
		}
		_, err = s.GetUser(ctx, u.UserID)
		noErr(t, err)
		wantErr(t, s.DeleteSCIMUser(ctx, team.ID, u.UserID), accounts.ErrNotFound)
		wantErr(t, s.DeleteSCIMUser(ctx, team.ID, uuid.NewString()), accounts.ErrNotFound)

		// The userName and the account are free again, in any team.
		storeSCIMUser(t, s, newSCIMUser(other.ID, u.UserID, "alice", at(time.Hour)))
		createSCIMUser(t, s, team.ID, "Alice", at(time.Hour))
	})

	t.Run("a failed InTx keeps no account, SCIM identity, membership, group or member row it wrote", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		acct := newUser("alice")
		su := newSCIMUser(team.ID, acct.ID, "alice", base())
		g := newSCIMGroup(team.ID, "Admins", base())
		errStop := errors.New("seat limit reached")
		err := s.InTx(ctx, func(tx accounts.Tx) error {
			if err := tx.CreateUser(ctx, &acct); err != nil {
				return err
			}
			if err := tx.CreateSCIMUser(ctx, &su); err != nil {
				return err
			}
			if err := tx.AddMembership(ctx, newMembership(team.ID, acct.ID, base())); err != nil {
				return err
			}
			if err := tx.CreateSCIMGroup(ctx, &g); err != nil {
				return err
			}
			if _, err := tx.AddSCIMGroupMembers(ctx, team.ID, g.ID, []string{acct.ID}); err != nil {
				return err
			}
			if page, err := tx.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Count: 10}); err != nil || page.Total != 1 {
				t.Errorf("ListSCIMUsers in tx = total %d, %v; want the user just created", page.Total, err)
			}
			return errStop
		})
		if err != errStop {
			t.Errorf("InTx returned %v, want fn's error unchanged", err)
		}
		_, err = s.GetUser(ctx, acct.ID)
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.GetSCIMUser(ctx, team.ID, acct.ID)
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.GetMembership(ctx, team.ID, acct.ID)
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.GetSCIMGroup(ctx, team.ID, g.ID)
		wantErr(t, err, accounts.ErrNotFound)
		page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Count: 10})
		noErr(t, err)
		if page.Total != 0 || len(page.Resources) != 0 {
			t.Errorf("ListSCIMUsers after rollback = total %d, %d resources; want none", page.Total, len(page.Resources))
		}
		// Everything can be created again, with the same IDs and names.
		noErr(t, s.CreateUser(ctx, &acct))
		noErr(t, s.CreateSCIMUser(ctx, &su))
		noErr(t, s.CreateSCIMGroup(ctx, &g))
		sameIDs(t, "members of the recreated group", members(t, s, team.ID, g.ID), nil)
	})

	testListSCIMUsers(t, newStore)
}

func testListSCIMUsers(t *testing.T, newStore newStoreFunc) {
	t.Run("ListSCIMUsers pages through a team's users in creation order, then ID, with the total of all", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		// Inserted out of order; two share a creation time and sort by ID.
		third := createSCIMUser(t, s, team.ID, "third", at(3*time.Minute))
		first := createSCIMUser(t, s, team.ID, "first", at(time.Minute))
		tieA := createSCIMUser(t, s, team.ID, "tie-a", at(2*time.Minute))
		createSCIMUser(t, s, other.ID, "foreign", at(2*time.Minute))
		tieB := createSCIMUser(t, s, team.ID, "tie-b", at(2*time.Minute))
		fifth := createSCIMUser(t, s, team.ID, "fifth", at(5*time.Minute))
		createSCIMUser(t, s, other.ID, "zz-foreign", base())
		ties := []accounts.SCIMUser{tieA, tieB}
		slices.SortFunc(ties, func(a, b accounts.SCIMUser) int { return strings.Compare(a.UserID, b.UserID) })
		all := []accounts.SCIMUser{first, ties[0], ties[1], third, fifth}

		for _, tc := range []struct {
			name         string
			start, count int
			want         []accounts.SCIMUser
		}{
			{"all in one page", 1, 10, all},
			{"exactly all", 1, 5, all},
			{"the first two", 1, 2, all[:2]},
			{"StartIndex 0 means 1", 0, 2, all[:2]},
			{"a negative StartIndex means 1", -3, 2, all[:2]},
			{"the second page of two", 3, 2, all[2:4]},
			{"a last page that is not full", 4, 10, all[3:]},
			{"the last one", 5, 1, all[4:]},
			{"a page past the end is empty", 6, 10, nil},
			{"far past the end", 1000, 10, nil},
			{"Count 0 returns only the total", 1, 0, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, StartIndex: tc.start, Count: tc.count})
				noErr(t, err)
				if page.Total != len(all) {
					t.Errorf("Total = %d, want %d", page.Total, len(all))
				}
				sameSCIMUsers(t, "Resources", page.Resources, tc.want)
			})
		}
		page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: createTeam(t, s, "empty").ID, Count: 10})
		noErr(t, err)
		if page.Total != 0 || len(page.Resources) != 0 {
			t.Errorf("ListSCIMUsers of a team without SCIM users = total %d, %d resources", page.Total, len(page.Resources))
		}
	})

	t.Run("ListSCIMUsers sorts by userName ascending and descending", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		for i, name := range []string{"mike", "alice", "zed", "carol", "bob"} {
			createSCIMUser(t, s, team.ID, name, at(time.Duration(i)*time.Minute))
		}
		createSCIMUser(t, s, other.ID, "aaron", base())
		for _, tc := range []struct {
			name  string
			desc  bool
			start int
			count int
			want  []string
		}{
			{"ascending", false, 1, 10, []string{"alice", "bob", "carol", "mike", "zed"}},
			{"descending", true, 1, 10, []string{"zed", "mike", "carol", "bob", "alice"}},
			{"ascending, second page", false, 3, 2, []string{"carol", "mike"}},
			{"descending, second page", true, 3, 2, []string{"carol", "bob"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, SortBy: []string{"userName"},
					SortDescending: tc.desc, StartIndex: tc.start, Count: tc.count})
				noErr(t, err)
				if page.Total != 5 {
					t.Errorf("Total = %d, want 5", page.Total)
				}
				sameIDs(t, "userNames", scimUserNames(page.Resources), tc.want)
			})
		}
	})
}
