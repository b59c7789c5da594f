package sqlite_test

import (
	"strings"
	"testing"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/sqlite"
)

// IdPs send a userName eq or externalId eq lookup before every create: the
// plan must find the row through an index, never by reading the team.
func TestSCIMLookupFiltersUseAnIndex(t *testing.T) {
	s := newStore(t)
	for _, tt := range []struct {
		name   string
		filter accounts.Filter
		want   string
	}{
		{"userName eq", accounts.FilterCompare{Path: []string{"userName"}, Op: accounts.OpEq, Value: "Alice@Acme.test"}, "user_name_key=?"},
		{"externalId eq", accounts.FilterCompare{Path: []string{"externalId"}, Op: accounts.OpEq, Value: "00u1", CaseExact: true}, "external_id=?"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			query, args, err := sqlite.SCIMUserListSQL("team-1", tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.DB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(plan, "\n")
			if !strings.Contains(joined, "USING INDEX") || !strings.Contains(strings.ReplaceAll(joined, " ", ""), tt.want) {
				t.Fatalf("%s is not an index lookup on %s:\n%s\n%s", tt.name, tt.want, query, joined)
			}
		})
	}
}
