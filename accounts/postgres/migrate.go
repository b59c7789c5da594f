package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idbridge/idbridge/accounts/internal/sqlmigrate"
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
	ms, err := sqlmigrate.Load(migrationFiles, "migrations")
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
func (s *Store) migrateOne(ctx context.Context, ms []sqlmigrate.Migration) (done bool, err error) {
	latest := ms[len(ms)-1].Version
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
			return sqlmigrate.TooNew(applied, latest)
		}
		if applied == latest {
			done = true
			return nil
		}
		m := ms[applied] // versions are 1..latest without gaps
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
			return fmt.Errorf("postgres: record migration %s: %w", m.Name, err)
		}
		return nil
	})
	return done, err
}

// SchemaVersion returns the newest applied migration (0 on an empty
// database) and the newest one this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := sqlmigrate.Load(migrationFiles, "migrations")
	if err != nil {
		return 0, 0, err
	}
	latest = ms[len(ms)-1].Version
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
