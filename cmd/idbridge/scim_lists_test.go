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

func TestSCIMAttributesAndExcludedAttributes(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		u := wantSCIM(t, s.do(http.MethodPost, "/Users?attributes=userName", aliceSCIM), http.StatusCreated)
		id, _ := u["id"].(string)
		wantKeys(t, "create answer with attributes=userName", u, "id", "schemas", "meta", "userName")
		g := wantSCIM(t, s.do(http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins","members":[{"value":"`+id+`"}]}`), http.StatusCreated)
		gid, _ := g["id"].(string)

		got := wantSCIM(t, s.do(http.MethodGet, "/Users/"+id+"?attributes=userName,name.givenName,"+url.QueryEscape(enterpriseNS+":department"), ""), http.StatusOK)
		wantKeys(t, "GET with attributes", got, "id", "schemas", "meta", "userName", "name", enterpriseNS)
		if name := got["name"].(map[string]any); len(name) != 1 || name["givenName"] != "Alice" {
			t.Errorf("attributes=name.givenName gave name %v", name)
		}
		if ext := got[enterpriseNS].(map[string]any); len(ext) != 1 || ext["department"] != "Research" {
			t.Errorf("a URN-qualified attribute gave %v", ext)
		}

		got = wantSCIM(t, s.do(http.MethodGet, "/Users/"+id+"?excludedAttributes=emails,ID,meta,groups,name.familyName", ""), http.StatusOK)
		if _, ok := got["emails"]; ok {
			t.Errorf("excludedAttributes=emails left %v", got["emails"])
		}
		if _, ok := got["groups"]; ok {
			t.Errorf("excludedAttributes=groups left %v", got["groups"])
		}
		if got["id"] != id || got["meta"] == nil || got["schemas"] == nil || got["userName"] == nil || got["name"].(map[string]any)["familyName"] != nil {
			t.Errorf("excludedAttributes removed too much or too little: %v", got)
		}

		// Without a projection the user lists the groups it is in.
		got = wantSCIM(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusOK)
		if gs, _ := got["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["value"] != gid || gs[0].(map[string]any)["display"] != "Admins" {
			t.Errorf("user groups %v", got["groups"])
		}

		l := wantSCIM(t, s.do(http.MethodGet, "/Users?attributes=userName", ""), http.StatusOK)
		wantKeys(t, "list with attributes", l["Resources"].([]any)[0].(map[string]any), "id", "schemas", "meta", "userName")

		p := wantSCIM(t, s.do(http.MethodPatch, "/Users/"+id+"?excludedAttributes=emails,name", `{`+scimPatchOp+`,"Operations":[{"op":"replace","path":"displayName","value":"Al"}]}`), http.StatusOK)
		if p["emails"] != nil || p["name"] != nil || p["displayName"] != "Al" {
			t.Errorf("PATCH answer with excludedAttributes: %v", p)
		}

		gg := wantSCIM(t, s.do(http.MethodGet, "/Groups/"+gid+"?attributes=displayName", ""), http.StatusOK)
		wantKeys(t, "group with attributes=displayName", gg, "id", "schemas", "meta", "displayName")
		gl := wantSCIM(t, s.do(http.MethodGet, "/Groups?attributes=members.value", ""), http.StatusOK)
		ms := gl["Resources"].([]any)[0].(map[string]any)["members"].([]any)
		if len(ms) != 1 || len(ms[0].(map[string]any)) != 1 || ms[0].(map[string]any)["value"] != id {
			t.Errorf("attributes=members.value gave %v", ms)
		}
	})
}

// wantKeys checks that a resource has exactly these top-level attributes.
func wantKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	if len(m) != len(keys) {
		t.Errorf("%s: attributes %v, want exactly %v", what, m, keys)
		return
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: %s missing from %v", what, k, m)
		}
	}
}

