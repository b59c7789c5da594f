package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

const (
	coreUserSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema     = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseURN   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	acmeExtensionID = "urn:example:params:scim:schemas:extension:acme:1.0:User"
)

// doc marshals a SCIM document; it cannot fail for the maps the suite builds.
func doc(v map[string]any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// newSCIMUser is an active SCIM identity of userID at Version 1.
func newSCIMUser(teamID, userID, userName string, created time.Time) accounts.SCIMUser {
	return accounts.SCIMUser{
		TeamID: teamID, UserID: userID, UserName: userName, Active: true,
		Document: doc(map[string]any{"schemas": []string{coreUserSchema}, "userName": userName, "active": true}),
		Version:  1, CreatedAt: created, UpdatedAt: created,
	}
}

// newAccount is an account whose username and email cannot clash with any
// other, for SCIM identities whose userName is what the test is about.
func newAccount() accounts.User {
	return newUser("acct-" + uuid.NewString())
}

// createSCIMUser stores a fresh account and newSCIMUser for it.
func createSCIMUser(t *testing.T, tx accounts.Tx, teamID, userName string, created time.Time) accounts.SCIMUser {
	t.Helper()
	u := newAccount()
	if err := tx.CreateUser(t.Context(), &u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	su := newSCIMUser(teamID, u.ID, userName, created)
	return storeSCIMUser(t, tx, su)
}

// storeSCIMUser stores su, whose account exists already.
func storeSCIMUser(t *testing.T, tx accounts.Tx, su accounts.SCIMUser) accounts.SCIMUser {
	t.Helper()
	if err := tx.CreateSCIMUser(t.Context(), &su); err != nil {
		t.Fatalf("CreateSCIMUser(%q): %v", su.UserName, err)
	}
	return su
}

// createSCIMUsers stores n accounts with SCIM identities in the team in one
// transaction and returns their user IDs in creation order.
func createSCIMUsers(t *testing.T, s accounts.Store, teamID string, n int) []string {
	t.Helper()
	var ids []string
	err := s.InTx(t.Context(), func(tx accounts.Tx) error {
		ids = make([]string, 0, n) // fn may be re-run
		for i := range n {
			u := newAccount()
			if err := tx.CreateUser(t.Context(), &u); err != nil {
				return err
			}
			su := newSCIMUser(teamID, u.ID, fmt.Sprintf("user%04d", i), base())
			if err := tx.CreateSCIMUser(t.Context(), &su); err != nil {
				return err
			}
			ids = append(ids, u.ID)
		}
		return nil
	})
	noErr(t, err)
	return ids
}

func newSCIMGroup(teamID, displayName string, created time.Time) accounts.SCIMGroup {
	return accounts.SCIMGroup{
		TeamID: teamID, ID: uuid.NewString(), DisplayName: displayName,
		Document: doc(map[string]any{"schemas": []string{groupSchema}, "displayName": displayName}),
		Version:  1, CreatedAt: created, UpdatedAt: created,
	}
}

// createSCIMGroup stores newSCIMGroup(teamID, displayName, created).
func createSCIMGroup(t *testing.T, tx accounts.Tx, teamID, displayName string, created time.Time) accounts.SCIMGroup {
	t.Helper()
	g := newSCIMGroup(teamID, displayName, created)
	if err := tx.CreateSCIMGroup(t.Context(), &g); err != nil {
		t.Fatalf("CreateSCIMGroup(%q): %v", displayName, err)
	}
	return g
}

// addSCIMMembers adds userIDs to the group and checks that all were new.
func addSCIMMembers(t *testing.T, tx accounts.Tx, teamID, groupID string, userIDs ...string) {
	t.Helper()
	n, err := tx.AddSCIMGroupMembers(t.Context(), teamID, groupID, userIDs)
	if err != nil || n != len(userIDs) {
		t.Fatalf("AddSCIMGroupMembers = %d, %v; want %d, nil", n, err, len(userIDs))
	}
}

// sameJSON reports a difference between two JSON documents as values:
// stores may return an equivalent re-serialisation.
func sameJSON(t *testing.T, what string, got, want json.RawMessage) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s: stored document %q is not JSON: %v", what, got, err)
		return
	}
	if err := json.Unmarshal(want, &w); err != nil {
		panic(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: got %s, want %s", what, got, want)
	}
}

// sameSCIMUsers is same for SCIM users, with documents compared as JSON values.
func sameSCIMUsers(t *testing.T, what string, got, want []accounts.SCIMUser) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d users %v, want %d %v", what, len(got), scimUserIDs(got), len(want), scimUserIDs(want))
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		sameJSON(t, fmt.Sprintf("%s[%d].Document", what, i), g.Document, w.Document)
		g.Document, w.Document = nil, nil
		same(t, fmt.Sprintf("%s[%d]", what, i), g, w)
	}
}

func sameSCIMUser(t *testing.T, what string, got, want accounts.SCIMUser) {
	t.Helper()
	sameSCIMUsers(t, what, []accounts.SCIMUser{got}, []accounts.SCIMUser{want})
}

// sameSCIMGroups is same for SCIM groups, with documents compared as JSON values.
func sameSCIMGroups(t *testing.T, what string, got, want []accounts.SCIMGroup) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d groups %v, want %d %v", what, len(got), scimGroupNames(got), len(want), scimGroupNames(want))
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		sameJSON(t, fmt.Sprintf("%s[%d].Document", what, i), g.Document, w.Document)
		g.Document, w.Document = nil, nil
		same(t, fmt.Sprintf("%s[%d]", what, i), g, w)
	}
}

func sameSCIMGroup(t *testing.T, what string, got, want accounts.SCIMGroup) {
	t.Helper()
	sameSCIMGroups(t, what, []accounts.SCIMGroup{got}, []accounts.SCIMGroup{want})
}

func scimUserIDs(us []accounts.SCIMUser) []string {
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.UserID
	}
	return ids
}

func scimUserNames(us []accounts.SCIMUser) []string {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.UserName
	}
	return names
}

func scimGroupNames(gs []accounts.SCIMGroup) []string {
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.DisplayName
	}
	return names
}

// sameIDs reports unless got and want hold the same IDs in the same order.
func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
		t.Errorf("%s:\ngot  %v\nwant %v", what, got, want)
	}
}

// members returns the group's member IDs, stopping the test on error.
func members(t *testing.T, tx accounts.Tx, teamID, groupID string) []string {
	t.Helper()
	ids, err := tx.ListSCIMGroupMembers(t.Context(), teamID, groupID)
	noErr(t, err)
	return ids
}

// sorted returns a sorted copy of ids.
func sorted(ids []string) []string { return slices.Sorted(slices.Values(ids)) }
