package postgres_test

import (
	"sync"
	"testing"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
)

// open opens a store on url and closes it when t ends.
func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// migrationRows counts schema_migrations rows.
func migrationRows(t *testing.T, s *postgres.Store) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateEmptyDatabase(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.EmptyURL(t))
	applied, latest, err := s.SchemaVersion(t.Context())
	if err != nil || applied != 0 || latest < 1 {
		t.Fatalf("SchemaVersion before Migrate = (%d, %d, %v), want (0, >=1, nil)", applied, latest, err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	applied, latest2, err := s.SchemaVersion(t.Context())
	if err != nil || applied != latest || latest2 != latest {
		t.Fatalf("SchemaVersion after Migrate = (%d, %d, %v), want (%d, %d, nil)", applied, latest2, err, latest, latest)
	}
	if n := migrationRows(t, s); n != latest {
		t.Errorf("schema_migrations has %d rows, want one per migration (%d)", n, latest)
	}
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	t.Parallel()
	s := pgtest.NewStore(t) // migrated once already
	before := migrationRows(t, s)
	var schema string
	dump := `SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
		FROM information_schema.columns WHERE table_schema = 'public'`
	if err := s.Pool().QueryRow(t.Context(), dump).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate on a current schema: %v", err)
		}
	}
	if n := migrationRows(t, s); n != before {
		t.Errorf("schema_migrations went from %d to %d rows", before, n)
	}
	var after string
	if err := s.Pool().QueryRow(t.Context(), dump).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != schema {
		t.Errorf("Migrate on a current schema changed the columns:\nbefore %s\nafter  %s", schema, after)
	}
}

func TestConcurrentMigrateFromThreeReplicas(t *testing.T) {
	t.Parallel()
	url := pgtest.EmptyURL(t)
	replicas := make([]*postgres.Store, 3)
	for i := range replicas {
		replicas[i] = open(t, url)
	}
	errs := make([]error, len(replicas))
	var wg sync.WaitGroup
	for i, s := range replicas {
		wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Migrate: %v", i, err)
		}
	}
	applied, latest, err := replicas[0].SchemaVersion(t.Context())
	if err != nil || applied != latest {
		t.Fatalf("SchemaVersion = (%d, %d, %v), want applied == latest", applied, latest, err)
	}
	if n := migrationRows(t, replicas[0]); n != latest {
		t.Errorf("schema_migrations has %d rows, want %d: a migration ran twice or not at all", n, latest)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	s := pgtest.NewStore(t)
	_, latest, err := s.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// What a newer idbridge would have left behind.
	if _, err := s.Pool().Exec(t.Context(), `INSERT INTO schema_migrations (version) VALUES ($1)`, latest+1); err != nil {
		t.Fatal(err)
	}
	err = s.Migrate(t.Context())
	if accounts.ErrorCode(err) != accounts.CodeSchemaTooNew {
		t.Fatalf("Migrate on a newer schema = %v, want a %s error", err, accounts.CodeSchemaTooNew)
	}
	t.Logf("Migrate: %v", err)
	applied, got, err := s.SchemaVersion(t.Context())
	if err != nil || applied != latest+1 || got != latest {
		t.Errorf("SchemaVersion = (%d, %d, %v), want (%d, %d, nil)", applied, got, err, latest+1, latest)
	}
}
