package sqlite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/sqlite"
)

// These cover what the conformance suite cannot see: the file, the schema
// version, and a second process on the same database.

func TestMigrate(t *testing.T) {
	t.Run("a new database is at version 0 until migrated, then at the latest", func(t *testing.T) {
		ctx := t.Context()
		s := open(t, filepath.Join(t.TempDir(), "idbridge.db"))
		applied, latest, err := s.SchemaVersion(ctx)
		if err != nil || applied != 0 || latest < 1 {
			t.Fatalf("SchemaVersion before Migrate = (%d, %d, %v), want (0, ≥1, nil)", applied, latest, err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		wantCurrent(t, s)
	})

	t.Run("migrating twice changes nothing and keeps the data", func(t *testing.T) {
		ctx := t.Context()
		s := newStore(t)
		u := newUser("alice")
		if err := s.CreateUser(ctx, &u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		wantCurrent(t, s)
		var rows int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if _, latest, _ := s.SchemaVersion(ctx); rows != latest {
			t.Errorf("schema_migrations has %d rows after two runs, want %d", rows, latest)
		}
		if _, err := s.GetUser(ctx, u.ID); err != nil {
			t.Errorf("GetUser after second Migrate: %v", err)
		}
	})

	t.Run("processes migrating one file at once both succeed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "idbridge.db")
		stores := []*sqlite.Store{open(t, path), open(t, path)}
		errs := make([]error, len(stores))
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Migrate %d: %v", i, err)
			}
		}
		wantCurrent(t, stores[0])
	})

	t.Run("a database migrated by a newer idbridge is refused with CodeSchemaTooNew", func(t *testing.T) {
		ctx := t.Context()
		s := newStore(t)
		_, latest, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, latest+1); err != nil {
			t.Fatal(err)
		}
		err = s.Migrate(ctx)
		var e *accounts.Error
		if !errors.As(err, &e) || e.Code != accounts.CodeSchemaTooNew {
			t.Fatalf("Migrate = %v, want a %s error", err, accounts.CodeSchemaTooNew)
		}
		want := fmt.Sprintf("database schema version %d is newer than this binary knows (%d); upgrade idbridge", latest+1, latest)
		if e.Message != want {
			t.Errorf("Message = %q, want %q", e.Message, want)
		}
		if applied, _, err := s.SchemaVersion(ctx); err != nil || applied != latest+1 {
			t.Errorf("SchemaVersion = %d, %v; want applied %d", applied, err, latest+1)
		}
	})
}

func TestReopen(t *testing.T) {
	t.Run("data survives Close and reopening, in a directory Open created", func(t *testing.T) {
		ctx := t.Context()
		path := filepath.Join(t.TempDir(), "state", "nested", "idbridge.db")
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		want := newUser("alice")
		err = s.InTx(ctx, func(tx accounts.Tx) error {
			if err := tx.CreateUser(ctx, &want); err != nil {
				return err
			}
			return tx.SetPasswordHash(ctx, want.ID, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", want.CreatedAt)
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		s = open(t, path)
		wantCurrent(t, s)
		got, err := s.GetUserByUsername(ctx, "ALICE")
		if err != nil {
			t.Fatalf("GetUserByUsername after reopen: %v", err)
		}
		if got != want {
			t.Errorf("user after reopen = %+v, want %+v", got, want)
		}
		if _, err := s.GetPasswordHash(ctx, want.ID); err != nil {
			t.Errorf("GetPasswordHash after reopen: %v", err)
		}
	})

	t.Run("a path the driver would misread is refused", func(t *testing.T) {
		for _, path := range []string{"", filepath.Join(t.TempDir(), "what?.db"), "file:idbridge.db"} {
			if s, err := sqlite.Open(t.Context(), path); err == nil {
				s.Close()
				t.Errorf("Open(%q) succeeded, want an error", path)
			}
		}
	})
}

func wantCurrent(t *testing.T, s *sqlite.Store) {
	t.Helper()
	applied, latest, err := s.SchemaVersion(t.Context())
	if err != nil || applied != latest || latest < 1 {
		t.Errorf("SchemaVersion = (%d, %d, %v), want applied == latest ≥ 1", applied, latest, err)
	}
}

func newUser(username string) accounts.User {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	return accounts.User{
		ID: "00000000-0000-4000-8000-000000000001", Username: username, Name: "Alice Smith",
		Email: username + "@example.com", Status: accounts.StatusActive, CreatedAt: at, UpdatedAt: at,
	}
}
