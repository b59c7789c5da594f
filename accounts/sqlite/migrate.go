package sqlite

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

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
		return nil, fmt.Errorf("sqlite: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("sqlite: migration %s: want a name starting %04d_", e.Name(), len(ms)+1)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration: %w", err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(ms) == 0 {
		return nil, errors.New("sqlite: no migrations embedded")
	}
	return ms, nil
}

// Migrate brings the schema up to the newest migration this binary knows.
// Each migration runs in its own IMMEDIATE transaction together with its
// schema_migrations row, so processes migrating one file at once apply each
// migration exactly once, and a failed migration leaves no trace. Running it
// on a current schema changes nothing. It returns a CodeSchemaTooNew error
// when the database was migrated by a newer idbridge.
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
			return schemaTooNew(applied, latest)
		}
		if applied == latest {
			done = true
			return nil
		}
		m := ms[applied] // versions are 1..latest without gaps
		if _, err := q.db.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
		}
		if _, err := q.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.version, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: record migration %s: %w", m.name, err)
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
