package postgres

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/idbridge/idbridge/accounts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// queries implements accounts.Tx over a pool (each method its own
// statement) or over a transaction.
type queries struct {
	db dbtx
}

var _ accounts.Tx = queries{}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan; an empty result is a nil slice.
func collect[T any](rows pgx.Rows, scan func(scanner) (T, error)) ([]T, error) {
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

// micro is t as the database will return it: UTC, whole microseconds (pgx
// truncates, it does not round). Creates normalise the caller's struct with
// it so that what was written equals what is read back.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func microPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := micro(*t)
	return &v
}

// utcPtr converts a scanned nullable time; pgx scans into time.Local.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// badText reports whether any s could not be stored in a text column
// (invalid UTF-8 or NUL). Lookups check first, so that such an ID finds
// nothing instead of failing the statement and with it the transaction.
func badText(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return true
		}
	}
	return false
}

// pgError returns the PostgreSQL error in err's chain, or nil.
func pgError(err error) *pgconn.PgError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// SQLSTATEs this package gives a meaning to.
const (
	foreignKeyViolation = "23503"
	uniqueViolation     = "23505"
	badCharacter        = "22021" // character_not_in_repertoire: NUL or invalid UTF-8
)

// uniqueErrors maps our unique constraints and indexes to the error a
// clash on each means. Creates avoid raising these (ON CONFLICT DO NOTHING);
// they still surface when two transactions race on an UPDATE.
var uniqueErrors = map[string]error{
	"teams_slug_uq":            accounts.ErrSlugTaken,
	"domains_team_name_uq":     accounts.ErrDomainTaken,
	"domains_verified_name_uq": accounts.ErrDomainTaken,
	"users_username_uq":        accounts.ErrUsernameTaken,
	"users_email_uq":           accounts.ErrEmailTaken,
	"memberships_pkey":         accounts.ErrAlreadyMember,

	"scim_users_pkey":                  accounts.ErrManagedElsewhere,
	"scim_users_team_user_name_uq":     accounts.ErrUsernameTaken,
	"scim_groups_team_display_name_uq": accounts.ErrGroupNameTaken,
}

// fail turns a database error from operation op into what callers expect:
// a domain error where the database's complaint has a domain meaning, and
// otherwise an internal error that keeps the pgx error for errors.As.
func fail(op string, err error) error {
	if pe := pgError(err); pe != nil {
		switch pe.Code {
		case uniqueViolation:
			if e, ok := uniqueErrors[pe.ConstraintName]; ok {
				return e
			}
		case foreignKeyViolation:
			// A create or update named a team or user that does not exist
			// (or was deleted concurrently).
			return accounts.ErrNotFound
		case badCharacter:
			return &accounts.Error{Code: accounts.CodeInvalid, Message: "text must be valid UTF-8 without NUL characters"}
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// lookupFail is fail for single-record reads: no row is ErrNotFound.
func lookupFail(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.ErrNotFound
	}
	return fail(op, err)
}

// nullIfEmpty stores "" as NULL in columns that are foreign keys.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
