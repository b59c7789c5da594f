package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/idbridge/idbridge/accounts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files, NNNN_name.sql at the
// root, for tools that fingerprint the schema (pgtest's template cache).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded; this cannot happen
	}
	return sub
}

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations parses the embedded files and checks they are numbered 1,
// 2, 3 … with no gap, so "applied" can be a single number.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations") // sorted by name
	if err != nil {
		return nil, fmt.Errorf("postgres: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("postgres: migration %s: want a name starting %04d_", e.Name(), len(ms)+1)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("postgres: read migration: %w", err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(ms) == 0 {
		return nil, errors.New("postgres: no migrations embedded")
	}
	return ms, nil
}

// migrateLockKey names the advisory lock that serialises Migrate across
// replicas. Any constant works as long as it never changes.
const migrateLockKey int64 = 0x6964627269646765 // "idbridge"

// Migrate brings the schema up to the newest migration this binary knows.
// Each migration runs in its own transaction together with its
// schema_migrations row, after taking a transaction-scoped advisory lock, so
// replicas migrating at once apply each migration exactly once and a failed
// migration leaves no trace. Running it on a current schema changes nothing.
// It returns a CodeSchemaTooNew error when the database was migrated by a
// newer idbridge.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for {
		done, err := s.migrateOne(ctx, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the first pending migration, or reports that none is.
func (s *Store) migrateOne(ctx context.Context, ms []migration) (done bool, err error) {
	latest := ms[len(ms)-1].version
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
			return fmt.Errorf("postgres: lock for migration: %w", err)
		}
		// Under the lock, so concurrent first runs do not both create it.
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("postgres: create schema_migrations: %w", err)
		}
		var applied int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
			return fmt.Errorf("postgres: read schema version: %w", err)
		}
		if applied > latest {
			return schemaTooNew(applied, latest)
		}
		if applied == latest {
			done = true
			return nil
		}
		m := ms[applied] // versions are 1..latest without gaps
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.version); err != nil {
			return fmt.Errorf("postgres: record migration %s: %w", m.name, err)
		}
		return nil
	})
	return done, err
}

func schemaTooNew(applied, latest int) error {
	return &accounts.Error{Code: accounts.CodeSchemaTooNew, Message: fmt.Sprintf(
		"database schema version %d is newer than this binary knows (%d); upgrade idbridge", applied, latest)}
}

// SchemaVersion returns the newest applied migration (0 on an empty
// database) and the newest one this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := loadMigrations()
	if err != nil {
		return 0, 0, err
	}
	latest = ms[len(ms)-1].version
	err = s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table: never migrated
		return 0, latest, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return applied, latest, nil
}
