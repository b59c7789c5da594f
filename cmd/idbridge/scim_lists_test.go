package main

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestSCIMListsCountTheResourcesOnThePage(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		var ids []string
		for _, n := range []string{"ann", "ben", "cat"} {
			u := wantSCIM(t, s.do(http.MethodPost, "/Users", fmt.Sprintf(`{"schemas":[%q],"userName":"%s@acme.test",
				"emails":[{"type":"work","value":"%s@acme.test","primary":true}],"roles":[],"phoneNumbers":null}`, scimUserURN, n, n)), http.StatusCreated)
			if _, ok := u["roles"]; ok {
				t.Fatalf("an empty roles array came back as %v", u["roles"])
			}
			if _, ok := u["phoneNumbers"]; ok {
				t.Fatalf("a null phoneNumbers came back as %v", u["phoneNumbers"])
			}
			ids = append(ids, u["id"].(string))
		}
		for _, tt := range []struct {
			query       string
			total, page int
		}{
			{"count=2", 3, 2},
			{"startIndex=3&count=2", 3, 1},
			{"startIndex=9", 3, 0},
			{"count=0", 3, 0},
			{"filter=" + url.QueryEscape(`userName eq "nobody"`), 0, 0},
		} {
			l := wantSCIM(t, s.do(http.MethodGet, "/Users?"+tt.query, ""), http.StatusOK)
			if l["totalResults"] != float64(tt.total) || l["itemsPerPage"] != float64(tt.page) || len(l["Resources"].([]any)) != tt.page {
				t.Errorf("%s: totalResults %v, itemsPerPage %v, %d resources; want %d, %d", tt.query, l["totalResults"], l["itemsPerPage"], len(l["Resources"].([]any)), tt.total, tt.page)
			}
		}
		// A value path with a sub-attribute, which the filter parser refuses as written.
		wantIDs(t, list(t, s, "/Users", `emails[type eq "work"].value eq "BEN@acme.test"`), ids[1])
		wantIDs(t, list(t, s, "/Users", `emails[type eq "home"].value pr`))
	})
}
