// Package storetest is the conformance suite every accounts.Store backend
// runs, so that PostgreSQL and SQLite behave the same to the Service. Each
// test checks one guarantee written in the method comments of accounts.Store
// and accounts.Tx, through those interfaces only.
//
// A backend's test file is three lines:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, newTestStore)
//	}
//
// newTestStore returns a fresh, empty, migrated store on every call and
// registers its own cleanup with t.Cleanup. Subtests run in parallel, each on
// a store of its own.
//
// The suite never reads the wall clock: every time derives from a fixed base
// time that has nanoseconds and a zone other than UTC, so every comparison
// also checks that times come back in UTC at microsecond precision. It must
// never know a backend's internals (SQL, table names, drivers) and keeps no
// package-level state.
package storetest
