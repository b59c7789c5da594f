package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/sqlite"
	"github.com/idbridge/idbridge/accounts/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) accounts.Store { return newStore(t) })
}

// newStore returns a fresh, migrated store in its own directory, closed when
// t ends.
func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s := open(t, filepath.Join(t.TempDir(), "idbridge.db"))
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// open opens the database at path, closed when t ends.
func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}
