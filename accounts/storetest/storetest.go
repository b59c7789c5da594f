package storetest

import (
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

// newStoreFunc makes a fresh, empty, migrated store; see Run.
type newStoreFunc = func(t *testing.T) accounts.Store

// Run runs the conformance suite. newStore must return a fresh, empty,
// migrated store on each call and clean it up when t ends; it is called
// from parallel subtests.
func Run(t *testing.T, newStore func(t *testing.T) accounts.Store) {
	groups := []struct {
		name string
		run  func(*testing.T, newStoreFunc)
	}{
		{"store", testStore},
		{"teams", testTeams},
		{"domains", testDomains},
		{"users", testUsers},
		{"memberships", testMemberships},
		{"passwords", testPasswords},
		{"sessions", testSessions},
		{"one-time tokens", testTokens},
		{"SCIM tokens", testSCIMTokens},
		{"SCIM users", testSCIMUsers},
		{"SCIM filters", testSCIMFilter},
		{"SCIM groups", testSCIMGroups},
		{"SCIM roles", testSCIMRoles},
		{"SCIM provisioning", testSCIMProvision},
		{"SCIM fast updates", testSCIMApplyUpdate},
		{"SSO", testSSO},
		{"audit", testAudit},
		{"rate limits", testRateLimits},
		{"security", testSecurity},
		{"notifications", testNotifications},
		{"purge", testPurge},
		{"transactions", testTransactions},
		{"concurrency", testConcurrency},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, newStore)
		})
	}
}

func testStore(t *testing.T, newStore newStoreFunc) {
	t.Run("Ping succeeds on a fresh store", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		noErr(t, s.Ping(t.Context()))
	})

	t.Run("a fresh store's schema is at the latest version", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		applied, latest, err := s.SchemaVersion(t.Context())
		noErr(t, err)
		if latest <= 0 || applied != latest {
			t.Errorf("SchemaVersion = (applied %d, latest %d), want applied == latest > 0", applied, latest)
		}
	})
}
