package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is an accounts.Store on a PostgreSQL connection pool. It is safe for
// concurrent use.
type Store struct {
	queries // each method runs as its own statement on the pool
	pool    *pgxpool.Pool
}

var _ accounts.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN, as pgxpool accepts) and pings it. It does not migrate: call Migrate.
//
// The pool holds up to pool_max_conns connections when the URL sets it, and
// otherwise 2 per CPU (at least 8): requests spend most of their time waiting
// on the database, not on a CPU.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors redact the password.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(8, 2*runtime.GOMAXPROCS(0)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: ping %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return &Store{queries: queries{db: pool}, pool: pool}, nil
}

// Pool returns the connection pool, for benchmarks and operational checks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping reports whether the database is reachable.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close waits for borrowed connections to come back and closes them all.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// txAttempts bounds how often InTx runs fn when the database keeps asking
// for a retry; past it the serialization error goes to the caller.
const txAttempts = 5

// InTx runs fn in one READ COMMITTED transaction and commits when fn returns
// nil. It runs fn again, after a short random pause, when the transaction
// hits a serialization failure or deadlock.
func (s *Store) InTx(ctx context.Context, fn func(tx accounts.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.inTx(ctx, fn)
		if err == nil || attempt == txAttempts || !retryable(err) {
			return err
		}
		// Jitter, so the transactions that collided do not collide again.
		pause := time.Duration(attempt) * (5*time.Millisecond + rand.N(10*time.Millisecond))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (s *Store) inTx(ctx context.Context, fn func(tx accounts.Tx) error) (err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer func() {
		// On a panic, fn's error or a failed commit; a no-op after a commit.
		// A rollback error is not worth more than the error we already have:
		// pgx closes the connection when rollback fails (a cancelled ctx),
		// and the server then aborts the transaction itself.
		_ = tx.Rollback(ctx)
	}()
	if err := fn(queries{db: tx}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// retryable reports whether the database aborted a transaction that may
// succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// UpdateTeam runs Tx.UpdateTeam in a transaction of its own, so the row lock
// lasts from read to write.
func (s *Store) UpdateTeam(ctx context.Context, id string, fn func(t *accounts.Team) error) (accounts.Team, error) {
	var t accounts.Team
	err := s.InTx(ctx, func(tx accounts.Tx) error {
		var err error
		t, err = tx.UpdateTeam(ctx, id, fn)
		return err
	})
	return t, err
}

// UpdateUser runs Tx.UpdateUser in a transaction of its own, so the row lock
// lasts from read to write.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(u *accounts.User) error) (accounts.User, error) {
	var u accounts.User
	err := s.InTx(ctx, func(tx accounts.Tx) error {
		var err error
		u, err = tx.UpdateUser(ctx, id, fn)
		return err
	})
	return u, err
}

// dbtx is what queries need from a pool or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// UpdateSCIMUser runs Tx.UpdateSCIMUser in a transaction of its own, so the
// row lock lasts from read to write.
func (s *Store) UpdateSCIMUser(ctx context.Context, teamID, userID string, fn func(u *accounts.SCIMUser) error) (accounts.SCIMUser, error) {
	var u accounts.SCIMUser
	err := s.InTx(ctx, func(tx accounts.Tx) error {
		var err error
		u, err = tx.UpdateSCIMUser(ctx, teamID, userID, fn)
		return err
	})
	return u, err
}

// UpdateSCIMGroup runs Tx.UpdateSCIMGroup in a transaction of its own, so
// the row lock lasts from read to write.
func (s *Store) UpdateSCIMGroup(ctx context.Context, teamID, groupID string, fn func(g *accounts.SCIMGroup) error) (accounts.SCIMGroup, error) {
	var g accounts.SCIMGroup
	err := s.InTx(ctx, func(tx accounts.Tx) error {
		var err error
		g, err = tx.UpdateSCIMGroup(ctx, teamID, groupID, fn)
		return err
	})
	return g, err
}
