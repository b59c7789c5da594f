package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Times are stored as INTEGER microseconds since the Unix epoch, so the
// database compares and orders them exactly, and read back in UTC: the
// contract's "UTC at microsecond precision".

// micro is t as the store will return it. Creates normalise the caller's
// struct with it so that what was written equals what is read back.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func microPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := micro(*t)
	return &v
}

// unixMicro is the column value of t. UnixMicro rounds down, as micro does.
func unixMicro(t time.Time) int64 { return t.UnixMicro() }

// nullUnixMicro is the column value of an optional time: NULL when unset.
func nullUnixMicro(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// timeCol scans an INTEGER time column into *t.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	n, ok := v.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, want INTEGER microseconds", v)
	}
	*c.t = time.UnixMicro(n).UTC()
	return nil
}

// nullTimeCol scans a nullable INTEGER time column into *t, nil for NULL.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// nullIfEmpty stores "" as NULL in columns that are foreign keys.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan; an empty result is a nil slice.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// uniqueErrors maps the columns SQLite names in a UNIQUE or PRIMARY KEY
// violation ("UNIQUE constraint failed: users.username_key") to the error a
// clash on them means. SQLite names columns, not indexes, so the schema keeps
// each meaning on its own column set.
var uniqueErrors = map[string]error{
	"teams.slug_key":                                                 accounts.ErrSlugTaken,
	"domains.team_id, domains.name_key":                              accounts.ErrDomainTaken,
	"domains.name_key":                                               accounts.ErrDomainTaken, // domains_verified_name_uq
	"users.username_key":                                             accounts.ErrUsernameTaken,
	"users.email_key":                                                accounts.ErrEmailTaken,
	"memberships.team_id, memberships.user_id":                       accounts.ErrAlreadyMember,
	"scim_users.user_id":                                             accounts.ErrManagedElsewhere,
	"scim_users.team_id, scim_users.user_name_key":                   accounts.ErrUsernameTaken,
	"scim_groups.team_id, scim_groups.display_name_key":              accounts.ErrGroupNameTaken,
	"external_identities.connection_id, external_identities.subject": accounts.ErrIdentityLinked,
	"saml_assertions.connection_id, saml_assertions.assertion_id":    accounts.ErrReplayed,
}

// fail turns a database error from operation op into what callers expect:
// a domain error where SQLite's complaint has a domain meaning, and otherwise
// an internal error that keeps the driver's error for errors.As.
func fail(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			if e, ok := uniqueErrors[uniqueColumns(se.Error())]; ok {
				return e
			}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			// A create or update named a team or user that does not exist.
			return accounts.ErrNotFound
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// lookupFail is fail for single-record reads: no row is ErrNotFound.
func lookupFail(op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return accounts.ErrNotFound
	}
	return fail(op, err)
}

// uniqueColumns extracts "t.a, t.b" from the driver's message for a
// uniqueness violation, which reads
// "constraint failed: UNIQUE constraint failed: t.a, t.b (2067)".
func uniqueColumns(msg string) string {
	const marker = "UNIQUE constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return ""
	}
	cols := msg[i+len(marker):]
	if j := strings.LastIndex(cols, " ("); j >= 0 {
		cols = cols[:j]
	}
	return cols
}

// rowsAffected returns how many rows a write changed.
func rowsAffected(op string, res sql.Result) (int, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return int(n), nil
}
