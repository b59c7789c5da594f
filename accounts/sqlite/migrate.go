package sqlite

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/idbridge/idbridge/accounts/internal/sqlmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate brings the schema up to the newest migration this binary knows.
// Each migration runs in its own IMMEDIATE transaction together with its
// schema_migrations row, so processes migrating one file at once apply each
// migration exactly once, and a failed migration leaves no trace. Running it
// on a current schema changes nothing. It returns a CodeSchemaTooNew error
// when the database was migrated by a newer idbridge.
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
	err = inTx(ctx, s.db, func(q queries) error {
		// Inside the transaction, which holds the write lock, so concurrent
		// first runs do not both create it.
		if _, err := q.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at INTEGER NOT NULL -- unix microseconds, UTC
		)`); err != nil {
			return fmt.Errorf("sqlite: create schema_migrations: %w", err)
		}
		var applied int
		if err := q.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
			return fmt.Errorf("sqlite: read schema version: %w", err)
		}
		if applied > latest {
			return sqlmigrate.TooNew(applied, latest)
		}
		if applied == latest {
			done = true
			return nil
		}
		m := ms[applied] // versions are 1..latest without gaps
		if _, err := q.db.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		if _, err := q.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: record migration %s: %w", m.Name, err)
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
	// A never-migrated database has no schema_migrations table; ask the
	// catalogue rather than parse the "no such table" error. (One statement
	// cannot do both: SQLite resolves table names before it runs anything.)
	var migrated bool
	if err := s.db.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations')`,
	).Scan(&migrated); err != nil {
		return 0, 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if !migrated {
		return 0, latest, nil
	}
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return 0, 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	return applied, latest, nil
}
