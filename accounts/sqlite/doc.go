// Package sqlite is the embedded accounts.Store: one SQLite file, through the
// pure-Go modernc.org/sqlite driver and database/sql, for `make run` and
// single-node installs. It passes the same conformance suite
// (accounts/storetest) as the PostgreSQL store, so the Service cannot tell
// them apart.
//
// The database runs in WAL mode, so readers never wait for the writer.
// Writers are serialised by SQLite itself: every transaction begins
// IMMEDIATE, taking the write lock before its first read, and a writer that
// finds the lock taken waits (busy_timeout) instead of failing. A
// read-modify-write (UpdateUser, UpdateTeam) therefore cannot lose an update,
// and SQLITE_BUSY never reaches a caller under ordinary contention.
//
// The schema lives in embedded, numbered, append-only migrations
// (migrations/NNNN_name.sql) that Migrate applies; Open never migrates. A
// released migration is never edited: change the schema by adding the next
// one.
//
// This package must never decide policy or speak HTTP, must not be shared by
// several processes on a network file system (SQLite's locks do not hold
// there), and must not be imported by anything but cmd/idbridge and tests:
// the rest of idbridge sees only accounts.Store.
package sqlite