func TestSCIMSearchWithPOST(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		var ids []string
		for i, n := range []string{"ann", "ben"} {
			u := wantSCIM(t, s.do(http.MethodPost, "/Users", fmt.Sprintf(`{"schemas":[%q],"userName":"%s@acme.test","externalId":"x%d"}`, scimUserURN, n, i)), http.StatusCreated)
			ids = append(ids, u["id"].(string))
		}
		g := wantSCIM(t, s.do(http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Ops"}`), http.StatusCreated)
		const sr = `"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]`

		l := wantSCIM(t, s.do(http.MethodPost, "/Users/.search", `{`+sr+`,"filter":"externalId eq \"x1\"","attributes":["userName"]}`), http.StatusOK)
		wantIDs(t, l, ids[1])
		wantKeys(t, "search result", l["Resources"].([]any)[0].(map[string]any), "id", "schemas", "meta", "userName")
		l = wantSCIM(t, s.do(http.MethodPost, "/Users/.search", `{`+sr+`,"sortBy":"userName","sortOrder":"descending","startIndex":1,"count":1}`), http.StatusOK)
		if l["totalResults"] != float64(2) || l["itemsPerPage"] != float64(1) || l["Resources"].([]any)[0].(map[string]any)["id"] != ids[1] {
			t.Errorf("sorted, paged search %v", l)
		}
		wantIDs(t, wantSCIM(t, s.do(http.MethodPost, "/Groups/.search", `{`+sr+`,"filter":"displayName eq \"ops\"","excludedAttributes":["members"]}`), http.StatusOK), g["id"].(string))

		// The root search pages across users, then groups.
		l = wantSCIM(t, s.do(http.MethodPost, "/.search", `{`+sr+`,"startIndex":2,"count":5}`), http.StatusOK)
		res := l["Resources"].([]any)
		if l["totalResults"] != float64(3) || l["itemsPerPage"] != float64(2) || res[0].(map[string]any)["id"] != ids[1] ||
			res[1].(map[string]any)["id"] != g["id"] || res[1].(map[string]any)["meta"].(map[string]any)["resourceType"] != "Group" {
			t.Errorf("root search %v", l)
		}
		// A filter only users have skips groups.
		wantIDs(t, wantSCIM(t, s.do(http.MethodPost, "/.search", `{`+sr+`,"filter":"userName sw \"ann\""}`), http.StatusOK), ids[0])

		wantSCIMError(t, s.do(http.MethodPost, "/Users/.search", `{"schemas":["urn:nope"]}`), http.StatusBadRequest, "invalidValue")
		wantSCIMError(t, s.do(http.MethodPost, "/Users/.search", `{`+sr+`,"filter":"userName eq"}`), http.StatusBadRequest, "invalidFilter")
		wantSCIMError(t, s.do(http.MethodPost, "/.search", `{`+sr+`,"filter":"nosuch eq 1"}`), http.StatusBadRequest, "invalidFilter")
		wantSCIMError(t, s.do(http.MethodPost, "/Users/.search", `{`+sr+`,"count":"ten"}`), http.StatusBadRequest, "invalidSyntax")
	})
}

func TestSCIMServiceProviderConfigTellsWhatWorks(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	srv := startServer(t, db)
	s := newSCIMTeam(t, srv, db, "acme")
	cfg := wantSCIM(t, s.do(http.MethodGet, "/ServiceProviderConfig", ""), http.StatusOK)
	for _, k := range []string{"patch", "filter", "sort", "etag", "changePassword"} {
		if f, _ := cfg[k].(map[string]any); f["supported"] != true {
			t.Errorf("%s: %v, want supported", k, cfg[k])
		}
	}
	if f := cfg["filter"].(map[string]any); f["maxResults"] != float64(100) {
		t.Errorf("filter.maxResults %v, want 100", f["maxResults"])
	}
	if b, _ := cfg["bulk"].(map[string]any); b["supported"] != false {
		t.Errorf("bulk %v, want unsupported", cfg["bulk"])
	}
}
