// Package pgtest gives each test a fresh PostgreSQL database of its own,
// created from a template that is migrated once per set of migrations, so a
// test pays for a CREATE DATABASE, not for the migrations.
//
// The server comes from $TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable); the database
// named there is only used to create and drop the test databases, never
// written to. A test's database is dropped when the test passes and kept for
// inspection when it fails (the test log prints its URL). There is no
// skipping: without a server the test fails and says so.
package pgtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"

	"github.com/idbridge/idbridge/accounts/postgres"
)

// DefaultURL is the server tests use when $TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL returns the connection URL of a new database, migrated to the latest
// schema, that belongs to t alone.
func URL(t testing.TB) string {
	t.Helper()
	return create(t, migrator{})
}

// EmptyURL returns the connection URL of a new, empty database (no tables,
// not even schema_migrations) that belongs to t alone, for tests of
// migrations themselves.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return create(t, pgtestdb.NoopMigrator{})
}

// NewStore opens a store on URL(t) and closes it when t ends. Its pool
// holds at most 4 connections, so that many parallel tests stay within the
// server's max_connections while concurrency tests still race in the
// database; benchmarks that want a production-sized pool Open URL(t)
// themselves.
func NewStore(t testing.TB) *postgres.Store {
	t.Helper()
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	s, err := postgres.Open(t.Context(), u.String())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// Registered after URL's cleanup, so it runs first: the database can only
	// be dropped once the pool's connections are gone.
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func create(t testing.TB, m pgtestdb.Migrator) string {
	t.Helper()
	conf := serverConfig(t)
	return pgtestdb.Custom(t, conf, m).URL()
}

// serverConfig parses the server URL and checks that the server answers, so
// that a missing server is one clear message rather than a driver error
// from deep inside pgtestdb.
func serverConfig(t testing.TB) pgtestdb.Config {
	t.Helper()
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		raw = DefaultURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		t.Fatalf("pgtest: TEST_DATABASE_URL must be a postgres:// URL, got %q", raw)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL is not reachable at %s: %v\n"+
			"Start one (`make test` does) or point TEST_DATABASE_URL at one.", u.Redacted(), err)
	}
	_ = conn.Close(ctx)

	port := u.Port()
	if port == "" {
		port = "5432"
	}
	database := strings.TrimPrefix(u.Path, "/")
	if database == "" {
		database = "postgres"
	}
	password, _ := u.User.Password()
	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       u.Hostname(),
		Port:       port,
		// pgtestdb pastes these into a URL unescaped; escape them here.
		User:     url.User(u.User.Username()).String(),
		Password: strings.TrimPrefix(url.UserPassword("", password).String(), ":"),
		Database: database,
		Options:  u.RawQuery,
	}
}

// migrator builds pgtestdb's template database with Store.Migrate, the code
// production runs, and names the template after the migration files, so a
// new or changed migration gets a new template.
type migrator struct{}

// hashVersion changes when the way the template is built changes without
// the migration files changing (e.g. schema_migrations itself).
const hashVersion = "idbridge-pgtest-1"

func (migrator) Hash() (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, hashVersion)
	migrations := postgres.Migrations()
	err := fs.WalkDir(migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("pgtest: hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

func (migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	s, err := postgres.Open(ctx, conf.URL())
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Migrate(ctx)
}
