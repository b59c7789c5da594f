package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/idbridge/idbridge/accounts"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is an accounts.Store on one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	queries // each method runs as its own statement, or its own transaction
	db      *sql.DB
}

var _ accounts.Store = (*Store)(nil)

// busyTimeoutMillis is how long a writer waits for the write lock before
// SQLite gives up with SQLITE_BUSY. Transactions here last milliseconds, so
// reaching it means something is badly stuck.
const busyTimeoutMillis = 10_000

// Open opens the database file at path, creating it and its directory when
// missing, and checks that it can be read. It does not migrate: call Migrate.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		// The driver would read '?' as the start of the DSN options and
		// "file:" as a URI; neither is a plain file name.
		return nil, fmt.Errorf("sqlite: database path %q must be a plain file name", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Every connection gets these. WAL lets readers run beside the one
	// writer; synchronous=NORMAL is durable across crashes of the process in
	// WAL mode and loses at most the last commits on power loss; SQLite
	// leaves foreign keys unchecked unless asked. _txlock=immediate makes BEGIN take
	// the write lock, so a transaction never has to upgrade a read lock,
	// which SQLite refuses with SQLITE_BUSY instead of waiting.
	opts := url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeoutMillis)},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"NORMAL"},
		"_foreign_keys": {"on"},
		"_txlock":       {"immediate"},
	}
	db, err := sql.Open("sqlite", path+"?"+opts.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// WAL readers run in parallel, one per connection; writers queue on the
	// write lock whatever the pool size. Keep every connection once opened:
	// a new one re-runs the pragmas and re-reads the schema.
	n := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// A read, not just a connection: it fails on a file that is not a
	// SQLite database, and the first connection switches the file to WAL.
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{queries: queries{db: db, pool: db}, db: db}, nil
}

// DB returns the underlying database handle, for operational checks and
// tests.
func (s *Store) DB() *sql.DB { return s.db }

// Ping reports whether the database file can still be read.
func (s *Store) Ping(ctx context.Context) error {
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes every connection. WAL mode checkpoints on the last close.
func (s *Store) Close() error { return s.db.Close() }

// InTx runs fn in one IMMEDIATE transaction and commits when fn returns nil.
// Writers are serialised from BEGIN on, so fn never meets a serialization
// failure and runs exactly once.
func (s *Store) InTx(ctx context.Context, fn func(tx accounts.Tx) error) error {
	return inTx(ctx, s.db, func(q queries) error { return fn(q) })
}

// inTx runs fn in a transaction on db. Whatever way fn ends other than
// returning nil (an error, a panic, runtime.Goexit from t.Fatal), the
// deferred rollback discards its writes and frees the connection; a panic
// goes on up unchanged.
func inTx(ctx context.Context, db *sql.DB, fn func(q queries) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	// A no-op after a successful Commit. A rollback error adds nothing to
	// the error the caller already gets.
	defer func() { _ = tx.Rollback() }()
	if err := fn(queries{db: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// dbtx is what queries need from the pool or a transaction.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements accounts.Tx over the pool (each method its own
// statement or transaction) or over a transaction.
type queries struct {
	db dbtx
	// pool is the pool when db is the pool itself, and nil inside a
	// transaction: methods that need several statements to be atomic open
	// a transaction of their own only when they are not in one already.
	pool *sql.DB
}

var _ accounts.Tx = queries{}

// atomic runs fn so that its statements commit or fail together: in the
// surrounding transaction if there is one, otherwise in a new one.
func (q queries) atomic(ctx context.Context, fn func(q queries) error) error {
	if q.pool == nil {
		return fn(q)
	}
	return inTx(ctx, q.pool, fn)
}
