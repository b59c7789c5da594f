package postgres_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
)

// IdPs send a userName eq or externalId eq lookup before every create: the
// plan must find the row through an index, never by reading the team.
func TestSCIMLookupFiltersUseAnIndex(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(t.Context()) })
	// Tiny tables make a sequential scan cheapest; forbid it, so only a
	// filter no index can serve still reads the table.
	if _, err := conn.Exec(t.Context(), "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		filter accounts.Filter
		index  string
		column string
	}{
		{"userName eq", accounts.FilterCompare{Path: []string{"userName"}, Op: accounts.OpEq, Value: "Alice@Acme.test"},
			"scim_users_team_user_name_uq", "user_name_key"},
		{"externalId eq", accounts.FilterCompare{Path: []string{"externalId"}, Op: accounts.OpEq, Value: "00u1", CaseExact: true},
			"scim_users_team_external_id_idx", "external_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			query, args, err := postgres.SCIMUserListSQL("team-1", tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := conn.Query(t.Context(), "EXPLAIN "+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			if !strings.Contains(plan, tt.index) || !strings.Contains(plan, "Index Cond") ||
				!strings.Contains(plan[strings.Index(plan, "Index Cond"):], tt.column) {
				t.Fatalf("%s is not an index lookup on %s(%s):\n%s\n%s", tt.name, tt.index, tt.column, query, plan)
			}
		})
	}
}
