package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres"
	"github.com/idbridge/idbridge/accounts/sqlite"
)

const defaultDB = "sqlite:./data/idbridge.db"

// migratingStore is a store that can bring its schema up to date.
type migratingStore interface {
	accounts.Store
	Migrate(ctx context.Context) error
}

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", defaultDB, "database: postgres://… or sqlite:PATH")
}

// openStore opens the database a --db value names.
func openStore(ctx context.Context, db string) (migratingStore, error) {
	switch {
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return postgres.Open(ctx, db)
	case strings.HasPrefix(db, "sqlite:"):
		path := strings.TrimPrefix(db, "sqlite:")
		if path == "" {
			return nil, usagef("--db sqlite: needs a file path, e.g. sqlite:./data/idbridge.db")
		}
		return sqlite.Open(ctx, path)
	}
	return nil, usagef("--db must start with postgres://, postgresql:// or sqlite:")
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, db string) (migratingStore, error) {
	st, err := openStore(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return st, nil
}

// withService opens a migrated store and runs fn with a Service over it.
func withService(ctx context.Context, db string, fn func(*accounts.Service) error) error {
	st, err := openMigrated(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st})
	if err != nil {
		return err
	}
	return fn(svc)
}

// withTeam is withService for commands about one team, named by slug or id.
func withTeam(ctx context.Context, db, team string, fn func(*accounts.Service, accounts.Team) error) error {
	return withService(ctx, db, func(svc *accounts.Service) error {
		t, err := svc.Team(ctx, team)
		if err != nil {
			return err
		}
		return fn(svc, t)
	})
}
