// Package postgres is the production accounts.Store, on PostgreSQL through
// pgx/v5 and a pgxpool.
//
// The schema lives in embedded, numbered, append-only migrations
// (migrations/NNNN_name.sql) that Migrate applies under an advisory lock, so
// replicas starting together do not race; Open never migrates. A released
// migration is never edited: change the schema by adding the next one.
//
// Every method keeps the documented semantics of accounts.Store, in as few
// round trips as the database allows (CTEs, RETURNING, ON CONFLICT). Creates
// report a clash on a unique name, and lookups a malformed ID, without
// aborting the caller's transaction, so a transaction may go on after
// ErrUsernameTaken or ErrNotFound.
//
// This package must never decide policy or speak HTTP, and must not be
// imported by anything but cmd/idbridge and tests: the rest of idbridge sees
// only accounts.Store.
package postgres
