// Package sqlmigrate reads the numbered SQL migration files a store embeds.
// Each store applies them in its own dialect and transaction style; what
// they share is how files are named, ordered and checked, and the error for
// a database newer than the binary.
package sqlmigrate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/idbridge/idbridge/accounts"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load reads dir in fsys and checks the files are numbered 1, 2, 3 … with
// no gap (0001_init.sql, 0002_…), so "applied" can be a single number.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("migration %s: want a name starting %04d_", e.Name(), len(ms)+1)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	if len(ms) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	return ms, nil
}

// TooNew is the error for a database migrated by a newer idbridge.
func TooNew(applied, latest int) error {
	return &accounts.Error{Code: accounts.CodeSchemaTooNew, Message: fmt.Sprintf(
		"database schema version %d is newer than this binary knows (%d); upgrade idbridge", applied, latest)}
}
